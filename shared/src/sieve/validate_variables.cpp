// "variables" (RFC 5229): set (4) and the string test (5).
#include "validate.h"
#include "variables.h"

namespace mailsuite::sieve {
namespace {

// RFC 5229 4.1: modifiers of the same precedence exclude each other.
constexpr int kCaseGroup = 40;
constexpr int kFirstCaseGroup = 30;
constexpr TagSpec kSetTags[] = {{"lower", "", kCaseGroup},
                                {"upper", "", kCaseGroup},
                                {"lowerfirst", "", kFirstCaseGroup},
                                {"upperfirst", "", kFirstCaseGroup},
                                {"quotewildcard"},
                                {"length"}};

CompileCheck NeedsVariables(const Node& node, const Extensions& extensions) {
  if (!extensions.Has("variables"))
    return CompileError{node.line, node.name + ": missing require \"variables\""};
  return std::nullopt;
}

}  // namespace

CompileCheck CheckVariableName(const Node& node, const std::string& name) {
  if (!IsVariableName(name))
    return CompileError{node.line, node.name + ": invalid variable name '" + name + "'"};
  return std::nullopt;
}

// set [MODIFIER] <name: string> <value: string>
CompileCheck ValidateSet(const Node& node, const Extensions& extensions, Command& out) {
  if (auto error = NeedsVariables(node, extensions)) return error;
  out.kind = Command::Kind::kSet;
  if (auto error = NoTestsOrBlock(node, /*is_command=*/true)) return error;
  SplitArguments split;
  if (auto error = Split(node, kSetTags, extensions, split)) return error;
  const auto& pos = split.positional;
  if (pos.size() != 2 || !IsSingleString(*pos[0]) || !IsSingleString(*pos[1]))
    return ArgumentError(node, "a name and a value");
  out.variable = pos[0]->strings.front();
  out.value = pos[1]->strings.front();
  static const std::pair<const char*, SetModifier> kModifiers[] = {
      {"lower", kLower},
      {"upper", kUpper},
      {"lowerfirst", kLowerFirst},
      {"upperfirst", kUpperFirst},
      {"quotewildcard", kQuoteWildcard},
      {"length", kLength}};
  for (const auto& [tag, bit] : kModifiers)
    if (split.Has(tag)) out.modifiers |= bit;
  if (auto error = CheckVariableName(node, out.variable)) return error;
  return CheckStrings(node, {out.value}, extensions);
}

// string [MATCH-TYPE] [COMPARATOR] <source: string-list> <key-list: string-list>
CompileCheck ValidateStringTest(const Node& node, const Extensions& extensions, Test& out) {
  if (auto error = NeedsVariables(node, extensions)) return error;
  out.kind = Test::Kind::kString;
  SplitArguments split;
  if (auto error = Split(node, MatchTags(), extensions, split)) return error;
  if (auto error = MatchArguments(node, split, out, extensions)) return error;
  const auto& pos = split.positional;
  if (pos.size() != 2 || !IsStringList(*pos[0]) || !IsStringList(*pos[1]))
    return ArgumentError(node, "a list of sources and a list of keys");
  out.sources = pos[0]->strings;
  out.keys = pos[1]->strings;
  if (auto error = CheckStrings(node, out.sources, extensions)) return error;
  return CheckStrings(node, out.keys, extensions);
}

}  // namespace mailsuite::sieve
