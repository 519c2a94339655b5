// mailsuite domain add|list|remove
#include <iostream>

#include "cli_common.h"

namespace mailsuite::cli {

int RunDomainCommand(const GlobalOptions& options, const std::vector<std::string>& words) {
  const std::string action = words.empty() ? "" : words[0];
  if (action == "list") {
    if (words.size() != 1) return UsageError("usage: domain list");
  } else if (action == "add" || action == "remove") {
    if (words.size() != 2) return UsageError("usage: domain " + action + " NAME");
  } else {
    return UsageError("usage: domain add|list|remove [NAME]");
  }
  auto store = OpenConfiguredStore(options);
  if (!store.ok()) return Fail(store.error());

  if (action == "list") {
    auto domains = (*store)->ListDomains();
    if (!domains.ok()) return Fail(domains.error());
    for (const std::string& d : *domains) std::cout << d << "\n";
    return kExitOk;
  }
  const std::string& name = words[1];
  Status s = action == "add" ? (*store)->AddDomain(name) : (*store)->RemoveDomain(name);
  if (!s.ok()) return Fail("domain " + name, s.message());
  std::cout << (action == "add" ? "added domain " : "removed domain ") << name << "\n";
  return kExitOk;
}

}  // namespace mailsuite::cli
