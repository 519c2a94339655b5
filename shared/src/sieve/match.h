// Match types (RFC 5228 2.7.1) under a comparator (2.7.3): whether a value from the message
// matches a key from the script. Every call charges its work to a StepBudget; when the budget
// runs out it returns false and the caller sees budget.exhausted().
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "script.h"
#include "step_budget.h"

namespace mailsuite::sieve {

// :is, :contains and :matches. When `captures` is given and :matches succeeds, it holds what
// RFC 5229 3.2 makes the match variables: the whole value, then the text each wildcard matched.
bool Matches(MatchType type, Comparator comparator, std::string_view value, std::string_view key,
             StepBudget& budget, std::vector<std::string>* captures = nullptr);

// Ordering of two strings under a comparator (RFC 4790 9): negative, 0 or positive.
int Compare(Comparator comparator, std::string_view a, std::string_view b);

// :value "op" (RFC 5231 4.1): whether `value` op `key` holds under the comparator.
bool Relates(Relation relation, Comparator comparator, std::string_view value, std::string_view key,
             StepBudget& budget);

}  // namespace mailsuite::sieve
