// date and currentdate (RFC 5260 4, 5), with :index and :last (6) on date.
#include <Poco/String.h>

#include "validate.h"

namespace mailsuite::sieve {
namespace {

constexpr int kZoneGroup = 5;

// time-zone = ("+" / "-") 4DIGIT (RFC 5260 4.1): minutes east of UTC, or nullopt.
std::optional<int> ParseZone(const std::string& text) {
  if (text.size() != 5 || (text[0] != '+' && text[0] != '-')) return std::nullopt;
  for (size_t i = 1; i < 5; ++i)
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  int hours = (text[1] - '0') * 10 + (text[2] - '0');
  int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (minutes >= 60) return std::nullopt;
  return (text[0] == '-' ? -1 : 1) * (hours * 60 + minutes);
}

std::optional<DatePart> ParseDatePart(const std::string& text) {
  static const std::pair<const char*, DatePart> kParts[] = {
      {"year", DatePart::kYear},       {"month", DatePart::kMonth},   {"day", DatePart::kDay},
      {"date", DatePart::kDate},       {"julian", DatePart::kJulian}, {"hour", DatePart::kHour},
      {"minute", DatePart::kMinute},   {"second", DatePart::kSecond}, {"time", DatePart::kTime},
      {"iso8601", DatePart::kIso8601}, {"std11", DatePart::kStd11},   {"zone", DatePart::kZone},
      {"weekday", DatePart::kWeekday}};
  for (const auto& [name, part] : kParts)
    if (Poco::icompare(text, name) == 0) return part;
  return std::nullopt;
}

}  // namespace

// date [":zone" <time-zone: string> / ":originalzone"] [COMPARATOR] [MATCH-TYPE]
//      [":index" number [":last"]] <header-name: string> <date-part: string> <key-list>
// currentdate [":zone" <time-zone: string>] [COMPARATOR] [MATCH-TYPE] <date-part> <key-list>
CompileCheck ValidateDate(const Node& node, const Extensions& extensions, Test& out) {
  if (!extensions.Has("date"))
    return CompileError{node.line, node.name + ": missing require \"date\""};
  bool current = node.name == "currentdate";
  out.kind = current ? Test::Kind::kCurrentDate : Test::Kind::kDate;
  std::vector<TagSpec> tags = current ? MatchTags({{"zone", "", kZoneGroup, true}})
                                      : MatchTags({{"zone", "", kZoneGroup, true},
                                                   {"originalzone", "", kZoneGroup},
                                                   {"index", "index", 0, false, false, true},
                                                   {"last", "index"}});
  SplitArguments split;
  if (auto error = Split(node, tags, extensions, split)) return error;
  if (auto error = MatchArguments(node, split, out, extensions)) return error;
  if (auto error = IndexArguments(node, split, out)) return error;
  const auto& pos = split.positional;
  size_t names = current ? 0 : 1;
  if (pos.size() != names + 2 || !IsSingleString(*pos[names]) || !IsStringList(*pos[names + 1]) ||
      (!current && !IsSingleString(*pos[0])))
    return ArgumentError(node, current ? "a date part and a list of keys"
                                       : "a header name, a date part and a list of keys");
  if (!current) {
    out.headers = pos[0]->strings;
    if (auto error = CheckStrings(node, out.headers, extensions)) return error;
    if (auto error = CheckHeaderName(node, out.headers[0], extensions)) return error;
  }
  const std::string& part = pos[names]->strings.front();
  std::optional<DatePart> date_part = ParseDatePart(part);
  if (!date_part) return CompileError{node.line, node.name + ": unknown date part '" + part + "'"};
  out.date_part = *date_part;
  out.keys = pos[names + 1]->strings;
  if (split.Has("originalzone")) out.zone = DateZone::kOriginal;
  if (split.Has("zone")) {
    const std::string& zone = split.tags.find("zone")->second;
    std::optional<int> minutes = ParseZone(zone);
    if (!minutes)
      return CompileError{node.line, node.name + ": invalid zone '" + zone + "' (\"+hhmm\")"};
    out.zone = DateZone::kGiven;
    out.zone_minutes = *minutes;
  }
  return CheckStrings(node, out.keys, extensions);
}

}  // namespace mailsuite::sieve
