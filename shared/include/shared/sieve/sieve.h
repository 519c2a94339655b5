// Sieve (RFC 5228) mail filtering: a script compiled once into an immutable form, then run
// against each delivered message to decide where it goes. Pure: text and message bytes in,
// actions or an error out; no store, no I/O, no logging. The caller delivers.
//
// Supported: the base language (require, if/elsif/else, stop, keep, discard, redirect; tests
// address, header, exists, size, allof, anyof, not, true, false; match types :is, :contains,
// :matches; comparators "i;ascii-casemap" and "i;octet") and the extensions listed by
// SupportedExtensions() (fileinto, envelope, copy, mailbox's :create, relational and
// "i;ascii-numeric"). Not supported: everything else (vacation, variables, reject, body,
// imap4flags, date, ...): a script that requires it does not compile.
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
};

struct Action {
  enum class Kind { kKeep, kFileInto, kRedirect, kDiscard };
  Kind kind = Kind::kKeep;
  std::string mailbox;  // kFileInto: the mailbox name as the script gave it (UTF-8)
  bool create = false;  // kFileInto :create (RFC 5490 "mailbox")
  std::string address;  // kRedirect: local@domain, the domain lower-cased
  bool copy = false;    // :copy (RFC 3894): does not cancel the implicit keep
};

struct Outcome {
  // Explicit actions in the order the script took them; a repeated action (same kind and
  // mailbox or address) appears once (RFC 5228 4.2.x), with :create and :copy merged.
  std::vector<Action> actions;
  // RFC 5228 2.10.2: true unless cancelled (keep, discard, fileinto/redirect without :copy).
  // When `actions` holds kKeep, this is false and the kKeep action stands for it.
  bool implicit_keep = true;
  // A runtime error (a limit exceeded): the caller then ignores `actions` and keeps the message
  // in INBOX (RFC 5228 2.10.6).
  std::string error;
};
// Thread-safe: `script` is only read.
Outcome Execute(const Script& script, const MessageInput& message, const Limits& limits = {});

}  // namespace mailsuite::sieve
