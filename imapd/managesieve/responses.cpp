#include "responses.h"

#include "arguments.h"

namespace mailsuite::managesieve {

std::string EncodeString(std::string_view value) {
  bool quotable = value.size() <= kMaxQuotedLength &&
                  value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
  if (!quotable) {
    std::string literal = "{" + std::to_string(value.size()) + "}\r\n";
    literal += value;
    return literal;
  }
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

std::string Response(std::string_view kind, std::string_view code, std::string_view text) {
  std::string line(kind);
  if (!code.empty()) {
    line += " (";
    line += code;
    line += ')';
  }
  if (!text.empty()) {
    line += ' ';
    line += EncodeString(text);
  }
  line += "\r\n";
  return line;
}

}  // namespace mailsuite::managesieve
