// IMAP flag lists of "imap4flags" (RFC 5232 3): a variable holds flags separated by spaces;
// each flag is kept once, compared without regard to case, and invalid ones are dropped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mailsuite::sieve {

// flag (RFC 3501 9): one of the system flags that may be set, or a keyword (an atom).
bool IsValidFlag(std::string_view flag);

// The valid flags of `texts`, each text split at spaces, each flag once (the first spelling
// wins), in order.
std::vector<std::string> FlagList(const std::vector<std::string>& texts);

// `flags` with those of `more` it does not have yet appended.
void AddFlags(std::vector<std::string>& flags, const std::vector<std::string>& more);
// `flags` without any of `gone` (compared without regard to case).
void RemoveFlags(std::vector<std::string>& flags, const std::vector<std::string>& gone);

// The value a flag variable holds: the flags separated by one space.
std::string JoinFlags(const std::vector<std::string>& flags);

}  // namespace mailsuite::sieve
