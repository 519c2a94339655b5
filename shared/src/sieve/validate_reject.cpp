// reject and ereject <reason: string> (RFC 5429 2.1, 2.2).
#include "validate.h"

namespace mailsuite::sieve {

CompileCheck ValidateReject(const Node& node, const Extensions& extensions, Command& out) {
  if (!extensions.Has(node.name))
    return CompileError{node.line, node.name + ": missing require \"" + node.name + "\""};
  out.kind = Command::Kind::kReject;
  out.ereject = node.name == "ereject";
  if (auto error = NoTestsOrBlock(node, /*is_command=*/true)) return error;
  SplitArguments split;
  if (auto error = Split(node, {}, extensions, split)) return error;
  if (split.positional.size() != 1 || !IsSingleString(*split.positional[0]))
    return ArgumentError(node, "one string (the reason)");
  out.target = split.positional[0]->strings.front();
  return CheckStrings(node, {out.target}, extensions);
}

}  // namespace mailsuite::sieve
