#include "shared/mail/header_scan.h"

#include <strings.h>

#include <cstdint>
#include <cstdio>
#include <ctime>

namespace mailsuite::mail {

size_t HeaderEnd(std::string_view m) {
  size_t pos = 0;
  while (pos < m.size()) {
    size_t eol = m.find('\n', pos);
    if (eol == std::string_view::npos) return m.size();
    std::string_view line = m.substr(pos, eol - pos);
    if (line.empty() || line == "\r") return eol + 1;
    pos = eol + 1;
  }
  return m.size();
}

int CountHeaderFields(std::string_view m, std::string_view name) {
  std::string_view header = m.substr(0, HeaderEnd(m));
  int count = 0;
  size_t pos = 0;
  while (pos < header.size()) {
    size_t eol = header.find('\n', pos);
    if (eol == std::string_view::npos) eol = header.size();
    std::string_view line = header.substr(pos, eol - pos);
    if (line.size() > name.size() && line[name.size()] == ':' &&
        strncasecmp(line.data(), name.data(), name.size()) == 0)
      ++count;
    pos = eol + 1;
  }
  return count;
}

std::string FormatRfc5322Date(int64_t unix_time) {
  std::time_t t = static_cast<std::time_t>(unix_time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

}  // namespace mailsuite::mail
