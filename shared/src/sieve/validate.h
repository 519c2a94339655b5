// From the generic syntax tree to the compiled script: command and test names resolved,
// arguments checked against RFC 5228 sections 3-5 and the supported extensions.
#pragma once

#include <vector>

#include "arguments.h"
#include "compile_error.h"
#include "script.h"
#include "syntax_tree.h"

namespace mailsuite::sieve {

// The top-level commands of a script, `require` included (it must come first, RFC 5228 3.2).
CompileCheck ValidateScript(const std::vector<Node>& nodes, Script& out);

// One test (RFC 5228 5), with the extensions the script required.
CompileCheck ValidateTest(const Node& node, const Extensions& extensions, Test& out);

}  // namespace mailsuite::sieve
