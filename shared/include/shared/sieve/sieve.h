// Sieve (RFC 5228) mail filtering: a script compiled once into an immutable form, then run
// against each delivered message to decide where it goes. Pure: text and message bytes in,
// actions or an error out; no store, no I/O, no logging. The caller delivers.
//
// Supported: the base language (require, if/elsif/else, stop, keep, discard, redirect; tests
// address, header, exists, size, allof, anyof, not, true, false; match types :is, :contains,
// :matches; comparators "i;ascii-casemap" and "i;octet") and the extensions listed by
// SupportedExtensions(): among them reject/ereject, vacation (+ vacation-seconds), variables,
// encoded-character, imap4flags, body, date and index. A script that requires anything else
// does not compile. With "variables", strings are expanded at run time, so a fileinto or
// redirect target built from variables is checked then (an invalid one is a run-time error).
//
// Compile bounds the script's size and nesting; Execute bounds actions and CPU (max_steps), so
// neither can be driven into a stack overflow or an unbounded loop by a hostile script.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mailsuite::sieve {

struct Limits {
  size_t max_script_size = 1 << 20;  // octets of script text
  int max_nesting = 32;              // blocks and tests nested in each other
  int max_redirects = 4;             // redirect actions per message
  int max_actions = 64;              // actions of any kind per message
  uint64_t max_steps = 200000;  // interpreter steps per message (commands, tests, match work units)
};

class Script;  // the compiled script, immutable, shareable across threads

struct CompileResult {
  std::shared_ptr<const Script> script;  // null on error
  int line = 0;                          // 1-based line of the error (0: not tied to a line)
  std::string error;                     // "unknown command 'filein'" (without the line)
  bool ok() const { return script != nullptr; }
  std::string Describe() const;  // "line 3: unknown command 'filein'"
};
CompileResult Compile(std::string_view text, const Limits& limits = {});

// The extensions Compile accepts in `require`, as ManageSieve's SIEVE capability would list them.
const std::vector<std::string>& SupportedExtensions();

struct MessageInput {
  std::string_view message;   // the whole RFC 5322 message, CRLF line ends
  std::string envelope_from;  // MAIL FROM address, "" for the null sender <>
  std::string envelope_to;    // the recipient (the user's address)
  // "date"/"currentdate" (RFC 5260): the time of delivery, and the zone a test without :zone
  // uses (the server's local zone), as minutes east of UTC.
  int64_t now = 0;  // seconds since the epoch
  int local_zone_minutes = 0;
};

// RFC 5230 4: what a "vacation" action asks for. Whether a reply goes out at all (once per
// sender per period, never to lists, bounces or other auto-replies) is decided by the caller
// with VacationSuppressed() and a store of senders already answered under `handle`.
struct Vacation {
  uint64_t period_seconds = 7 * 86400;  // :days (default 7, at least 1), or :seconds (RFC 6131)
  std::string subject;                  // :subject, "" when not given
  std::string from;                     // :from, "" when not given
  std::vector<std::string> addresses;   // :addresses, the user's other addresses
  bool mime = false;                    // :mime: `reason` is a whole MIME entity
  std::string handle;  // :handle, or one made from reason, subject, from and :mime (4.2)
  std::string reason;  // the reply text (or MIME entity), variables expanded
};

struct Action {
  enum class Kind { kKeep, kFileInto, kRedirect, kDiscard, kReject, kVacation };
  Kind kind = Kind::kKeep;
  std::string mailbox;  // kFileInto: the mailbox name as the script gave it (UTF-8)
  bool create = false;  // kFileInto :create (RFC 5490 "mailbox")
  std::string address;  // kRedirect: local@domain, the domain lower-cased
  bool copy = false;    // :copy (RFC 3894): does not cancel the implicit keep
  // kKeep and kFileInto (and the implicit keep, see Outcome::implicit_keep_flags) with
  // "imap4flags" (RFC 5232): the IMAP flags the stored message gets, each once, as the script
  // spelled them ("\Seen", "$Label1"); empty: none.
  std::vector<std::string> flags;
  // kReject (RFC 5429): the reason given to the sender; `ereject` for "ereject", which must be
  // refused in the protocol when at all possible (2.1).
  std::string reason;
  bool ereject = false;
  Vacation vacation;  // kVacation
};

struct Outcome {
  // Explicit actions in the order the script took them; a repeated action (same kind and
  // mailbox or address) appears once (RFC 5228 4.2.x), with :create and :copy merged.
  std::vector<Action> actions;
  // RFC 5228 2.10.2: true unless cancelled (keep, discard, fileinto/redirect without :copy).
  // When `actions` holds kKeep, this is false and the kKeep action stands for it.
  bool implicit_keep = true;
  std::vector<std::string> implicit_keep_flags;  // RFC 5232 3: the flags at the end of the run
  // A runtime error (a limit exceeded): the caller then ignores `actions` and keeps the message
  // in INBOX (RFC 5228 2.10.6).
  std::string error;
};
// Thread-safe: `script` is only read.
Outcome Execute(const Script& script, const MessageInput& message, const Limits& limits = {});

// RFC 5230 4.5-4.6 and RFC 3834 2: why no vacation reply may go to this message ("" when one
// may): the sender is <> or looks like a list or daemon (owner-*, *-request, MAILER-DAEMON),
// the message is an auto-reply (Auto-Submitted other than "no"), comes from a list (List-Id,
// List-*, Precedence bulk/list/junk), or none of the user's addresses (`user_addresses`, plus
// the action's :addresses) is in its To, Cc, Bcc, Resent-To, Resent-Cc or Resent-Bcc.
std::string VacationSuppressed(const MessageInput& message, const Vacation& vacation,
                               const std::vector<std::string>& user_addresses);

// The reply (RFC 5230 5, RFC 3834 3), CRLF line ends: From (:from, else `from_address`), To
// the envelope sender, Subject (:subject, else "Auto: " and the original subject), Date,
// Message-ID, In-Reply-To and References from the original, Auto-Submitted: auto-replied
// (vacation), MIME headers (UTF-8 text, or the :mime entity), and the reason as its body.
struct ReplyFields {
  std::string from_address;  // the user's address, when :from is not given
  std::string date;          // RFC 5322 date-time
  std::string message_id;    // "<...>"
};
std::string ComposeVacationReply(const MessageInput& message, const Vacation& vacation,
                                 const ReplyFields& fields);

}  // namespace mailsuite::sieve
