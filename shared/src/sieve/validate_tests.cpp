// Tests (RFC 5228 5) and their shared arguments: COMPARATOR, MATCH-TYPE, ADDRESS-PART (2.7).
#include <Poco/String.h>

#include "validate.h"
#include "variables.h"

namespace mailsuite::sieve {
namespace {

constexpr TagSpec kIndexTags[] = {{"index", "index", kIndexGroup, false, false, true},
                                  {"last", "index"}};
constexpr TagSpec kAddressPartTags[] = {{"all", "", kAddressPartGroup},
                                        {"localpart", "", kAddressPartGroup},
                                        {"domain", "", kAddressPartGroup}};
constexpr TagSpec kSizeTags[] = {{"over", "", kSizeGroup}, {"under", "", kSizeGroup}};

// RFC 5322 3.6.8: field-name = 1*ftext, printable US-ASCII but ':'.
bool IsFieldName(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name)
    if (c < 33 || c > 126 || c == ':') return false;
  return true;
}

// RFC 5231 5: relational-match = DQUOTE ("gt" / "ge" / "lt" / "le" / "eq" / "ne") DQUOTE.
std::optional<Relation> ParseRelation(const std::string& text) {
  static const std::pair<const char*, Relation> kRelations[] = {
      {"gt", Relation::kGt}, {"ge", Relation::kGe}, {"lt", Relation::kLt},
      {"le", Relation::kLe}, {"eq", Relation::kEq}, {"ne", Relation::kNe}};
  for (const auto& [name, relation] : kRelations)
    if (Poco::icompare(text, name) == 0) return relation;
  return std::nullopt;
}

}  // namespace

std::vector<TagSpec> MatchTags(std::initializer_list<TagSpec> more) {
  std::vector<TagSpec> tags = {{"is", "", kMatchGroup},
                               {"contains", "", kMatchGroup},
                               {"matches", "", kMatchGroup},
                               {"value", "relational", kMatchGroup, true},
                               {"count", "relational", kMatchGroup, true},
                               {"comparator", "", 0, true}};
  tags.insert(tags.end(), more.begin(), more.end());
  return tags;
}

CompileCheck IndexArguments(const Node& node, const SplitArguments& split, Test& out) {
  if (split.Has("last") && !split.Has("index"))
    return CompileError{node.line, node.name + ": ':last' needs ':index'"};
  if (!split.Has("index")) return std::nullopt;
  out.index = split.Number("index");
  out.last = split.Has("last");
  if (out.index == 0) return CompileError{node.line, node.name + ": ':index' counts from 1"};
  return std::nullopt;
}

CompileCheck CheckStrings(const Node& node, const std::vector<std::string>& strings,
                          const Extensions& extensions) {
  if (!extensions.Has("variables")) return std::nullopt;
  for (const std::string& text : strings) {
    std::string name = NamespaceReference(text);
    if (!name.empty())
      return CompileError{node.line,
                          node.name + ": unknown variable namespace in '${" + name + "}'"};
  }
  return std::nullopt;
}

CompileCheck MatchArguments(const Node& node, const SplitArguments& split, Test& out,
                            const Extensions& extensions) {
  out.match = split.Has("contains")  ? MatchType::kContains
              : split.Has("matches") ? MatchType::kMatches
              : split.Has("value")   ? MatchType::kValue
              : split.Has("count")   ? MatchType::kCount
                                     : MatchType::kIs;
  if (out.match == MatchType::kValue || out.match == MatchType::kCount) {
    const std::string& text =
        split.tags.find(out.match == MatchType::kValue ? "value" : "count")->second;
    std::optional<Relation> relation = ParseRelation(text);
    if (!relation)
      return CompileError{node.line, node.name + ": unknown relational operator '" + text + "'"};
    out.relation = *relation;
  }
  out.address_part = split.Has("localpart") ? AddressPart::kLocalPart
                     : split.Has("domain")  ? AddressPart::kDomain
                                            : AddressPart::kAll;
  auto comparator = split.tags.find("comparator");
  if (comparator == split.tags.end()) return std::nullopt;
  // RFC 5228 2.7.3: a comparator the implementation does not have is an error.
  if (Poco::icompare(comparator->second, "i;ascii-casemap") == 0) {
    out.comparator = Comparator::kAsciiCasemap;
  } else if (Poco::icompare(comparator->second, "i;octet") == 0) {
    out.comparator = Comparator::kOctet;
  } else if (Poco::icompare(comparator->second, "i;ascii-numeric") == 0) {
    if (!extensions.Has("comparator-i;ascii-numeric"))
      return CompileError{node.line, node.name +
                                         ": comparator 'i;ascii-numeric' needs require "
                                         "\"comparator-i;ascii-numeric\""};
    // RFC 4790 9.1: it has equality and ordering, no substring operations.
    if (out.match == MatchType::kContains || out.match == MatchType::kMatches)
      return CompileError{node.line,
                          node.name + ": i;ascii-numeric cannot do :contains or :matches"};
    out.comparator = Comparator::kAsciiNumeric;
  } else {
    return CompileError{node.line, node.name + ": unknown comparator '" + comparator->second + "'"};
  }
  return std::nullopt;
}

namespace {

// header, address, envelope: <names: string-list> <keys: string-list> after the tags.
CompileCheck NamesAndKeys(const Node& node, const SplitArguments& split,
                          std::vector<std::string>& names, Test& out) {
  const auto& pos = split.positional;
  if (pos.size() != 2 || pos[0]->kind != Argument::Kind::kStringList ||
      pos[1]->kind != Argument::Kind::kStringList)
    return ArgumentError(node, "a list of names and a list of keys");
  names = pos[0]->strings;
  out.keys = pos[1]->strings;
  return std::nullopt;
}

// RFC 5229 3: a name with a variable in it is only known at run time, and checked then.
CompileCheck HeaderNames(const Node& node, const std::vector<std::string>& names,
                         const Extensions& extensions) {
  for (const std::string& name : names)
    if (!IsFieldName(name) && !(extensions.Has("variables") && HasVariableReference(name)))
      return CompileError{node.line, node.name + ": invalid header name '" + name + "'"};
  return std::nullopt;
}

}  // namespace

CompileCheck CheckHeaderName(const Node& node, const std::string& name,
                             const Extensions& extensions) {
  return HeaderNames(node, {name}, extensions);
}

namespace {

CompileCheck Exists(const Node& node, const Extensions& extensions, Test& out) {
  SplitArguments split;
  if (auto error = Split(node, {}, extensions, split)) return error;
  if (split.positional.size() != 1 || split.positional[0]->kind != Argument::Kind::kStringList)
    return ArgumentError(node, "a list of header names");
  out.headers = split.positional[0]->strings;
  if (auto error = CheckStrings(node, out.headers, extensions)) return error;
  return HeaderNames(node, out.headers, extensions);
}

// RFC 5228 5.1: the address test MUST be restricted to header fields that hold addresses (and
// MUST allow at least From, To, Cc, Bcc, Sender, Resent-From and Resent-To).
bool HoldsAddresses(const std::string& name) {
  static const char* const kAddressFields[] = {"from",
                                               "to",
                                               "cc",
                                               "bcc",
                                               "sender",
                                               "reply-to",
                                               "resent-from",
                                               "resent-to",
                                               "resent-cc",
                                               "resent-bcc",
                                               "resent-sender",
                                               "return-path",
                                               "delivered-to",
                                               "envelope-to",
                                               "x-original-to",
                                               "errors-to",
                                               "disposition-notification-to",
                                               "mail-followup-to",
                                               "mail-reply-to"};
  for (const char* field : kAddressFields)
    if (Poco::icompare(name, field) == 0) return true;
  return false;
}

CompileCheck HeaderOrAddress(const Node& node, const Extensions& extensions, Test& out) {
  SplitArguments split;
  bool address = out.kind == Test::Kind::kAddress;
  std::vector<TagSpec> tags = MatchTags({kIndexTags[0], kIndexTags[1]});
  if (address) tags.insert(tags.end(), std::begin(kAddressPartTags), std::end(kAddressPartTags));
  if (auto error = Split(node, tags, extensions, split)) return error;
  if (auto error = MatchArguments(node, split, out, extensions)) return error;
  if (auto error = IndexArguments(node, split, out)) return error;
  if (auto error = NamesAndKeys(node, split, out.headers, out)) return error;
  if (auto error = CheckStrings(node, out.headers, extensions)) return error;
  if (auto error = CheckStrings(node, out.keys, extensions)) return error;
  if (auto error = HeaderNames(node, out.headers, extensions)) return error;
  if (address)
    for (const std::string& name : out.headers)
      if (!HoldsAddresses(name) && !(extensions.Has("variables") && HasVariableReference(name)))
        return CompileError{node.line,
                            "address: '" + name + "' is not a header field of addresses"};
  return std::nullopt;
}

CompileCheck Envelope(const Node& node, const Extensions& extensions, Test& out) {
  if (!extensions.Has("envelope"))
    return CompileError{node.line, "envelope: missing require \"envelope\""};
  SplitArguments split;
  std::vector<TagSpec> tags = MatchTags();
  tags.insert(tags.end(), std::begin(kAddressPartTags), std::end(kAddressPartTags));
  if (auto error = Split(node, tags, extensions, split)) return error;
  if (auto error = MatchArguments(node, split, out, extensions)) return error;
  std::vector<std::string> parts;
  if (auto error = NamesAndKeys(node, split, parts, out)) return error;
  if (auto error = CheckStrings(node, out.keys, extensions)) return error;
  for (const std::string& part : parts) {
    if (Poco::icompare(part, "from") == 0) {
      out.envelope_parts.push_back(EnvelopePart::kFrom);
    } else if (Poco::icompare(part, "to") == 0) {
      out.envelope_parts.push_back(EnvelopePart::kTo);
    } else {
      // RFC 5228 5.4: an envelope part the implementation does not know is an error.
      return CompileError{node.line, "envelope: unknown envelope part '" + part + "'"};
    }
  }
  return std::nullopt;
}

CompileCheck Size(const Node& node, const Extensions& extensions, Test& out) {
  SplitArguments split;
  if (auto error = Split(node, kSizeTags, extensions, split)) return error;
  if (split.tags.empty() || split.positional.size() != 1 ||
      split.positional[0]->kind != Argument::Kind::kNumber)
    return ArgumentError(node, ":over or :under and a number");
  out.kind = split.Has("over") ? Test::Kind::kSizeOver : Test::Kind::kSizeUnder;
  out.size = split.positional[0]->number;
  return std::nullopt;
}

CompileCheck NoArguments(const Node& node) {
  if (!node.arguments.empty()) return ArgumentError(node, "no arguments");
  return std::nullopt;
}

// not <test>; allof/anyof <tests: test-list>.
CompileCheck Children(const Node& node, const Extensions& extensions, Test& out, bool list) {
  if (!node.arguments.empty()) return ArgumentError(node, "no arguments before the test");
  if (list ? !node.test_list : (node.test_list || node.tests.size() != 1))
    return ArgumentError(node, list ? "a test list \"( ... )\"" : "one test");
  for (const Node& child : node.tests) {
    out.children.emplace_back();
    if (auto error = ValidateTest(child, extensions, out.children.back())) return error;
  }
  return std::nullopt;
}

}  // namespace

CompileCheck ValidateTest(const Node& node, const Extensions& extensions, Test& out) {
  using Kind = Test::Kind;
  const std::string& name = node.name;
  if (name == "not" || name == "allof" || name == "anyof") {
    out.kind = name == "not" ? Kind::kNot : name == "allof" ? Kind::kAllOf : Kind::kAnyOf;
    return Children(node, extensions, out, name != "not");
  }
  if (auto error = NoTestsOrBlock(node, /*is_command=*/false)) return error;
  if (name == "true" || name == "false") {
    out.kind = name == "true" ? Kind::kTrue : Kind::kFalse;
    return NoArguments(node);
  }
  if (name == "exists") {
    out.kind = Kind::kExists;
    return Exists(node, extensions, out);
  }
  if (name == "header" || name == "address") {
    out.kind = name == "header" ? Kind::kHeader : Kind::kAddress;
    return HeaderOrAddress(node, extensions, out);
  }
  if (name == "envelope") {
    out.kind = Kind::kEnvelope;
    return Envelope(node, extensions, out);
  }
  if (name == "size") return Size(node, extensions, out);
  if (name == "string") return ValidateStringTest(node, extensions, out);
  if (name == "hasflag") return ValidateHasFlag(node, extensions, out);
  if (name == "body") return ValidateBody(node, extensions, out);
  if (name == "date" || name == "currentdate") return ValidateDate(node, extensions, out);
  return CompileError{node.line, "unknown test '" + name + "'"};
}

}  // namespace mailsuite::sieve
