// body [COMPARATOR] [MATCH-TYPE] [BODY-TRANSFORM] <key-list: string-list> (RFC 5173 4, 5).
#include "validate.h"

namespace mailsuite::sieve {
namespace {

constexpr int kTransformGroup = 4;

}  // namespace

CompileCheck ValidateBody(const Node& node, const Extensions& extensions, Test& out) {
  if (!extensions.Has("body")) return CompileError{node.line, "body: missing require \"body\""};
  out.kind = Test::Kind::kBody;
  SplitArguments split;
  std::vector<TagSpec> tags = MatchTags({{"raw", "", kTransformGroup},
                                         {"content", "", kTransformGroup, false, true},
                                         {"text", "", kTransformGroup}});
  if (auto error = Split(node, tags, extensions, split)) return error;
  if (auto error = MatchArguments(node, split, out, extensions)) return error;
  if (split.positional.size() != 1 || !IsStringList(*split.positional[0]))
    return ArgumentError(node, "a list of keys");
  out.keys = split.positional[0]->strings;
  out.transform = split.Has("raw")       ? BodyTransform::kRaw
                  : split.Has("content") ? BodyTransform::kContent
                                         : BodyTransform::kText;
  if (out.transform == BodyTransform::kContent) {
    out.content_types = split.List("content");
    if (auto error = CheckStrings(node, out.content_types, extensions)) return error;
  }
  return CheckStrings(node, out.keys, extensions);
}

}  // namespace mailsuite::sieve
