// Sieve scripts (shared/sieve): any bytes are compiled; a script that compiles runs against a
// fixed message, with the default limits and with tight ones, and its outcome must keep the
// rules of RFC 5228 2.10 whatever the script says.
#include <algorithm>

#include "../fuzz_target.h"
#include "shared/sieve/sieve.h"

namespace mailsuite::sieve {
namespace {

const char kMessage[] =
    "Return-Path: <bounce@lists.example>\r\n"
    "From: \"Doe, John\" =?UTF-8?Q?J=C3=B6rg?= <john@Example.COM>\r\n"
    "To: Friends: a@one.example, b@two.example;, me@example.com\r\n"
    "Cc: undisclosed-recipients:;\r\n"
    "Subject: =?ISO-8859-1?Q?Caf=E9?= make money\r\n"
    "  fast\r\n"
    "X-Spam: yes\r\n"
    "\r\n"
    "Body.\r\n";

// RFC 5228 2.10.2: keep and discard cancel the implicit keep, fileinto and redirect unless :copy;
// reject too (RFC 5429 2.1); vacation never does (RFC 5230 4.7).
bool Cancels(const Action& a) {
  if (a.kind == Action::Kind::kVacation) return false;
  return a.kind == Action::Kind::kKeep || a.kind == Action::Kind::kDiscard || !a.copy;
}

void CheckOutcome(const Outcome& outcome, const Limits& limits) {
  if (!outcome.error.empty()) {
    // RFC 5228 2.10.6: a failed run keeps the message and nothing else.
    FUZZ_CHECK(outcome.actions.empty());
    FUZZ_CHECK(outcome.implicit_keep);
    return;
  }
  const auto& actions = outcome.actions;
  FUZZ_CHECK(actions.size() <= static_cast<size_t>(limits.max_actions));
  auto redirects = std::count_if(actions.begin(), actions.end(),
                                 [](const Action& a) { return a.kind == Action::Kind::kRedirect; });
  FUZZ_CHECK(redirects <= limits.max_redirects);
  for (size_t i = 0; i < actions.size(); ++i) {
    const Action& a = actions[i];
    if (a.kind == Action::Kind::kFileInto) FUZZ_CHECK(!a.mailbox.empty());
    if (a.kind == Action::Kind::kRedirect) FUZZ_CHECK(a.address.find('@') != std::string::npos);
    if (a.kind == Action::Kind::kKeep) FUZZ_CHECK(!outcome.implicit_keep);
    for (size_t j = i + 1; j < actions.size(); ++j)  // repeated actions appear once
      FUZZ_CHECK(!(a.kind == actions[j].kind && a.mailbox == actions[j].mailbox &&
                   a.address == actions[j].address));
  }
  // The implicit keep is gone only when some action cancelled it.
  bool cancelled = std::any_of(actions.begin(), actions.end(), Cancels);
  FUZZ_CHECK(outcome.implicit_keep != cancelled);
}

MAILSUITE_FUZZ_TARGET(sieve_script) {
  const Limits defaults;
  CompileResult compiled = Compile(input, defaults);
  if (!compiled.ok()) {
    FUZZ_CHECK(!compiled.error.empty());
    FUZZ_CHECK(compiled.line >= 0);
    return;
  }
  FUZZ_CHECK(compiled.error.empty());
  MessageInput message;
  message.message = kMessage;
  message.envelope_from = input.size() % 2 ? "" : "bounce@lists.example";
  message.envelope_to = "me+tag@example.com";
  Outcome first = Execute(*compiled.script, message, defaults);
  CheckOutcome(first, defaults);
  // The script is immutable: a second run gives the same outcome.
  Outcome again = Execute(*compiled.script, message, defaults);
  FUZZ_CHECK(again.error == first.error && again.implicit_keep == first.implicit_keep &&
             again.actions.size() == first.actions.size());

  Limits tight;
  tight.max_redirects = 1;
  tight.max_actions = 2;
  tight.max_steps = 50;
  CheckOutcome(Execute(*compiled.script, message, tight), tight);
}

}  // namespace
}  // namespace mailsuite::sieve
