// RFC 2231 parameter value continuations and extended values, for callers that want a file
// name and for an IMAP4rev2 BODYSTRUCTURE; an IMAP4rev1 one shows the parameters as written.
#include <map>

#include "mime_internal.h"
#include "shared/mail/text_decode.h"

namespace mailsuite::mail {
namespace {

constexpr int kMaxSegments = 1000;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    int hi = s[i] == '%' && i + 2 < s.size() ? HexValue(s[i + 1]) : -1;
    int lo = hi >= 0 ? HexValue(s[i + 2]) : -1;
    if (lo >= 0) {
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// charset'language'value: the value part (RFC 2231 4); without both quotes, all of it.
std::string_view WithoutCharset(std::string_view s) {
  size_t first = s.find('\'');
  size_t second = first == std::string_view::npos ? first : s.find('\'', first + 1);
  return second == std::string_view::npos ? s : s.substr(second + 1);
}

}  // namespace

std::optional<std::string> DecodeParam(const std::vector<MimeParam>& params,
                                       std::string_view attribute) {
  std::string name = mime_internal::Lower(attribute);
  std::map<int, const MimeParam*> segments;  // name*N and name*N*
  const MimeParam* plain = nullptr;
  for (const MimeParam& p : params) {
    std::string_view a = p.attribute;
    if (a.substr(0, name.size()) != name) continue;
    a.remove_prefix(name.size());
    if (a.empty()) {
      if (plain == nullptr) plain = &p;
    } else if (a == "*") {
      return PercentDecode(WithoutCharset(p.value));  // the extended form wins
    } else if (a[0] == '*' && a.size() <= 6) {
      int n = 0;
      size_t i = 1;
      for (; i < a.size() && a[i] >= '0' && a[i] <= '9'; ++i) n = n * 10 + (a[i] - '0');
      bool valid = i > 1 && (i == a.size() || (i + 1 == a.size() && a[i] == '*'));
      if (valid && n < kMaxSegments) segments.emplace(n, &p);
    }
  }
  if (segments.empty() || segments.begin()->first != 0) {
    if (plain == nullptr) return std::nullopt;
    return plain->value;
  }
  std::string joined;
  int expected = 0;
  for (const auto& [n, p] : segments) {
    if (n != expected++) break;  // a gap ends the value
    std::string_view v = p->value;
    if (p->attribute.back() == '*') {
      joined += PercentDecode(n == 0 ? WithoutCharset(v) : v);
    } else {
      joined += v;
    }
  }
  return joined;
}

std::optional<std::string> DecodeParamUtf8(const std::vector<MimeParam>& params,
                                           std::string_view attribute) {
  std::optional<std::string> value = DecodeParam(params, attribute);
  if (!value) return value;
  // The charset is named by the first extended section: "name*" or "name*0*" (RFC 2231 4).
  const std::string name = mime_internal::Lower(attribute);
  for (const MimeParam& p : params) {
    if (p.attribute != name + "*" && p.attribute != name + "*0*") continue;
    size_t quote = p.value.find('\'');
    if (quote != std::string::npos) return CharsetToUtf8(*value, p.value.substr(0, quote));
  }
  return value;
}

}  // namespace mailsuite::mail
