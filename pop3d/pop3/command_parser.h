// Pure parsers for POP3 command lines (RFC 1939 3): the keyword and its arguments, and message
// numbers. No I/O and no store: a line in, a structured command or nothing out. Nothing here
// trusts a length or a number from the peer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailsuite::pop3d {

// RFC 1939 3: keywords are three or four characters; RFC 2449 allows extensions up to four.
inline constexpr size_t kMaxKeywordLength = 4;
// RFC 1939 3: each argument may be up to 40 characters long.
inline constexpr size_t kMaxArgumentLength = 40;

struct CommandLine {
  std::string keyword;   // upper-cased; empty when the line holds no valid keyword
  std::string argument;  // everything after the first space, unchanged (PASS keeps its spaces)
};

// Splits "retr 1" into {"RETR", "1"}. A keyword that is empty, too long or not alphabetic comes
// back as an empty keyword, which no command matches.
CommandLine SplitCommand(std::string_view line);

// Splits the argument text at single spaces. nullopt when there are fewer than `min` or more
// than `max` arguments, an argument is empty (two spaces in a row) or longer than 40 octets.
std::optional<std::vector<std::string_view>> SplitArguments(std::string_view argument, size_t min,
                                                            size_t max);

// A decimal number of at most 9 digits (no sign, no spaces): message numbers and TOP's line
// count. nullopt for anything else, so a huge value can never overflow.
std::optional<uint32_t> ParseNumber(std::string_view text);

}  // namespace mailsuite::pop3d
