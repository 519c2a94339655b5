#include "shared/mail/address.h"

#include <arpa/inet.h>

#include <strings.h>

#include <cctype>
#include <cstring>

namespace mailsuite::mail {
namespace {

constexpr size_t kMaxLocalPart = 64;  // RFC 5321 4.5.3.1.1
constexpr size_t kMaxDomain = 255;    // RFC 5321 4.5.3.1.2

bool IsAtext(unsigned char c, bool utf8) {
  if (c >= 0x80) return utf8;
  return std::isalnum(c) || std::strchr("!#$%&'*+-/=?^_`{|}~", c) != nullptr;
}

bool IsDotString(std::string_view s, bool utf8) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '.') {
      if (s[i - 1] == '.') return false;
    } else if (!IsAtext(c, utf8)) {
      return false;
    }
  }
  return true;
}

// Quoted-string per RFC 5321 4.1.2; returns the unquoted text through `out`.
bool ParseQuoted(std::string_view s, bool utf8, std::string& out) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return false;
  out.clear();
  for (size_t i = 1; i + 1 < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\\') {
      if (i + 2 >= s.size()) return false;
      unsigned char n = static_cast<unsigned char>(s[++i]);
      if (n < 32 || n > 126) return false;
      out += static_cast<char>(n);
    } else if ((c >= 32 && c <= 126 && c != '"') || (c >= 0x80 && utf8)) {
      out += static_cast<char>(c);
    } else {
      return false;
    }
  }
  return true;
}

bool HasNonAscii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  return false;
}

}  // namespace

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool IsValidDomain(std::string_view domain, bool allow_utf8) {
  if (domain.empty() || domain.size() > kMaxDomain) return false;
  size_t start = 0;
  for (;;) {
    size_t dot = domain.find('.', start);
    std::string_view label =
        domain.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char ch : label) {
      unsigned char c = static_cast<unsigned char>(ch);
      if (c >= 0x80 ? !allow_utf8 : !(std::isalnum(c) || c == '-')) return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool IsValidAddressLiteral(std::string_view literal) {
  if (literal.size() < 3 || literal.front() != '[' || literal.back() != ']') return false;
  std::string inner(literal.substr(1, literal.size() - 2));
  unsigned char buf[16];
  if (inner.size() > 5 && strncasecmp(inner.c_str(), "IPv6:", 5) == 0)
    return inet_pton(AF_INET6, inner.c_str() + 5, buf) == 1;
  if (inet_pton(AF_INET, inner.c_str(), buf) == 1) return true;
  // General-address-literal = Standardized-tag ":" 1*dcontent (RFC 5321 4.1.3)
  size_t colon = inner.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == inner.size()) return false;
  for (size_t i = 0; i < colon; ++i)
    if (!std::isalnum(static_cast<unsigned char>(inner[i])) && inner[i] != '-') return false;
  for (size_t i = colon + 1; i < inner.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(inner[i]);
    if (c < 33 || c > 126 || c == '[' || c == '\\' || c == ']') return false;
  }
  return true;
}

Result<Address> ParseMailbox(std::string_view text, bool allow_utf8) {
  size_t at = text.rfind('@');
  if (at == std::string_view::npos) return Status::Error("no @ in address");
  std::string_view local = text.substr(0, at);
  std::string_view domain = text.substr(at + 1);
  Address a;
  if (local.size() > kMaxLocalPart) return Status::Error("local part longer than 64 octets");
  if (!local.empty() && local.front() == '"') {
    if (!ParseQuoted(local, allow_utf8, a.local)) return Status::Error("bad quoted local part");
  } else if (IsDotString(local, allow_utf8)) {
    a.local = std::string(local);
  } else {
    return Status::Error("bad local part");
  }
  if (!domain.empty() && domain.front() == '[') {
    if (!IsValidAddressLiteral(domain)) return Status::Error("bad address literal");
  } else if (!IsValidDomain(domain, allow_utf8)) {
    return Status::Error("bad domain");
  }
  a.domain = ToLower(domain);
  a.utf8 = HasNonAscii(text);
  return a;
}

std::string Address::ToString() const {
  if (IsDotString(local, true)) return local + "@" + domain;
  std::string q = "\"";
  for (char c : local) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\"@" + domain;
}

}  // namespace mailsuite::mail
