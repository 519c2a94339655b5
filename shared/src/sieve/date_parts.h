// Dates for the "date" and "currentdate" tests (RFC 5260 4, 5): a header's date-time parsed,
// and the date parts a test compares, shown in a chosen zone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "script.h"

namespace mailsuite::sieve {

struct ZonedTime {
  int64_t utc = 0;       // seconds since the epoch
  int zone_minutes = 0;  // the zone it was written in, east of UTC
};

// The RFC 5322 date-time in a header value (for a Received field, the part after the last
// ";", RFC 5260 4); nullopt when there is none.
std::optional<ZonedTime> ParseHeaderDate(std::string_view value);

// RFC 5260 4.2: `part` of the instant `utc` as seen in the zone `zone_minutes` east of UTC.
std::string DatePartOf(int64_t utc, int zone_minutes, DatePart part);

}  // namespace mailsuite::sieve
