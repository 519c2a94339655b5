// The IMAP command parser (RFC 3501 9, RFC 7888 LITERAL+, literal8 of RFC 3516/6855). Pure: the
// pieces of one command as the session read them (text lines and literal bytes) in, a tagged
// command of generic arguments — atoms, strings and parenthesised lists — or a tagged error out.
// Handlers interpret the arguments (sequence sets, fetch attributes, search keys) with the helpers
// in arguments.h. Nothing here trusts a length or a count from the peer beyond the given limits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace mailsuite::imapd {

struct Arg {
  enum class Kind { kAtom, kString, kList };
  Kind kind = Kind::kAtom;
  std::string text;        // atom text (NIL is the atom "NIL"), or the string's contents
  bool literal = false;    // the string came as a literal
  bool literal8 = false;   // … as a literal8 "~{n}" (RFC 3516 syntax; RFC 6855 APPEND UTF8)
  std::vector<Arg> items;  // the list's members

  bool IsAtom(std::string_view upper) const;  // case-insensitive atom comparison
  bool IsNil() const { return kind == Kind::kAtom && IsAtom("NIL"); }
  // astring = atom / string: the text either way.
  bool IsAstring() const { return kind != Kind::kList; }
};

struct Command {
  std::string tag;
  std::string name;  // upper-cased: "FETCH", "UID", "LOGIN", …
  std::vector<Arg> args;
};

// One command as read: lines[i] (without CRLF) ends with a literal marker whose bytes are
// literals[i]; the last line has none. So lines.size() == literals.size() + 1.
struct RawCommand {
  std::vector<std::string> lines;
  std::vector<std::string> literals;
};

struct LiteralMarker {
  uint64_t size = 0;
  bool non_sync = false;  // {n+}: the client sends the bytes without waiting for "+"
};

// If `line` ends with "{n}" or "{n+}", the literal that follows it.
std::optional<LiteralMarker> TrailingLiteral(std::string_view line);

struct ParseError {
  std::string tag;  // empty or "*" when no tag could be read
  std::string message;
};

struct ParserLimits {
  size_t max_depth = 32;      // nested lists
  size_t max_items = 100000;  // arguments and list members in all
};

std::variant<Command, ParseError> ParseCommand(const RawCommand& raw,
                                               const ParserLimits& limits = {});

// The tag of a line, for replying to a command that could not be read whole ("*" if none).
std::string TagOf(std::string_view line);

}  // namespace mailsuite::imapd
