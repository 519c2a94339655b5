#include "arguments.h"

#include <Poco/NumberParser.h>

namespace mailsuite::managesieve {
namespace {

bool IsAtomChar(char c) {
  return c > ' ' && c < 0x7f && c != '"' && c != '{' && c != '}' && c != '(' && c != ')';
}

// A quoted string from `line[at]` (the opening DQUOTE); moves `at` past its closing DQUOTE.
std::optional<std::string> Quoted(std::string_view line, size_t& at, std::string& error) {
  std::string value;
  for (++at; at < line.size(); ++at) {
    char c = line[at];
    if (c == '"') {
      ++at;
      return value;
    }
    if (c == '\\') {
      // QUOTED-SPECIALS: only DQUOTE and "\" may be escaped.
      if (++at == line.size() || (line[at] != '"' && line[at] != '\\')) {
        error = "bad escape in a quoted string";
        return std::nullopt;
      }
      c = line[at];
    } else if (c == '\0' || c == '\r' || c == '\n') {
      error = "control character in a quoted string";
      return std::nullopt;
    }
    if (value.size() == kMaxQuotedLength) {
      error = "quoted string longer than 1024 octets (send a literal)";
      return std::nullopt;
    }
    value += c;
  }
  error = "unterminated quoted string";
  return std::nullopt;
}

// "{n+}" or "{n}" from `line[at]`, which must end the line.
std::optional<uint64_t> LiteralMarker(std::string_view line, size_t at, std::string& error) {
  size_t close = line.find('}', at);
  if (close == std::string_view::npos || close + 1 != line.size()) {
    error = "a literal marker must end the line";
    return std::nullopt;
  }
  std::string_view digits = line.substr(at + 1, close - at - 1);
  if (!digits.empty() && digits.back() == '+') digits.remove_suffix(1);
  uint64_t size = 0;
  if (digits.empty() || digits.size() > 10 ||
      digits.find_first_not_of("0123456789") != std::string_view::npos ||
      !Poco::NumberParser::tryParseUnsigned64(std::string(digits), size)) {
    error = "bad literal marker";
    return std::nullopt;
  }
  return size;
}

}  // namespace

LineTokens TokenizeLine(std::string_view line, bool continuation) {
  LineTokens out;
  size_t at = 0;
  // After a literal the rest of the command continues on its own line: SP and more
  // arguments, or nothing at all.
  bool need_space = false;
  if (!continuation && (line.empty() || line[0] == ' ')) {
    out.error = line.empty() ? "empty command" : "command starts with a space";
    return out;
  }
  while (at < line.size()) {
    if (need_space || (continuation && at == 0)) {
      if (line[at] != ' ') {
        out.error = "arguments must be separated by a space";
        return out;
      }
      while (at < line.size() && line[at] == ' ') ++at;  // be lenient about extra spaces
      need_space = false;
      if (at == line.size()) break;
    }
    const char c = line[at];
    if (c == '"') {
      auto value = Quoted(line, at, out.error);
      if (!value) return out;
      out.tokens.push_back({Token::Kind::kString, std::move(*value)});
    } else if (c == '{') {
      out.literal = LiteralMarker(line, at, out.error);
      return out;
    } else if (IsAtomChar(c)) {
      size_t end = at;
      while (end < line.size() && IsAtomChar(line[end])) ++end;
      out.tokens.push_back({Token::Kind::kAtom, std::string(line.substr(at, end - at))});
      at = end;
    } else {
      out.error = "unexpected character in the command";
      return out;
    }
    need_space = true;
  }
  return out;
}

std::optional<uint32_t> ParseNumber(const Token& token) {
  // RFC 5804 4: number = 1*DIGIT, a value below 4,294,967,296; a client may send it quoted.
  const std::string& t = token.text;
  unsigned value = 0;
  if (t.empty() || t.size() > 10 || t.find_first_not_of("0123456789") != std::string::npos ||
      !Poco::NumberParser::tryParseUnsigned(t, value))
    return std::nullopt;
  return static_cast<uint32_t>(value);
}

}  // namespace mailsuite::managesieve
