// mailsuite mailbox list ADDRESS
#include <iostream>

#include "cli_common.h"

namespace mailsuite::cli {

int RunMailboxCommand(const GlobalOptions& options, const std::vector<std::string>& words) {
  if (words.size() != 2 || words[0] != "list") return UsageError("usage: mailbox list ADDRESS");
  const std::string& address = words[1];
  auto store = OpenConfiguredStore(options);
  if (!store.ok()) return Fail(store.error());
  auto user = (*store)->FindUser(address);
  if (!user.ok()) return Fail("user " + address, user.error());
  if (!user->has_value()) return Fail("user " + address + " does not exist");
  auto mailboxes = (*store)->ListMailboxes((*user)->id);
  if (!mailboxes.ok()) return Fail("user " + address, mailboxes.error());
  for (const store::Mailbox& m : *mailboxes) {
    std::cout << m.name << "\t" << m.messages << " messages\tuidvalidity=" << m.uid_validity
              << " uidnext=" << m.uid_next << (m.subscribed ? " subscribed" : "")
              << (m.special_use.empty() ? "" : " " + m.special_use) << "\n";
  }
  return kExitOk;
}

}  // namespace mailsuite::cli
