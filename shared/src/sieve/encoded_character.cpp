#include "encoded_character.h"

#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <Poco/UnicodeConverter.h>

#include <optional>

namespace mailsuite::sieve {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// The hex numbers of "*blank hex *(1*blank hex) *blank" (each at most `max_digits` long), or
// nullopt when `seq` is not that.
std::optional<std::vector<uint32_t>> HexSequence(std::string_view seq, size_t max_digits) {
  std::vector<uint32_t> values;
  size_t at = 0;
  while (true) {
    while (at < seq.size() && IsBlank(seq[at])) ++at;
    if (at == seq.size()) break;
    size_t start = at;
    while (at < seq.size() && IsHex(seq[at])) ++at;
    size_t digits = at - start;
    if (digits == 0 || (at < seq.size() && !IsBlank(seq[at]))) return std::nullopt;
    // Leading zeros do not count toward a pair or toward the Unicode range.
    std::string_view number = seq.substr(start, digits);
    while (number.size() > 1 && number[0] == '0') number.remove_prefix(1);
    if (number.size() > max_digits) {
      if (max_digits == 2) return std::nullopt;
      values.push_back(0x110000);  // out of range whatever the digits: an error below
      continue;
    }
    values.push_back(Poco::NumberParser::parseHex(std::string(number)));
  }
  if (values.empty()) return std::nullopt;
  return values;
}

class Decoder {
 public:
  explicit Decoder(int line) : line_(line) {}

  CompileCheck Decode(std::string& text) {
    std::string out;
    size_t at = 0;
    while (at < text.size()) {
      size_t next = text.find("${", at);
      if (next == std::string::npos) break;
      out.append(text, at, next - at);
      size_t close = text.find('}', next);
      std::optional<std::string> decoded;
      if (close != std::string::npos) {
        std::string_view inside = std::string_view(text).substr(next + 2, close - next - 2);
        if (auto error = DecodeOne(inside, decoded)) return error;
      }
      if (decoded) {
        out += *decoded;
        at = close + 1;
      } else {
        out += '$';
        at = next + 1;
      }
    }
    out.append(text, std::min(at, text.size()), std::string::npos);
    text = std::move(out);
    return std::nullopt;
  }

 private:
  CompileCheck DecodeOne(std::string_view inside, std::optional<std::string>& out) {
    auto prefixed = [&](std::string_view prefix) {
      return inside.size() >= prefix.size() &&
             Poco::icompare(std::string(inside.substr(0, prefix.size())), std::string(prefix)) == 0;
    };
    if (prefixed("hex:")) {
      auto values = HexSequence(inside.substr(4), 2);
      if (!values) return std::nullopt;
      out.emplace();
      for (uint32_t v : *values) out->push_back(static_cast<char>(v));
    } else if (prefixed("unicode:")) {
      auto values = HexSequence(inside.substr(8), 6);
      if (!values) return std::nullopt;
      out.emplace();
      for (uint32_t v : *values) {
        if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
          return CompileError{line_, "encoded-character: invalid Unicode value in '${" +
                                         std::string(inside) + "}'"};
        std::string utf8;
        Poco::UnicodeConverter::convert(Poco::UTF32String(1, static_cast<Poco::UTF32Char>(v)),
                                        utf8);
        *out += utf8;
      }
    }
    return std::nullopt;
  }

  int line_;
};

}  // namespace

CompileCheck DecodeEncodedCharacters(std::vector<Node>& nodes) {
  for (Node& node : nodes) {
    for (Argument& arg : node.arguments)
      for (std::string& text : arg.strings)
        if (auto error = Decoder(arg.line).Decode(text)) return error;
    if (auto error = DecodeEncodedCharacters(node.tests)) return error;
    if (auto error = DecodeEncodedCharacters(node.block)) return error;
  }
  return std::nullopt;
}

}  // namespace mailsuite::sieve
