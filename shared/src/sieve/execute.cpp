// Execute: runs the compiled commands against one message (RFC 5228 2.10, 3, 4, 5). Actions are
// collected, not performed: the caller delivers them after a run without error.
#include <algorithm>

#include "match.h"
#include "message_view.h"
#include "script.h"
#include "shared/sieve/sieve.h"
#include "step_budget.h"

namespace mailsuite::sieve {
namespace {

class Interpreter {
 public:
  Interpreter(const MessageInput& input, const Limits& limits)
      : input_(input), limits_(limits), budget_(limits.max_steps), view_(input.message, budget_) {}

  Outcome Run(const Script& script) {
    Block(script.commands);
    if (!outcome_.error.empty()) {
      // RFC 5228 2.10.6: a run that fails keeps the message, as if there were no script.
      outcome_.actions.clear();
      outcome_.implicit_keep = true;
    }
    return std::move(outcome_);
  }

 private:
  enum class Flow { kNext, kStop };  // kStop: stop, or an error (outcome_.error is set)

  bool Fail(std::string error) {
    outcome_.error = std::move(error);
    return false;
  }
  bool OutOfSteps() {
    return Fail("too many steps (more than " + std::to_string(limits_.max_steps) + ")");
  }
  bool Step() { return budget_.Charge(1) || OutOfSteps(); }

  Flow Block(const std::vector<Command>& commands) {
    for (const Command& command : commands)
      if (Do(command) == Flow::kStop) return Flow::kStop;
    return Flow::kNext;
  }

  Flow Do(const Command& command) {
    if (!Step()) return Flow::kStop;
    switch (command.kind) {
      case Command::Kind::kIf:
        for (const Branch& branch : command.branches) {
          bool taken = !branch.condition || Evaluate(*branch.condition);
          if (budget_.exhausted()) {
            OutOfSteps();
            return Flow::kStop;
          }
          if (taken) return Block(branch.block);
        }
        return Flow::kNext;
      case Command::Kind::kStop:
        return Flow::kStop;
      case Command::Kind::kKeep:
        return Add(Of(Action::Kind::kKeep), true) ? Flow::kNext : Flow::kStop;
      case Command::Kind::kDiscard:
        // RFC 5228 4.4: discard only cancels the implicit keep; a keep before or after stands.
        return Add(Of(Action::Kind::kDiscard), true) ? Flow::kNext : Flow::kStop;
      case Command::Kind::kFileInto: {
        Action action = Of(Action::Kind::kFileInto);
        action.mailbox = command.target;
        action.create = command.create;
        action.copy = command.copy;
        return Add(std::move(action), !command.copy) ? Flow::kNext : Flow::kStop;
      }
      case Command::Kind::kRedirect: {
        Action action = Of(Action::Kind::kRedirect);
        action.address = command.target;
        action.copy = command.copy;
        return Add(std::move(action), !command.copy) ? Flow::kNext : Flow::kStop;
      }
    }
    return Flow::kNext;
  }

  static Action Of(Action::Kind kind) {
    Action action;
    action.kind = kind;
    return action;
  }

  // RFC 5228 2.10.3 and 4.2: an action taken twice is performed once. The copies agree on the
  // delivery, so :create of either applies and :copy only if both had it. Only distinct actions
  // count against the limits (2.10.4).
  bool Add(Action action, bool cancels_implicit_keep) {
    if (cancels_implicit_keep) outcome_.implicit_keep = false;
    auto& actions = outcome_.actions;
    auto same = std::find_if(actions.begin(), actions.end(), [&](const Action& a) {
      return a.kind == action.kind && a.mailbox == action.mailbox && a.address == action.address;
    });
    if (same != actions.end()) {
      same->create = same->create || action.create;
      same->copy = same->copy && action.copy;
      return true;
    }
    if (action.kind == Action::Kind::kRedirect && ++redirects_ > limits_.max_redirects)
      return Fail("too many redirects (more than " + std::to_string(limits_.max_redirects) + ")");
    if (actions.size() >= static_cast<size_t>(std::max(limits_.max_actions, 0)))
      return Fail("too many actions (more than " + std::to_string(limits_.max_actions) + ")");
    actions.push_back(std::move(action));
    return true;
  }

  // The value of a test; when the step budget runs out it is false and budget_.exhausted().
  bool Evaluate(const Test& test) {
    if (!budget_.Charge(1)) return false;
    switch (test.kind) {
      case Test::Kind::kTrue:
        return true;
      case Test::Kind::kFalse:
        return false;
      case Test::Kind::kNot:
        return !Evaluate(test.children[0]) && !budget_.exhausted();
      case Test::Kind::kAllOf:
        return std::all_of(test.children.begin(), test.children.end(),
                           [&](const Test& t) { return Evaluate(t); });
      case Test::Kind::kAnyOf:
        return std::any_of(test.children.begin(), test.children.end(),
                           [&](const Test& t) { return Evaluate(t); });
      case Test::Kind::kExists:
        return std::all_of(test.headers.begin(), test.headers.end(),
                           [&](const std::string& name) { return view_.Exists(name); });
      case Test::Kind::kHeader:
        return Header(test);
      case Test::Kind::kAddress:
        return Address(test);
      case Test::Kind::kEnvelope:
        return Envelope(test);
      case Test::Kind::kSizeOver:
        return input_.message.size() > test.size;
      case Test::Kind::kSizeUnder:
        return input_.message.size() < test.size;
    }
    return false;
  }

  // True when any of `values` matches any key (RFC 5228 2.7.1: the test is true if any
  // combination matches).
  bool AnyMatches(const Test& test, std::string_view value) {
    for (const std::string& key : test.keys) {
      if (test.match == MatchType::kValue
              ? Relates(test.relation, test.comparator, value, key, budget_)
              : Matches(test.match, test.comparator, value, key, budget_))
        return true;
      if (budget_.exhausted()) return false;
    }
    return false;
  }

  // :count (RFC 5231 4.2): how many values there are, compared with each key as a string.
  bool CountRelates(const Test& test, size_t count) {
    const std::string text = std::to_string(count);
    for (const std::string& key : test.keys) {
      if (Relates(test.relation, test.comparator, text, key, budget_)) return true;
      if (budget_.exhausted()) return false;
    }
    return false;
  }

  bool Header(const Test& test) {
    size_t count = 0;
    for (const std::string& name : test.headers) {
      for (const std::string& value : view_.DecodedValues(name)) {
        ++count;
        if (test.match != MatchType::kCount && AnyMatches(test, value)) return true;
      }
    }
    return test.match == MatchType::kCount && CountRelates(test, count);
  }

  bool Address(const Test& test) {
    size_t count = 0;
    for (const std::string& name : test.headers) {
      for (const MailAddress& address : view_.Addresses(name)) {
        ++count;
        if (test.match == MatchType::kCount) continue;
        auto part = AddressPartOf(address, test.address_part);
        if (part && AnyMatches(test, *part)) return true;
      }
    }
    return test.match == MatchType::kCount && CountRelates(test, count);
  }

  bool Envelope(const Test& test) {
    size_t count = 0;
    for (EnvelopePart part : test.envelope_parts) {
      const std::string& address =
          part == EnvelopePart::kFrom ? input_.envelope_from : input_.envelope_to;
      // RFC 5231 4.2: the null reverse-path is not counted.
      if (test.match == MatchType::kCount) {
        count += address.empty() ? 0 : 1;
        continue;
      }
      // RFC 5228 5.4: the null reverse-path "<>" is the empty string, whatever the part.
      std::optional<std::string> value =
          address.empty() ? std::string() : AddressPartOf(SplitAddress(address), test.address_part);
      if (value && AnyMatches(test, *value)) return true;
    }
    return test.match == MatchType::kCount && CountRelates(test, count);
  }

  const MessageInput& input_;
  const Limits& limits_;
  StepBudget budget_;
  MessageView view_;
  Outcome outcome_;
  int redirects_ = 0;
};

}  // namespace

Outcome Execute(const Script& script, const MessageInput& message, const Limits& limits) {
  return Interpreter(message, limits).Run(script);
}

}  // namespace mailsuite::sieve
