// How one IMAP command arrives (RFC 9051 4.3, 7.5; RFC 7888 LITERAL+): text lines, each but the
// last ending in a literal marker "{n}", "{n+}" or "~{n}", and after each marker n octets. Pure:
// the session reads what the framer asks for and hands it over; the framer decides whether a
// literal is read, refused before its "+", or drained unseen (LITERAL+ bytes are on their way
// anyway and must never be taken for commands), and what to answer.
#pragma once

#include <cstdint>
#include <string>

#include "parser/command_parser.h"

namespace mailsuite::imapd {

struct FramingLimits {
  uint64_t literal = 0;     // one literal (the APPENDLIMIT)
  uint64_t total = 0;       // all literals of one command
  int max_literals = 1000;  // enough for any APPEND/LOGIN, bounded for a peer
};

// What the session does next.
struct FramerStep {
  enum class Kind {
    kReadLine,     // read the next line and pass it to Line (or LineTooLong)
    kReadLiteral,  // send `reply` if any ("+ …"), read `size` octets, pass them to Literal
    kSkipLiteral,  // send `reply` if any, read and drop `size` octets, then call Skipped
    kDone,         // the command is complete: Take() it
    kRefused,      // send `reply` if any and count an error; nothing of the command is run
    kClose,        // the peer announced more than can ever be drained: end the connection
  };
  Kind kind = Kind::kReadLine;
  uint64_t size = 0;
  // One line to send, without CRLF: the "+" continuation of kReadLiteral, or else a refusal
  // (a client error to count).
  std::string reply;
};

class CommandFramer {
 public:
  explicit CommandFramer(FramingLimits limits) : limits_(limits) {}

  FramerStep Line(std::string line);
  // The line was over the line limit (its rest is gone); `tail` is its end as far as kept
  // (LineConnection::dropped_line_tail): a LITERAL+ marker there is drained.
  FramerStep LineTooLong(std::string_view tail = {});
  FramerStep Literal(std::string bytes);
  FramerStep Skipped();
  // The command read so far (after kDone: the whole of it).
  RawCommand Take() { return std::move(raw_); }

 private:
  FramerStep Refuse(const LiteralMarker& marker);

  const FramingLimits limits_;
  RawCommand raw_;
  uint64_t total_ = 0;
  int literals_ = 0;      // read
  int drained_ = 0;       // skipped after a refusal
  bool refused_ = false;  // draining the rest of a refused command
};

}  // namespace mailsuite::imapd
