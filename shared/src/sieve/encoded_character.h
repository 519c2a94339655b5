// "encoded-character" (RFC 5228 2.4.2.4): "${hex:40 41}" and "${unicode:263a}" in strings,
// decoded once at compile time, before any variable expansion sees the string.
#pragma once

#include <vector>

#include "compile_error.h"
#include "syntax_tree.h"

namespace mailsuite::sieve {

// Decodes every string argument of `nodes` (and of their tests and blocks) in place. A unicode
// value outside 0-D7FF and E000-10FFFF is an error; text that does not follow the grammar stays
// as it is.
CompileCheck DecodeEncodedCharacters(std::vector<Node>& nodes);

}  // namespace mailsuite::sieve
