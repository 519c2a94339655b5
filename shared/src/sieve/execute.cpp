// Execute: the commands and actions of one run (RFC 5228 2.10, 3, 4) and of the extensions
// (reject, vacation, variables, imap4flags).
#include <algorithm>

#include "flags.h"
#include "interpreter.h"
#include "shared/mail/address.h"
#include "vacation.h"

namespace mailsuite::sieve {

Outcome Interpreter::Run() {
  Block(script_.commands);
  outcome_.implicit_keep_flags = internal_flags_;
  if (!outcome_.error.empty()) {
    // RFC 5228 2.10.6: a run that fails keeps the message, as if there were no script.
    outcome_.actions.clear();
    outcome_.implicit_keep = true;
    outcome_.implicit_keep_flags.clear();
  }
  return std::move(outcome_);
}

bool Interpreter::Fail(std::string error) {
  outcome_.error = std::move(error);
  return false;
}

bool Interpreter::FailAt(const Command& command, const std::string& error) {
  return Fail("line " + std::to_string(command.line) + ": " + error);
}

bool Interpreter::OutOfSteps() {
  return Fail("too many steps (more than " + std::to_string(limits_.max_steps) + ")");
}

std::optional<std::string> Interpreter::Expand(const std::string& text) {
  if (!script_.variables) return text;
  return variables_.Expand(text, budget_);
}

const std::vector<std::string>* Interpreter::Expanded(const std::vector<std::string>& texts,
                                                      std::vector<std::string>& storage) {
  if (!script_.variables) return &texts;
  auto expanded = ExpandAll(texts);
  if (!expanded) return nullptr;
  storage = std::move(*expanded);
  return &storage;
}

std::optional<std::vector<std::string>> Interpreter::ExpandAll(
    const std::vector<std::string>& texts) {
  std::vector<std::string> out;
  for (const std::string& text : texts) {
    std::optional<std::string> expanded = Expand(text);
    if (!expanded) return std::nullopt;
    out.push_back(std::move(*expanded));
  }
  return out;
}

Interpreter::Flow Interpreter::Block(const std::vector<Command>& commands) {
  for (const Command& command : commands)
    if (Do(command) == Flow::kStop) return Flow::kStop;
  return Flow::kNext;
}

Interpreter::Flow Interpreter::Do(const Command& command) {
  if (!Step()) return Flow::kStop;
  using Kind = Command::Kind;
  auto next_if = [](bool ok) { return ok ? Flow::kNext : Flow::kStop; };
  switch (command.kind) {
    case Kind::kIf:
      for (const Branch& branch : command.branches) {
        bool taken = !branch.condition || Evaluate(*branch.condition);
        if (budget_.exhausted()) {
          OutOfSteps();
          return Flow::kStop;
        }
        if (taken) return Block(branch.block);
      }
      return Flow::kNext;
    case Kind::kStop:
      return Flow::kStop;
    case Kind::kKeep:
    case Kind::kFileInto: {
      Action action;
      action.kind = command.kind == Kind::kKeep ? Action::Kind::kKeep : Action::Kind::kFileInto;
      return next_if(StoreAction(command, std::move(action)));
    }
    case Kind::kDiscard: {
      // RFC 5228 4.4: discard only cancels the implicit keep; a keep before or after stands.
      Action action;
      action.kind = Action::Kind::kDiscard;
      return next_if(Add(command, std::move(action), true));
    }
    case Kind::kRedirect:
      return next_if(Redirect(command));
    case Kind::kReject: {
      std::optional<std::string> reason = Expand(command.target);
      if (!reason) return next_if(OutOfSteps());
      Action action;
      action.kind = Action::Kind::kReject;
      action.reason = std::move(*reason);
      action.ereject = command.ereject;
      return next_if(Add(command, std::move(action), true));  // RFC 5429 2.1
    }
    case Kind::kVacation:
      return next_if(DoVacation(command));
    case Kind::kSet:
      return next_if(SetVariable(command));
    case Kind::kSetFlag:
    case Kind::kAddFlag:
    case Kind::kRemoveFlag:
      return next_if(ChangeFlags(command));
  }
  return Flow::kNext;
}

// RFC 5232 5: keep and fileinto store the message with their :flags, or else with the flags
// of the internal variable at that point.
std::optional<std::vector<std::string>> Interpreter::FlagsOf(const Command& command) {
  if (!command.flags) return internal_flags_;
  auto texts = ExpandAll(*command.flags);
  if (!texts) return std::nullopt;
  return FlagList(*texts);
}

bool Interpreter::StoreAction(const Command& command, Action action) {
  std::optional<std::vector<std::string>> flags = FlagsOf(command);
  if (!flags) return OutOfSteps();
  action.flags = std::move(*flags);
  if (action.kind == Action::Kind::kFileInto) {
    std::optional<std::string> mailbox = Expand(command.target);
    if (!mailbox) return OutOfSteps();
    if (mailbox->empty()) return FailAt(command, "fileinto: the mailbox name is empty");
    action.mailbox = std::move(*mailbox);
    action.create = command.create;
    action.copy = command.copy;
  }
  bool cancels = !action.copy;
  return Add(command, std::move(action), cancels);
}

// RFC 5228 4.2: an address only known at run time is checked then; an invalid one is a
// run-time error.
bool Interpreter::Redirect(const Command& command) {
  std::optional<std::string> address = Expand(command.target);
  if (!address) return OutOfSteps();
  if (!command.target_checked) {
    auto parsed = mail::ParseMailbox(*address, /*allow_utf8=*/true);
    if (!parsed || parsed->domain.empty())
      return FailAt(command, "redirect: invalid address '" + *address + "'");
    *address = parsed->ToString();
  }
  Action action;
  action.kind = Action::Kind::kRedirect;
  action.address = std::move(*address);
  action.copy = command.copy;
  return Add(command, std::move(action), !command.copy);
}

bool Interpreter::DoVacation(const Command& command) {
  Action action;
  action.kind = Action::Kind::kVacation;
  Vacation& v = action.vacation;
  v = command.vacation;
  for (std::string* text : {&v.reason, &v.subject, &v.from, &v.handle}) {
    std::optional<std::string> expanded = Expand(*text);
    if (!expanded) return OutOfSteps();
    *text = std::move(*expanded);
  }
  auto addresses = ExpandAll(v.addresses);
  if (!addresses) return OutOfSteps();
  v.addresses = std::move(*addresses);
  if (!v.from.empty() && !IsValidReplyFrom(v.from))
    return FailAt(command, "vacation: invalid :from address '" + v.from + "'");
  if (!command.vacation_handle_given) v.handle = DefaultVacationHandle(v);
  // RFC 5230 4.7: vacation leaves the implicit keep alone.
  return Add(command, std::move(action), false);
}

bool Interpreter::SetVariable(const Command& command) {
  std::optional<std::string> value = Expand(command.value);
  if (!value) return OutOfSteps();
  if (!budget_.Charge(1 + value->size() / 256)) return OutOfSteps();
  if (!variables_.Set(command.variable, ApplyModifiers(std::move(*value), command.modifiers)))
    return FailAt(command, "too many variables (more than " + std::to_string(kMaxVariables) + ")");
  return true;
}

std::vector<std::string> Interpreter::FlagsOfVariable(const std::string& name) const {
  if (name.empty()) return internal_flags_;
  return FlagList({std::string(variables_.Get(name))});
}

// RFC 5232 3.1-3.3: setflag replaces, addflag adds, removeflag removes; invalid flags are
// dropped and each flag is kept once.
bool Interpreter::ChangeFlags(const Command& command) {
  auto texts = ExpandAll(*command.flags);
  if (!texts) return OutOfSteps();
  std::vector<std::string> given = FlagList(*texts);
  std::vector<std::string> flags = FlagsOfVariable(command.variable);
  if (command.kind == Command::Kind::kSetFlag) {
    flags = std::move(given);
  } else if (command.kind == Command::Kind::kAddFlag) {
    AddFlags(flags, given);
  } else {
    RemoveFlags(flags, given);
  }
  if (command.variable.empty()) {
    internal_flags_ = std::move(flags);
    return true;
  }
  if (!variables_.Set(command.variable, JoinFlags(flags)))
    return FailAt(command, "too many variables (more than " + std::to_string(kMaxVariables) + ")");
  return true;
}

// RFC 5429 2.1 and RFC 5230 4.7: reject and ereject refuse the message, so they cannot go with
// an action that delivers it (keep, fileinto, redirect) or with a second reply to the sender
// (vacation, another reject); a script can only reply once with vacation.
std::string Interpreter::Conflict(const Action& action) const {
  using Kind = Action::Kind;
  auto name = [](const Action& a) -> std::string {
    switch (a.kind) {
      case Kind::kKeep:
        return "keep";
      case Kind::kFileInto:
        return "fileinto";
      case Kind::kRedirect:
        return "redirect";
      case Kind::kDiscard:
        return "discard";
      case Kind::kReject:
        return a.ereject ? "ereject" : "reject";
      case Kind::kVacation:
        return "vacation";
    }
    return "";
  };
  auto refuses = [](const Action& a) { return a.kind == Kind::kReject; };
  auto delivers_or_replies = [](const Action& a) {
    return a.kind == Kind::kKeep || a.kind == Kind::kFileInto || a.kind == Kind::kRedirect ||
           a.kind == Kind::kVacation || a.kind == Kind::kReject;
  };
  for (const Action& other : outcome_.actions) {
    if (action.kind == Kind::kVacation && other.kind == Kind::kVacation)
      return "vacation can be used only once";
    if ((refuses(action) && delivers_or_replies(other)) ||
        (refuses(other) && delivers_or_replies(action)))
      return name(action) + " cannot be combined with " + name(other);
  }
  return "";
}

// RFC 5228 2.10.3 and 4.2: an action taken twice is performed once. The copies agree on the
// delivery, so :create of either applies, :copy only if both had it, and the flags of both.
// Only distinct actions count against the limits (2.10.4).
bool Interpreter::Add(const Command& command, Action action, bool cancels_implicit_keep) {
  if (std::string conflict = Conflict(action); !conflict.empty()) return FailAt(command, conflict);
  if (cancels_implicit_keep) outcome_.implicit_keep = false;
  auto& actions = outcome_.actions;
  auto same = std::find_if(actions.begin(), actions.end(), [&](const Action& a) {
    return a.kind == action.kind && a.mailbox == action.mailbox && a.address == action.address;
  });
  if (same != actions.end()) {
    same->create = same->create || action.create;
    same->copy = same->copy && action.copy;
    AddFlags(same->flags, action.flags);
    return true;
  }
  if (action.kind == Action::Kind::kRedirect && ++redirects_ > limits_.max_redirects)
    return Fail("too many redirects (more than " + std::to_string(limits_.max_redirects) + ")");
  if (actions.size() >= static_cast<size_t>(std::max(limits_.max_actions, 0)))
    return Fail("too many actions (more than " + std::to_string(limits_.max_actions) + ")");
  actions.push_back(std::move(action));
  return true;
}

Outcome Execute(const Script& script, const MessageInput& message, const Limits& limits) {
  return Interpreter(script, message, limits).Run();
}

}  // namespace mailsuite::sieve
