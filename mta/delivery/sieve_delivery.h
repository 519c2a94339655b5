// A user's active Sieve script (RFC 5228) at local delivery (issue #18): where their copy of a
// message goes. Runs for mail arriving by SMTP only (never for APPEND or our own DSNs). A
// missing, broken or failing script, or a store error while applying it, keeps the message in
// the default mailbox and says why in the log: nothing is lost to a script.
#pragma once

#include <optional>
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
  std::string hostname;                  // ours, for the Message-ID of a vacation reply
  int64_t now = 0;                       // the time of delivery
  bool junk = false;                     // filters judged it spam: no vacation reply
};

// A vacation reply a script asked for and the rules allow; it goes out only if the store says
// this sender had none under `handle` within `period` (Store::ClaimVacationReply), which the
// caller asks once the message itself is stored.
struct VacationReply {
  std::string handle;
  int64_t period = 0;
  std::string message;  // the whole reply (RFC 5230 5), CRLF line ends
};

// One mailbox the copy goes to, with the flags a script set for it (RFC 5232 imap4flags).
struct SieveFiling {
  store::MailboxId mailbox = 0;
  store::Flags flags;
};

// Where the copy goes: mailboxes of the user (deduplicated; empty when the script discarded or
// rejected it) and addresses to redirect it to (RFC 5228 4.2). A redirect is dropped when the
// message already shows it was delivered to this user (Delivered-To:), which stops a loop.
struct SieveDecision {
  std::vector<SieveFiling> filings;
  std::vector<std::string> redirects;
  // "reject"/"ereject" (RFC 5429): the user refuses the message, for this reason.
  std::optional<std::string> reject;
  // "vacation" (RFC 5230), unless the message is one never to answer.
  std::optional<VacationReply> vacation;
};

SieveDecision DecideWithSieve(store::Store& store, const SieveInput& in,
                              const std::string& content);

// The IMAP flags a script named (RFC 5232), as the store keeps them: system flags by name in any
// case, keywords that are valid atoms; \Recent and anything else is left out.
store::Flags StoreFlags(const std::vector<std::string>& sieve_flags);

}  // namespace mailsuite::mta
