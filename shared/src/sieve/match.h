// Match types (RFC 5228 2.7.1) under a comparator (2.7.3): whether a value from the message
// matches a key from the script. Every call charges its work to a StepBudget; when the budget
// runs out it returns false and the caller sees budget.exhausted().
#pragma once

#include <string_view>

#include "script.h"
#include "step_budget.h"

namespace mailsuite::sieve {

bool Matches(MatchType type, Comparator comparator, std::string_view value, std::string_view key,
             StepBudget& budget);

}  // namespace mailsuite::sieve
