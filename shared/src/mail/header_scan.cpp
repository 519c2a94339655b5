#include "shared/mail/header_scan.h"

#include <strings.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <ctime>

#include <Poco/String.h>

#include "shared/mail/address.h"
#include "shared/mail/mime.h"

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

std::vector<std::string> HeaderFieldValues(std::string_view m, std::string_view name) {
  std::string_view header = m.substr(0, HeaderEnd(m));
  std::vector<std::string> values;
  bool in_field = false;  // continuation lines belong to the last matching field
  size_t pos = 0;
  while (pos < header.size()) {
    size_t eol = header.find('\n', pos);
    if (eol == std::string_view::npos) eol = header.size();
    std::string_view line = header.substr(pos, eol - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = eol + 1;
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      if (in_field) values.back() += line;
      continue;
    }
    size_t colon = name.size();
    while (colon < line.size() && (line[colon] == ' ' || line[colon] == '\t')) ++colon;
    in_field = colon < line.size() && line[colon] == ':' &&
               strncasecmp(line.data(), name.data(), name.size()) == 0;
    if (in_field) values.emplace_back(line.substr(colon + 1));
  }
  for (std::string& v : values) Poco::trimInPlace(v);
  return values;
}

std::optional<std::vector<std::string>> AuthorDomains(std::string_view message) {
  std::vector<std::string> from = HeaderFieldValues(message, "From");
  std::vector<std::string> domains;
  if (from.empty()) return domains;
  if (from.size() > 1) return std::nullopt;
  for (const EnvelopeAddress& a : ParseAddresses(from[0])) {
    if (!a.host) continue;  // the start or end of a group
    std::string host = ToLower(*a.host);
    if (!IsValidDomain(host, true)) return std::nullopt;  // also "" and "example.org."
    if (std::find(domains.begin(), domains.end(), host) == domains.end()) domains.push_back(host);
  }
  if (domains.empty()) return std::nullopt;  // a From: field that names nobody
  return domains;
}

std::string AuthorDomain(std::string_view message) {
  auto domains = AuthorDomains(message);
  return domains && domains->size() == 1 ? domains->front() : "";
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
