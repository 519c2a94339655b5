#include "command_parser.h"

#include <charconv>

namespace mailsuite::mta {
namespace {

constexpr size_t kMaxPath = 256;  // RFC 5321 4.5.3.1.3

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && Upper(s.substr(0, prefix.size())) == prefix;
}

SmtpError Syntax(std::string text) { return SmtpError{501, "5.5.4", std::move(text)}; }
SmtpError BadAddress(std::string text) { return SmtpError{553, "5.1.3", std::move(text)}; }

// Splits "FROM:<path> params": finds the path in angle brackets. Accepts the common
// "FROM: <path>" (a space after the colon) that many clients send.
struct PathAndParams {
  std::string path;  // without the brackets
  std::vector<std::string> params;
};

std::optional<PathAndParams> SplitPath(std::string_view arg, std::string_view keyword) {
  if (!StartsWithNoCase(arg, keyword)) return std::nullopt;
  arg.remove_prefix(keyword.size());
  while (!arg.empty() && arg.front() == ' ') arg.remove_prefix(1);
  if (arg.empty() || arg.front() != '<') return std::nullopt;
  // The closing bracket is the first '>' outside a quoted string.
  bool quoted = false;
  size_t close = std::string_view::npos;
  for (size_t i = 1; i < arg.size(); ++i) {
    if (quoted && arg[i] == '\\') {
      ++i;
    } else if (arg[i] == '"') {
      quoted = !quoted;
    } else if (!quoted && arg[i] == '>') {
      close = i;
      break;
    }
  }
  if (close == std::string_view::npos) return std::nullopt;
  PathAndParams out;
  out.path = std::string(arg.substr(1, close - 1));
  std::string_view rest = arg.substr(close + 1);
  if (!rest.empty() && rest.front() != ' ') return std::nullopt;
  size_t pos = 0;
  while (pos < rest.size()) {
    while (pos < rest.size() && rest[pos] == ' ') ++pos;
    size_t end = rest.find(' ', pos);
    if (end == std::string_view::npos) end = rest.size();
    if (end > pos) out.params.emplace_back(rest.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

// Drops an obsolete source route "@a,@b:" (RFC 5321 4.1.2: accepted, ignored).
std::string_view StripSourceRoute(std::string_view path) {
  if (path.empty() || path.front() != '@') return path;
  size_t colon = path.find(':');
  return colon == std::string_view::npos ? path : path.substr(colon + 1);
}

void SplitParam(const std::string& param, std::string& key, std::string& value) {
  size_t eq = param.find('=');
  key = Upper(param.substr(0, eq));
  value = eq == std::string::npos ? "" : param.substr(eq + 1);
}

SmtpError UnknownParam(const std::string& key) {
  return SmtpError{555, "5.5.4", "Unsupported parameter " + key.substr(0, 40)};
}

}  // namespace

CommandLine SplitCommand(std::string_view line) {
  size_t sp = line.find(' ');
  CommandLine c;
  c.verb = Upper(line.substr(0, sp));
  if (sp != std::string_view::npos) c.argument = std::string(line.substr(sp + 1));
  return c;
}

std::optional<std::string> DecodeXtext(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '+') {
      if (i + 2 >= text.size()) return std::nullopt;
      unsigned v = 0;
      auto [p, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, v, 16);
      if (ec != std::errc() || p != text.data() + i + 3) return std::nullopt;
      out += static_cast<char>(v);
      i += 2;
    } else if (c < 33 || c > 126 || c == '=') {
      return std::nullopt;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

Parsed<MailFrom> ParseMailFrom(std::string_view argument, bool utf8_ok) {
  Parsed<MailFrom> r;
  auto split = SplitPath(argument, "FROM:");
  if (!split) {
    r.error = Syntax("Syntax: MAIL FROM:<address>");
    return r;
  }
  MailFrom m;
  for (const std::string& p : split->params) {
    std::string key, value;
    SplitParam(p, key, value);
    if (key == "SIZE") {
      int64_t n = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (value.empty() || ec != std::errc() || end != value.data() + value.size() || n < 0) {
        r.error = Syntax("Bad SIZE value");
        return r;
      }
      m.size = n;
    } else if (key == "BODY") {
      std::string v = Upper(value);
      if (v == "7BIT") {
        m.body = BodyType::k7Bit;
      } else if (v == "8BITMIME") {
        m.body = BodyType::k8BitMime;
      } else if (v == "BINARYMIME") {  // needs BDAT-only handling (RFC 3030 3): not offered
        r.error = SmtpError{555, "5.5.4", "BODY=BINARYMIME is not supported"};
        return r;
      } else {
        r.error = Syntax("Bad BODY value");
        return r;
      }
    } else if (key == "SMTPUTF8" && value.empty() && utf8_ok) {
      m.smtputf8 = true;
    } else if (key == "RET") {
      m.ret = Upper(value);
      if (m.ret != "FULL" && m.ret != "HDRS") {
        r.error = Syntax("Bad RET value");
        return r;
      }
    } else if (key == "ENVID") {
      auto decoded = DecodeXtext(value);
      if (!decoded || value.empty() || value.size() > 100) {
        r.error = Syntax("Bad ENVID value");
        return r;
      }
      m.envid = *decoded;
    } else if (key == "AUTH") {
      m.auth = value;
    } else {
      r.error = UnknownParam(key);
      return r;
    }
  }
  std::string_view path = StripSourceRoute(split->path);
  if (path.empty()) {
    m.null_sender = true;
  } else {
    if (path.size() > kMaxPath) {
      r.error = SmtpError{553, "5.1.7", "Sender address too long"};
      return r;
    }
    auto addr = mail::ParseMailbox(path, m.smtputf8);
    if (!addr) {
      r.error = SmtpError{553, "5.1.7", "Bad sender address syntax"};
      return r;
    }
    m.sender = std::move(addr.value());
  }
  r.value = std::move(m);
  return r;
}

Parsed<RcptTo> ParseRcptTo(std::string_view argument, bool smtputf8) {
  Parsed<RcptTo> r;
  auto split = SplitPath(argument, "TO:");
  if (!split) {
    r.error = Syntax("Syntax: RCPT TO:<address>");
    return r;
  }
  RcptTo t;
  for (const std::string& p : split->params) {
    std::string key, value;
    SplitParam(p, key, value);
    if (key == "NOTIFY") {
      t.notify = Upper(value);
      // NEVER alone, or a list of SUCCESS, FAILURE, DELAY (RFC 3461 4.1).
      bool ok = !t.notify.empty();
      if (t.notify != "NEVER") {
        size_t start = 0;
        while (ok && start <= t.notify.size()) {
          size_t comma = t.notify.find(',', start);
          std::string item = t.notify.substr(start, comma - start);
          ok = item == "SUCCESS" || item == "FAILURE" || item == "DELAY";
          if (comma == std::string::npos) break;
          start = comma + 1;
        }
      }
      if (!ok) {
        r.error = Syntax("Bad NOTIFY value");
        return r;
      }
    } else if (key == "ORCPT") {
      auto decoded = DecodeXtext(value);
      if (!decoded || decoded->find(';') == std::string::npos || value.size() > 500) {
        r.error = Syntax("Bad ORCPT value");
        return r;
      }
      t.orcpt = *decoded;
    } else {
      r.error = UnknownParam(key);
      return r;
    }
  }
  std::string_view path = StripSourceRoute(split->path);
  if (Upper(path) == "POSTMASTER") {
    t.postmaster = true;
    t.recipient.local = "postmaster";
    r.value = std::move(t);
    return r;
  }
  if (path.empty()) {
    r.error = Syntax("Empty recipient");
    return r;
  }
  if (path.size() > kMaxPath) {
    r.error = SmtpError{553, "5.1.3", "Recipient address too long"};
    return r;
  }
  auto addr = mail::ParseMailbox(path, smtputf8);
  if (!addr) {
    r.error = BadAddress("Bad recipient address syntax");
    return r;
  }
  t.recipient = std::move(addr.value());
  r.value = std::move(t);
  return r;
}

bool IsValidHeloArgument(std::string_view argument) {
  if (argument.empty()) return false;
  if (argument.front() == '[') return mail::IsValidAddressLiteral(argument);
  std::string_view d = argument;
  if (d.back() == '.') d.remove_suffix(1);  // a rooted name "host.example." is seen in the wild
  return mail::IsValidDomain(d, true);
}

}  // namespace mailsuite::mta
