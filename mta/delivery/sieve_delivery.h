// A user's active Sieve script (RFC 5228) at local delivery (issue #18): where their copy of a
// message goes. Runs for mail arriving by SMTP only (never for APPEND or our own DSNs). A
// missing, broken or failing script, or a store error while applying it, keeps the message in
// the default mailbox and says why in the log: nothing is lost to a script.
#pragma once

#include <string>
#include <vector>

#include "shared/result.h"
#include "store/store.h"

namespace mailsuite::mta {

struct SieveInput {
  store::UserId user = 0;
  std::string user_address;
  std::string envelope_to;  // the RCPT address that reached the user (alias or their own)
  store::MailboxId default_mailbox = 0;  // INBOX, or Junk for a message filters judged spam
  std::string sender;                    // envelope sender, "" for <>
  std::string id;                        // the message's queue id, for the log
};

// Where the copy goes: mailboxes of the user (deduplicated; empty when the script discarded
// it) and addresses to redirect it to (RFC 5228 4.2). A redirect is dropped when the message
// already shows it was delivered to this user (Delivered-To:), which stops a redirect loop.
struct SieveDecision {
  std::vector<store::MailboxId> mailboxes;
  std::vector<std::string> redirects;
};

SieveDecision DecideWithSieve(store::Store& store, const SieveInput& in,
                              const std::string& content);

}  // namespace mailsuite::mta
