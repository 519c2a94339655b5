// The Sieve grammar (RFC 5228 8.2) over lexer tokens: commands with arguments, tests and test
// lists, blocks. Knows no command or test names (validate.h does). Recursion depth is bounded by
// max_nesting, checked before each descent, so a hostile script gets an error, not a crash.
#pragma once

#include <string_view>
#include <variant>
#include <vector>

#include "compile_error.h"
#include "syntax_tree.h"

namespace mailsuite::sieve {

std::variant<std::vector<Node>, CompileError> Parse(std::string_view script, int max_nesting);

}  // namespace mailsuite::sieve
