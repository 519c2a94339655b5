// "imap4flags" (RFC 5232): setflag, addflag, removeflag (3), hasflag (4), :flags (5).
#include "validate.h"

namespace mailsuite::sieve {
namespace {

CompileCheck NeedsImap4Flags(const Node& node, const Extensions& extensions) {
  if (!extensions.Has("imap4flags"))
    return CompileError{node.line, node.name + ": missing require \"imap4flags\""};
  return std::nullopt;
}

// RFC 5232 3: the variable name argument is only there with "variables".
CompileCheck VariableArgument(const Node& node, const Extensions& extensions,
                              const std::vector<std::string>& names) {
  if (!extensions.Has("variables"))
    return CompileError{node.line, node.name + ": a variable name needs require \"variables\""};
  for (const std::string& name : names)
    if (auto error = CheckVariableName(node, name)) return error;
  return std::nullopt;
}

}  // namespace

void TakeFlagsTag(const SplitArguments& split, Command& out) {
  if (split.values.count("flags")) out.flags = split.List("flags");
}

// setflag/addflag/removeflag [<variablename: string>] <list-of-flags: string-list>
CompileCheck ValidateFlagCommand(const Node& node, const Extensions& extensions, Command& out) {
  if (auto error = NeedsImap4Flags(node, extensions)) return error;
  out.kind = node.name == "setflag"   ? Command::Kind::kSetFlag
             : node.name == "addflag" ? Command::Kind::kAddFlag
                                      : Command::Kind::kRemoveFlag;
  if (auto error = NoTestsOrBlock(node, /*is_command=*/true)) return error;
  SplitArguments split;
  if (auto error = Split(node, {}, extensions, split)) return error;
  const auto& pos = split.positional;
  if (pos.empty() || pos.size() > 2 || !IsStringList(*pos.back()) ||
      (pos.size() == 2 && !IsSingleString(*pos[0])))
    return ArgumentError(node, "an optional variable name and a list of flags");
  if (pos.size() == 2) {
    out.variable = pos[0]->strings.front();
    if (auto error = VariableArgument(node, extensions, {out.variable})) return error;
  }
  out.flags = pos.back()->strings;
  return CheckStrings(node, *out.flags, extensions);
}

// hasflag [MATCH-TYPE] [COMPARATOR] [<variable-list: string-list>] <list-of-flags: string-list>
CompileCheck ValidateHasFlag(const Node& node, const Extensions& extensions, Test& out) {
  if (auto error = NeedsImap4Flags(node, extensions)) return error;
  out.kind = Test::Kind::kHasFlag;
  SplitArguments split;
  if (auto error = Split(node, MatchTags(), extensions, split)) return error;
  if (auto error = MatchArguments(node, split, out, extensions)) return error;
  const auto& pos = split.positional;
  if (pos.empty() || pos.size() > 2 || !IsStringList(*pos[0]) || !IsStringList(*pos.back()))
    return ArgumentError(node, "an optional list of variable names and a list of flags");
  if (pos.size() == 2) {
    out.variables = pos[0]->strings;
    if (auto error = VariableArgument(node, extensions, out.variables)) return error;
  }
  out.keys = pos.back()->strings;
  return CheckStrings(node, out.keys, extensions);
}

}  // namespace mailsuite::sieve
