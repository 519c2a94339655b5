// Variables (RFC 5229) of one run: names, "${...}" references in strings, the store with its
// bounds, and the modifiers of "set".
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "step_budget.h"

namespace mailsuite::sieve {

// Bounds of one run (RFC 5229 6 lets an implementation limit both): a longer value is cut at a
// character boundary, a variable past the count is a run-time error.
constexpr size_t kMaxVariableSize = 4000;
constexpr size_t kMaxVariables = 128;
constexpr size_t kMatchVariables = 10;  // ${0} .. ${9} (RFC 5229 3.2)

// identifier = (ALPHA / "_") *(ALPHA / DIGIT / "_") (RFC 5229 3).
bool IsVariableName(std::string_view name);

// Whether expanding `text` could change it: it holds a well-formed "${...}" reference.
bool HasVariableReference(std::string_view text);

// The first reference with a namespace ("${env.x}"); RFC 5229 3 makes one to a namespace no
// extension defines an error. "" when there is none.
std::string NamespaceReference(std::string_view text);

// `value` cut to at most `max` octets without splitting a UTF-8 sequence.
std::string TruncateUtf8(std::string value, size_t max);

// RFC 5229 4.1: `value` with the SetModifier bits of `modifiers` applied, highest precedence
// first (case, then first-letter case, then :quotewildcard, then :length).
std::string ApplyModifiers(std::string value, unsigned modifiers);

class Variables {
 public:
  // The value of `name` (any case); "" when it was never set.
  std::string_view Get(std::string_view name) const;
  // False when `name` is new and kMaxVariables are already set.
  bool Set(std::string_view name, std::string value);
  // RFC 5229 3.2: after a successful :matches, ${0} is the whole value and ${1}.. the wildcards.
  void SetMatches(std::vector<std::string> values);

  // `text` with its references replaced (unknown ones by ""), the work charged to `budget`;
  // nullopt once the budget is spent. The result is not expanded again (RFC 5229 3).
  std::optional<std::string> Expand(std::string_view text, StepBudget& budget) const;

 private:
  std::map<std::string, std::string, std::less<>> values_;  // by lower-cased name
  std::vector<std::string> matches_;
};

}  // namespace mailsuite::sieve
