#include "format.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>

#include "mailbox_utf7.h"

namespace mailsuite::imapd {
namespace {

constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

char Fold(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

std::optional<unsigned> Month(std::string_view m) {
  for (unsigned i = 0; i < 12; ++i)
    if (EqualsNoCase(m, kMonths[i])) return i + 1;
  return std::nullopt;
}

std::optional<int64_t> Number(std::string_view s) {
  int64_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// "d-Mon-yyyy" to days since the epoch.
std::optional<int64_t> DayMonthYear(std::string_view text) {
  size_t a = text.find('-');
  size_t b = a == std::string_view::npos ? a : text.find('-', a + 1);
  if (b == std::string_view::npos) return std::nullopt;
  auto d = Number(text.substr(0, a));
  auto m = Month(text.substr(a + 1, b - a - 1));
  auto y = Number(text.substr(b + 1));
  if (!d || !m || !y || *d < 1 || *d > 31 || *y < 1 || *y > 9999) return std::nullopt;
  return DaysFromCivil(*y, *m, static_cast<unsigned>(*d));
}

}  // namespace

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Fold(c);
  return out;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (Fold(a[i]) != Fold(b[i])) return false;
  return true;
}

bool ContainsNoCase(std::string_view haystack, std::string_view needle) {
  if (needle.empty()) return true;
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                        [](char x, char y) { return Fold(x) == Fold(y); });
  return it != haystack.end();
}

std::string Quote(std::string_view text) {
  bool literal = text.size() > 1000;
  for (unsigned char c : text)
    if (c == '\r' || c == '\n' || c == 0 || c >= 0x80) literal = true;
  if (literal) return Literal(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::string QuoteUtf8(std::string_view text) {
  bool literal = text.size() > 1000 || !IsValidUtf8(text);
  for (unsigned char c : text)
    if (c == '\r' || c == '\n' || c == 0) literal = true;
  if (literal) return Literal(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::string Literal(std::string_view bytes) {
  std::string out = "{" + std::to_string(bytes.size()) + "}\r\n";
  out.append(bytes);
  return out;
}

std::string FormatFlags(const store::Flags& flags, bool recent) {
  static const std::pair<uint32_t, const char*> kNames[] = {{store::kFlagAnswered, "\\Answered"},
                                                            {store::kFlagFlagged, "\\Flagged"},
                                                            {store::kFlagDeleted, "\\Deleted"},
                                                            {store::kFlagSeen, "\\Seen"},
                                                            {store::kFlagDraft, "\\Draft"}};
  std::string out = recent ? "(\\Recent" : "(";
  for (const auto& [bit, name] : kNames) {
    if (!(flags.system & bit)) continue;
    if (out.size() > 1) out += ' ';
    out += name;
  }
  for (const std::string& k : flags.keywords) {
    if (out.size() > 1) out += ' ';
    out += k;
  }
  out += ')';
  return out;
}

std::optional<store::Flags> ParseFlags(const std::vector<Arg>& items) {
  store::Flags flags;
  for (const Arg& a : items) {
    if (a.kind != Arg::Kind::kAtom || a.text.empty()) return std::nullopt;
    if (a.text[0] != '\\') {
      for (char c : a.text)
        if (c == '[' || c == ']' || c == '%' || c == '*') return std::nullopt;
      flags.keywords.push_back(a.text);
      continue;
    }
    std::string u = Upper(a.text);
    if (u == "\\SEEN")
      flags.system |= store::kFlagSeen;
    else if (u == "\\ANSWERED")
      flags.system |= store::kFlagAnswered;
    else if (u == "\\FLAGGED")
      flags.system |= store::kFlagFlagged;
    else if (u == "\\DELETED")
      flags.system |= store::kFlagDeleted;
    else if (u == "\\DRAFT")
      flags.system |= store::kFlagDraft;
    else if (u == "\\RECENT")
      continue;
    else
      return std::nullopt;
  }
  std::sort(flags.keywords.begin(), flags.keywords.end());
  flags.keywords.erase(std::unique(flags.keywords.begin(), flags.keywords.end()),
                       flags.keywords.end());
  return flags;
}

std::string FormatInternalDate(int64_t unix_time) {
  std::time_t t = static_cast<std::time_t>(unix_time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%02d-%s-%04d %02d:%02d:%02d +0000", tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  // Howard Hinnant's days_from_civil.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::optional<int64_t> ParseDateTime(std::string_view text) {
  // "dd-Mon-yyyy hh:mm:ss +zzzz", day possibly space-padded.
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  size_t sp = text.find(' ');
  if (sp == std::string_view::npos) return std::nullopt;
  auto day = DayMonthYear(text.substr(0, sp));
  std::string_view rest = text.substr(sp + 1);
  if (!day || rest.size() != 14 || rest[2] != ':' || rest[5] != ':' || rest[8] != ' ')
    return std::nullopt;
  auto h = Number(rest.substr(0, 2)), mi = Number(rest.substr(3, 2)), s = Number(rest.substr(6, 2));
  auto z = Number(rest.substr(10, 4));
  if (!h || !mi || !s || !z || (rest[9] != '+' && rest[9] != '-') || *h > 23 || *mi > 59 || *s > 60)
    return std::nullopt;
  int64_t offset = (*z / 100) * 3600 + (*z % 100) * 60;
  if (rest[9] == '-') offset = -offset;
  return *day * 86400 + *h * 3600 + *mi * 60 + *s - offset;
}

std::optional<int64_t> ParseSearchDate(std::string_view text) { return DayMonthYear(text); }

std::optional<int64_t> Rfc5322Day(std::string_view date) {
  // [day-of-week ","] day month year ...: only the calendar date matters (RFC 3501 6.4.4).
  size_t comma = date.find(',');
  if (comma != std::string_view::npos) date.remove_prefix(comma + 1);
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < date.size() && words.size() < 3) {
    while (i < date.size() && (date[i] == ' ' || date[i] == '\t')) ++i;
    size_t start = i;
    while (i < date.size() && date[i] != ' ' && date[i] != '\t') ++i;
    if (i > start) words.push_back(date.substr(start, i - start));
  }
  if (words.size() < 3) return std::nullopt;
  auto d = Number(words[0]);
  auto m = Month(words[1]);
  auto y = Number(words[2]);
  if (!d || !m || !y || *d < 1 || *d > 31) return std::nullopt;
  if (*y < 50)
    *y += 2000;  // RFC 5322 4.3 obsolete two-digit years
  else if (*y < 1000)
    *y += 1900;
  return DaysFromCivil(*y, *m, static_cast<unsigned>(*d));
}

std::string CanonicalMailbox(std::string_view name) {
  if (EqualsNoCase(name, "INBOX")) return "INBOX";
  if (name.size() > 6 && EqualsNoCase(name.substr(0, 6), "INBOX/"))
    return "INBOX/" + std::string(name.substr(6));
  return std::string(name);
}

}  // namespace mailsuite::imapd
