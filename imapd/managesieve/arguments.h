// How a ManageSieve command line reads (RFC 5804 4): a command name, then arguments that are
// strings (quoted, or a literal "{n+}" whose n octets follow the line) or numbers. Pure: the
// session reads lines and literals; this says what one line holds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailsuite::managesieve {

struct Token {
  enum class Kind { kAtom, kString };  // kAtom: a command name or a number
  Kind kind = Kind::kAtom;
  std::string text;  // a string's value, unquoted and unescaped
};

// RFC 5804 4: a quoted string holds at most 1024 octets (erratum 2655); longer ones are literals.
inline constexpr size_t kMaxQuotedLength = 1024;

struct LineTokens {
  std::vector<Token> tokens;
  // The line ended in a literal marker "{n+}" (or "{n}", which clients should not send but
  // some do): n octets follow, then the rest of the command on the next line.
  std::optional<uint64_t> literal;
  std::string error;  // the line is not ManageSieve syntax; `tokens` are then meaningless
};

// `continuation`: the line follows a literal, so it may start with its SP or be empty.
LineTokens TokenizeLine(std::string_view line, bool continuation = false);

// A number argument (HAVESPACE's size): 1*DIGIT below 2^32 (RFC 5804 4, "number").
std::optional<uint32_t> ParseNumber(const Token& token);

}  // namespace mailsuite::managesieve
