#include "spf_record.h"

#include <arpa/inet.h>
#include <strings.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "shared/mail/address.h"

namespace mailsuite::mta::spf {
namespace {

using mailsuite::Status;

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && strncasecmp(s.data(), prefix.data(), prefix.size()) == 0;
}

bool ParseCidr(std::string_view text, int max, int& out) {
  if (text.empty() || text.size() > 3 || (text.size() > 1 && text[0] == '0')) return false;
  int v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v > max) return false;
  out = v;
  return true;
}

// "domain/24//64", "/24", "//64" or "domain" into its parts (RFC 7208 5.6 dual-cidr-length).
bool SplitDualCidr(std::string_view arg, Term& t) {
  size_t slash = arg.find('/');
  t.domain_spec = std::string(arg.substr(0, slash));
  if (slash == std::string_view::npos) return true;
  std::string_view rest = arg.substr(slash);
  size_t dbl = rest.find("//");
  std::string_view v4 = dbl == std::string_view::npos ? rest : rest.substr(0, dbl);
  std::string_view v6 = dbl == std::string_view::npos ? "" : rest.substr(dbl + 2);
  if (!v4.empty() && !ParseCidr(v4.substr(1), 32, t.cidr4)) return false;
  if (dbl != std::string_view::npos && !ParseCidr(v6, 128, t.cidr6)) return false;
  return true;
}

// Reverses and keeps the rightmost `keep` parts of `value` split at any of `delimiters`.
std::string Transform(const std::string& value, int keep, bool reverse,
                      const std::string& delimiters) {
  std::vector<std::string> parts(1);
  for (char c : value) {
    if (delimiters.find(c) != std::string::npos)
      parts.emplace_back();
    else
      parts.back() += c;
  }
  if (reverse) std::reverse(parts.begin(), parts.end());
  if (keep > 0 && static_cast<size_t>(keep) < parts.size())
    parts.erase(parts.begin(), parts.end() - keep);
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? "." : "") + parts[i];
  return out;
}

// RFC 7208 7.3: IPv4 dotted, IPv6 as dotted nibbles.
std::string MacroIp(const std::string& ip) {
  unsigned char b[16];
  if (inet_pton(AF_INET, ip.c_str(), b) == 1) return ip;
  if (inet_pton(AF_INET6, ip.c_str(), b) != 1) return ip;
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char byte : b) {
    if (!out.empty()) out += '.';
    out += kHex[byte >> 4];
    out += '.';
    out += kHex[byte & 15];
  }
  return out;
}

std::string UrlEscape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

// A syntax error anywhere in a record is a permerror before any term runs (RFC 7208 4.6).
bool MacrosWellFormed(const std::string& spec) {
  return ExpandMacros(spec, MacroFacts{"a@example.org", "example.org", "192.0.2.1", "example.org"})
      .ok();
}

}  // namespace

const char* ResultName(Result r) {
  switch (r) {
    case Result::kNone:
      return "none";
    case Result::kNeutral:
      return "neutral";
    case Result::kPass:
      return "pass";
    case Result::kFail:
      return "fail";
    case Result::kSoftFail:
      return "softfail";
    case Result::kTempError:
      return "temperror";
    case Result::kPermError:
      return "permerror";
  }
  return "permerror";
}

bool IsSpfRecord(std::string_view text) {
  return StartsWithNoCase(text, "v=spf1") && (text.size() == 6 || text[6] == ' ');
}

mailsuite::Result<Record> ParseRecord(std::string_view text) {
  if (!IsSpfRecord(text)) return Status::Error("not an SPF record");
  Record record;
  bool have_exp = false;
  size_t pos = 6;
  while (pos < text.size()) {
    while (pos < text.size() && text[pos] == ' ') ++pos;
    if (pos >= text.size()) break;
    size_t end = text.find(' ', pos);
    std::string_view term =
        text.substr(pos, end == std::string_view::npos ? text.size() - pos : end - pos);
    pos = end == std::string_view::npos ? text.size() : end;

    // A modifier is name=value with a name of ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ).
    size_t eq = term.find('=');
    size_t name_end = term.find_first_of(":/");
    if (eq != std::string_view::npos && (name_end == std::string_view::npos || eq < name_end)) {
      std::string name = mail::ToLower(term.substr(0, eq));
      bool valid = !name.empty() && std::isalpha(static_cast<unsigned char>(name[0]));
      for (char c : name)  // name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) (RFC 7208 12)
        valid = valid &&
                (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
      if (!valid) return Status::Error("malformed modifier " + std::string(term));
      std::string value(term.substr(eq + 1));
      if ((name == "redirect" || name == "exp") && !MacrosWellFormed(value))
        return Status::Error("malformed macro in " + std::string(term));
      if (name == "redirect") {
        if (record.redirect || value.empty()) return Status::Error("redirect= twice or empty");
        record.redirect = value;
      } else if (name == "exp") {
        if (have_exp || value.empty()) return Status::Error("exp= twice or empty");
        have_exp = true;  // explanations are not fetched: the A-R header does not carry them
      }
      continue;  // unknown modifiers are ignored (6)
    }

    Term t;
    switch (term[0]) {
      case '+':
        t.qualifier = Result::kPass;
        term.remove_prefix(1);
        break;
      case '-':
        t.qualifier = Result::kFail;
        term.remove_prefix(1);
        break;
      case '~':
        t.qualifier = Result::kSoftFail;
        term.remove_prefix(1);
        break;
      case '?':
        t.qualifier = Result::kNeutral;
        term.remove_prefix(1);
        break;
      default:
        break;
    }
    size_t sep = term.find_first_of(":/");
    std::string name = mail::ToLower(term.substr(0, sep));
    std::string_view arg = sep == std::string_view::npos ? "" : term.substr(sep);
    bool ok = true;
    if (name == "all") {
      t.mechanism = Mechanism::kAll;
      ok = arg.empty();
    } else if (name == "include" || name == "exists") {
      t.mechanism = name == "include" ? Mechanism::kInclude : Mechanism::kExists;
      ok = arg.size() > 1 && arg[0] == ':';
      if (ok) t.domain_spec = std::string(arg.substr(1));
    } else if (name == "a" || name == "mx") {
      t.mechanism = name == "a" ? Mechanism::kA : Mechanism::kMx;
      // "a", "a/24", "a:example.org", "a:example.org/24//64"
      bool named = !arg.empty() && arg[0] == ':';
      ok = SplitDualCidr(named ? arg.substr(1) : arg, t) && (!named || !t.domain_spec.empty());
    } else if (name == "ptr") {
      t.mechanism = Mechanism::kPtr;
      ok = arg.empty() || (arg[0] == ':' && arg.size() > 1);
      if (!arg.empty()) t.domain_spec = std::string(arg.substr(1));
    } else if (name == "ip4" || name == "ip6") {
      t.mechanism = name == "ip4" ? Mechanism::kIp4 : Mechanism::kIp6;
      ok = !arg.empty() && arg[0] == ':';
      std::string_view value = ok ? arg.substr(1) : "";
      size_t slash = value.find('/');
      t.address = std::string(value.substr(0, slash));
      unsigned char buf[16];
      ok = ok && inet_pton(name == "ip4" ? AF_INET : AF_INET6, t.address.c_str(), buf) == 1;
      if (ok && slash != std::string_view::npos)
        ok = ParseCidr(value.substr(slash + 1), name == "ip4" ? 32 : 128,
                       name == "ip4" ? t.cidr4 : t.cidr6);
    } else {
      return Status::Error("unknown mechanism " + std::string(term));
    }
    if (ok && !t.domain_spec.empty()) ok = MacrosWellFormed(t.domain_spec);
    if (!ok) return Status::Error("malformed mechanism " + std::string(term));
    record.terms.push_back(std::move(t));
  }
  return record;
}

mailsuite::Result<std::string> ExpandMacros(std::string_view spec, const MacroFacts& f) {
  std::string out;
  for (size_t i = 0; i < spec.size(); ++i) {
    char c = spec[i];
    if (c != '%') {
      out += c;
      continue;
    }
    if (++i >= spec.size()) return Status::Error("'%' at the end of a macro string");
    char n = spec[i];
    if (n == '%') {
      out += '%';
      continue;
    }
    if (n == '_') {
      out += ' ';
      continue;
    }
    if (n == '-') {
      out += "%20";
      continue;
    }
    if (n != '{') return Status::Error("malformed macro");
    size_t close = spec.find('}', i);
    if (close == std::string_view::npos || close == i + 1) return Status::Error("malformed macro");
    std::string_view body = spec.substr(i + 1, close - i - 1);
    i = close;
    char letter = body[0];
    bool escape = std::isupper(static_cast<unsigned char>(letter));
    std::string value;
    size_t at = f.sender.rfind('@');
    switch (std::tolower(static_cast<unsigned char>(letter))) {
      case 's':
        value = f.sender;
        break;
      case 'l':
        value = at == std::string::npos ? "postmaster" : f.sender.substr(0, at);
        break;
      case 'o':
        value = at == std::string::npos ? f.sender : f.sender.substr(at + 1);
        break;
      case 'd':
        value = f.domain;
        break;
      case 'i':
        value = MacroIp(f.ip);
        break;
      case 'p':
        value = "unknown";
        break;  // 7.3: the costly validated name; we do not look it up
      case 'v':
        value = f.ip.find(':') == std::string::npos ? "in-addr" : "ip6";
        break;
      case 'h':
        value = f.helo;
        break;
      default:
        return Status::Error("unknown macro letter");
    }
    size_t p = 1;
    int keep = 0;
    while (p < body.size() && std::isdigit(static_cast<unsigned char>(body[p]))) {
      keep = keep * 10 + (body[p] - '0');
      if (keep > 128) return Status::Error("macro transformer too large");
      ++p;
    }
    if (p > 1 && keep == 0) return Status::Error("macro keeps zero parts");
    bool reverse = p < body.size() && (body[p] == 'r' || body[p] == 'R');
    if (reverse) ++p;
    std::string delimiters(body.substr(p));
    if (delimiters.find_first_not_of(".-+,/_=") != std::string::npos)
      return Status::Error("unknown macro delimiter");
    if (delimiters.empty()) delimiters = ".";
    value = Transform(value, keep, reverse, delimiters);
    out += escape ? UrlEscape(value) : value;
  }
  while (out.size() > 253 && out.find('.') != std::string::npos) out.erase(0, out.find('.') + 1);
  return out;
}

}  // namespace mailsuite::mta::spf
