// mailsuite user add|passwd|list|remove (quota: quota_command.cpp). Passwords come from the
// terminal or stdin, never argv.
#include <iostream>

#include "cli_common.h"
#include "shared/auth/password.h"

namespace mailsuite::cli {
namespace {

std::string DomainOf(const std::string& address) {
  size_t at = address.rfind('@');
  return at == std::string::npos ? "" : address.substr(at + 1);
}

Result<std::string> ReadAndHash() {
  Result<std::string> password = ReadNewPassword();
  if (!password.ok()) return password.status();
  std::string hash = auth::HashPassword(*password);
  if (hash.empty()) return Status::Error("cannot hash the password");
  return hash;
}

}  // namespace

int RunUserCommand(const GlobalOptions& options, const std::vector<std::string>& words) {
  const std::string action = words.empty() ? "" : words[0];
  if (action == "quota")
    return RunQuotaCommand(options, std::vector<std::string>(words.begin() + 1, words.end()));
  if (action == "list") {
    if (words.size() > 2) return UsageError("usage: user list [DOMAIN]");
  } else if (action == "add" || action == "passwd" || action == "remove") {
    if (words.size() != 2) return UsageError("usage: user " + action + " ADDRESS");
  } else {
    return UsageError("usage: user add|passwd|list|remove|quota ADDRESS");
  }
  auto store = OpenConfiguredStore(options);
  if (!store.ok()) return Fail(store.error());

  if (action == "list") {
    auto users = (*store)->ListUsers(words.size() == 2 ? words[1] : "");
    if (!users.ok()) return Fail(users.error());
    for (const store::User& u : *users) std::cout << u.address << "\n";
    return kExitOk;
  }

  const std::string& address = words[1];
  const std::string subject = "user " + address;
  if (action == "remove") {
    Status s = (*store)->RemoveUser(address);
    if (!s.ok()) return Fail(subject, s.message());
    std::cout << "removed user " << address << "\n";
    return kExitOk;
  }

  // Check before asking for a password, so a typo does not cost a prompt.
  if (address.find('@') == std::string::npos || DomainOf(address).empty()) {
    return Fail(subject, "'" + address + "' is not an address (local@domain)");
  }
  auto existing = (*store)->FindUser(address);
  if (!existing.ok()) return Fail(subject, existing.error());
  if (action == "add") {
    if (existing->has_value()) return Fail(subject, "user " + address + " already exists");
    auto domain_ok = (*store)->DomainExists(DomainOf(address));
    if (!domain_ok.ok()) return Fail(subject, domain_ok.error());
    if (!*domain_ok) return Fail(subject, "domain " + DomainOf(address) + " does not exist");
  } else if (!existing->has_value()) {
    return Fail(subject, "user " + address + " does not exist");
  }

  Result<std::string> hash = ReadAndHash();
  if (!hash.ok()) return Fail(subject, hash.error());
  if (action == "add") {
    auto user = (*store)->AddUser(address, *hash);
    if (!user.ok()) return Fail(subject, user.error());
    std::cout << "added user " << user->address << "\n";
  } else {
    Status s = (*store)->SetPasswordHash(address, *hash);
    if (!s.ok()) return Fail(subject, s.message());
    std::cout << "changed the password of " << address << "\n";
  }
  return kExitOk;
}

}  // namespace mailsuite::cli
