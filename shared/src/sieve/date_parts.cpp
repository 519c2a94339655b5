#include "date_parts.h"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/NumberFormatter.h>
#include <Poco/String.h>
#include <Poco/Timestamp.h>

#include <cmath>

namespace mailsuite::sieve {
namespace {

// "+hhmm" / "-hhmm" (RFC 5322 3.3 zone).
std::string Zone(int minutes) {
  int magnitude = minutes < 0 ? -minutes : minutes;
  return (minutes < 0 ? "-" : "+") + Poco::NumberFormatter::format0(magnitude / 60, 2) +
         Poco::NumberFormatter::format0(magnitude % 60, 2);
}

}  // namespace

std::optional<ZonedTime> ParseHeaderDate(std::string_view value) {
  std::string text(
      value.substr(value.rfind(';') == std::string_view::npos ? 0 : value.rfind(';') + 1));
  // A trailing comment ("(PST)") is not part of the date-time.
  if (size_t comment = text.find('('); comment != std::string::npos) text.resize(comment);
  Poco::trimInPlace(text);
  // Poco's parser is lenient (it skips what it does not expect): text without a time of day is
  // no date-time, whatever it would make of it.
  if (text.empty() || text.size() > 200 || text.find(':') == std::string::npos) return std::nullopt;
  Poco::DateTime parsed;
  int tzd = 0;
  if (!Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::RFC1123_FORMAT, text, parsed, tzd))
    return std::nullopt;
  // RFC 5322 4.3 obs-year: two digits are 1950-2049, three digits count from 1900.
  if (int year = parsed.year(); year < 1000) {
    year += year >= 100 || year >= 50 ? 1900 : 2000;
    parsed.assign(year, parsed.month(), parsed.day(), parsed.hour(), parsed.minute(),
                  parsed.second());
  }
  // The parser gives the wall-clock time as written and the zone apart (tzd, in seconds).
  return ZonedTime{parsed.timestamp().epochTime() - tzd, tzd / 60};
}

std::string DatePartOf(int64_t utc, int zone_minutes, DatePart part) {
  const int tzd = zone_minutes * 60;
  const Poco::DateTime local(Poco::Timestamp::fromEpochTime(utc + tzd));
  auto format = [&](const std::string& fmt) {
    return Poco::DateTimeFormatter::format(local, fmt, tzd);
  };
  switch (part) {
    case DatePart::kYear:
      return format("%Y");
    case DatePart::kMonth:
      return format("%m");
    case DatePart::kDay:
      return format("%d");
    case DatePart::kDate:
      return format("%Y-%m-%d");
    case DatePart::kJulian:
      // Modified Julian Day: days since 1858-11-17 (the Julian Day less 2400000.5).
      return std::to_string(static_cast<int64_t>(std::floor(local.julianDay() - 2400000.5)));
    case DatePart::kHour:
      return format("%H");
    case DatePart::kMinute:
      return format("%M");
    case DatePart::kSecond:
      return format("%S");
    case DatePart::kTime:
      return format("%H:%M:%S");
    case DatePart::kIso8601:
      return format(Poco::DateTimeFormat::ISO8601_FORMAT);
    case DatePart::kStd11:
      return format("%w, %e %b %Y %H:%M:%S ") + Zone(zone_minutes);
    case DatePart::kZone:
      return Zone(zone_minutes);
    case DatePart::kWeekday:
      return std::to_string(local.dayOfWeek());  // 0 is Sunday
  }
  return "";
}

}  // namespace mailsuite::sieve
