// One run of a compiled script against one message (RFC 5228 2.10, 3, 4, 5): the commands and
// actions are in execute.cpp, the tests in evaluate.cpp. Actions are collected, not performed.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "message_view.h"
#include "script.h"
#include "shared/sieve/sieve.h"
#include "step_budget.h"
#include "variables.h"

namespace mailsuite::sieve {

class Interpreter {
 public:
  Interpreter(const Script& script, const MessageInput& input, const Limits& limits)
      : script_(script),
        input_(input),
        limits_(limits),
        budget_(limits.max_steps),
        view_(input.message, budget_) {}

  Outcome Run();

 private:
  enum class Flow { kNext, kStop };  // kStop: stop, or an error (outcome_.error is set)

  // execute.cpp
  bool Fail(std::string error);
  bool FailAt(const Command& command, const std::string& error);
  bool OutOfSteps();
  bool Step() { return budget_.Charge(1) || OutOfSteps(); }
  Flow Block(const std::vector<Command>& commands);
  Flow Do(const Command& command);
  bool StoreAction(const Command& command, Action action);
  bool Redirect(const Command& command);
  bool DoVacation(const Command& command);
  bool SetVariable(const Command& command);
  bool ChangeFlags(const Command& command);
  std::optional<std::vector<std::string>> FlagsOf(const Command& command);
  bool Add(const Command& command, Action action, bool cancels_implicit_keep);
  std::string Conflict(const Action& action) const;

  // RFC 5229 3: `text` with its variables expanded (as it is without "variables"); nullopt
  // once the step budget is spent.
  std::optional<std::string> Expand(const std::string& text);
  std::optional<std::vector<std::string>> ExpandAll(const std::vector<std::string>& texts);
  // The same without a copy where nothing expands (a script without "variables"): `texts`
  // itself, else the expansions in `storage`. Null when the step budget ran out. Tests call
  // this for every key and header name of every message, so the copy would show.
  const std::vector<std::string>* Expanded(const std::vector<std::string>& texts,
                                           std::vector<std::string>& storage);

  // evaluate.cpp: the value of a test; when the step budget runs out it is false and
  // budget_.exhausted().
  bool Evaluate(const Test& test);
  bool AnyMatches(const Test& test, const std::vector<std::string>& keys, std::string_view value);
  bool CountRelates(const Test& test, const std::vector<std::string>& keys, size_t count);
  bool Values(const Test& test, const std::vector<std::string>& values);
  bool Header(const Test& test);
  bool Address(const Test& test);
  bool Envelope(const Test& test);
  bool String(const Test& test);
  bool HasFlag(const Test& test);
  bool Body(const Test& test);
  bool Date(const Test& test);
  std::vector<std::string> FlagsOfVariable(const std::string& name) const;

  const Script& script_;
  const MessageInput& input_;
  const Limits& limits_;
  StepBudget budget_;
  MessageView view_;
  Outcome outcome_;
  int redirects_ = 0;
  Variables variables_;
  std::vector<std::string> internal_flags_;  // RFC 5232 3: the flags of the implicit keep
};

}  // namespace mailsuite::sieve
