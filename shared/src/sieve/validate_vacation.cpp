// vacation (RFC 5230 4) with :seconds (RFC 6131 2).
#include <algorithm>

#include "vacation.h"
#include "validate.h"
#include "variables.h"

namespace mailsuite::sieve {
namespace {

constexpr int kPeriodGroup = 1;
constexpr TagSpec kVacationTags[] = {
    {"days", "", kPeriodGroup, false, false, true},
    {"seconds", "vacation-seconds", kPeriodGroup, false, false, true},
    {"subject", "", 0, true},
    {"from", "", 0, true},
    {"addresses", "", 0, false, true},
    {"mime"},
    {"handle", "", 0, true}};

constexpr uint64_t kDay = 86400;
// RFC 5230 4.1 lets a site bound :days (the maximum above 7); this one bounds both periods to
// ten years, far beyond any use, so that no number overflows.
constexpr uint64_t kMaxPeriod = 3650 * kDay;

}  // namespace

// vacation [":days" number | ":seconds" number] [":subject" string] [":from" string]
//          [":addresses" string-list] [":mime"] [":handle" string] <reason: string>
CompileCheck ValidateVacation(const Node& node, const Extensions& extensions, Command& out) {
  if (!extensions.Has("vacation"))
    return CompileError{node.line, "vacation: missing require \"vacation\""};
  out.kind = Command::Kind::kVacation;
  if (auto error = NoTestsOrBlock(node, /*is_command=*/true)) return error;
  SplitArguments split;
  if (auto error = Split(node, kVacationTags, extensions, split)) return error;
  if (split.positional.size() != 1 || !IsSingleString(*split.positional[0]))
    return ArgumentError(node, "one string (the reason)");
  Vacation& v = out.vacation;
  v.reason = split.positional[0]->strings.front();
  if (split.values.count("days")) {
    // RFC 5230 4.1: the minimum is 1 day; a site uses its bound instead of a value outside.
    v.period_seconds = std::clamp<uint64_t>(split.Number("days"), 1, kMaxPeriod / kDay) * kDay;
  } else if (split.values.count("seconds")) {
    // RFC 6131 2: 0 is allowed and means a reply every time.
    v.period_seconds = std::min(split.Number("seconds"), kMaxPeriod);
  }
  if (split.Has("subject")) v.subject = split.tags.find("subject")->second;
  if (split.Has("from")) v.from = split.tags.find("from")->second;
  if (split.values.count("addresses")) v.addresses = split.List("addresses");
  v.mime = split.Has("mime");
  out.vacation_handle_given = split.Has("handle");
  if (out.vacation_handle_given) v.handle = split.tags.find("handle")->second;
  for (const std::string* text : {&v.reason, &v.subject, &v.from, &v.handle})
    if (auto error = CheckStrings(node, {*text}, extensions)) return error;
  if (auto error = CheckStrings(node, v.addresses, extensions)) return error;
  // RFC 5230 4.3: :from must be a valid address; with a variable in it, checked at run time.
  bool from_known = !(extensions.Has("variables") && HasVariableReference(v.from));
  if (!v.from.empty() && from_known && !IsValidReplyFrom(v.from))
    return CompileError{node.line, "vacation: invalid :from address '" + v.from + "'"};
  return std::nullopt;
}

}  // namespace mailsuite::sieve
