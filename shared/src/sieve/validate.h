// From the generic syntax tree to the compiled script: command and test names resolved,
// arguments checked against RFC 5228 sections 3-5 and the supported extensions.
#pragma once

#include <initializer_list>
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

// ---- Shared by the validators of the extensions ------------------------------------------

// Tag groups whose members exclude each other.
constexpr int kMatchGroup = 1;
constexpr int kAddressPartGroup = 2;
constexpr int kSizeGroup = 3;
constexpr int kIndexGroup = 0;  // :index and :last combine

// The match types and :comparator (RFC 5228 2.7) followed by `more`.
std::vector<TagSpec> MatchTags(std::initializer_list<TagSpec> more = {});
// Sets out.match, relation, address part and comparator from the split tags.
CompileCheck MatchArguments(const Node& node, const SplitArguments& split, Test& out,
                            const Extensions& extensions);
// RFC 5260 6 "index": :index <number> and :last, when the split has them.
CompileCheck IndexArguments(const Node& node, const SplitArguments& split, Test& out);

// RFC 5229 3: with "variables", a string that refers to a namespace no extension defines is an
// error; `what` names the argument in the message.
CompileCheck CheckStrings(const Node& node, const std::vector<std::string>& strings,
                          const Extensions& extensions);
// A header field name (RFC 5322 3.6.8), or one with a variable in it (checked at run time).
CompileCheck CheckHeaderName(const Node& node, const std::string& name,
                             const Extensions& extensions);
// A variable name argument (set, the *flag commands, hasflag): a valid identifier.
CompileCheck CheckVariableName(const Node& node, const std::string& name);

// Tests of the extensions (validate_*.cpp).
CompileCheck ValidateStringTest(const Node& node, const Extensions& extensions, Test& out);
CompileCheck ValidateHasFlag(const Node& node, const Extensions& extensions, Test& out);
CompileCheck ValidateBody(const Node& node, const Extensions& extensions, Test& out);
CompileCheck ValidateDate(const Node& node, const Extensions& extensions, Test& out);

// Commands of the extensions.
CompileCheck ValidateReject(const Node& node, const Extensions& extensions, Command& out);
CompileCheck ValidateSet(const Node& node, const Extensions& extensions, Command& out);
CompileCheck ValidateFlagCommand(const Node& node, const Extensions& extensions, Command& out);
CompileCheck ValidateVacation(const Node& node, const Extensions& extensions, Command& out);
// keep/fileinto ":flags" (RFC 5232 5), from the split arguments.
void TakeFlagsTag(const SplitArguments& split, Command& out);

}  // namespace mailsuite::sieve
