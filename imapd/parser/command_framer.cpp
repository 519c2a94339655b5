#include "command_framer.h"

#include <Poco/String.h>

namespace mailsuite::imapd {
namespace {

using Kind = FramerStep::Kind;

// A LITERAL+ marker announcing more than this is not drained but ends the connection.
constexpr uint64_t kMaxDrained = uint64_t{1} << 40;

bool IsAppend(std::string_view line) {
  size_t sp = line.find(' ');
  if (sp == std::string_view::npos) return false;
  std::string rest(line.substr(sp + 1, 7));
  return line.size() > sp + 8 && Poco::icompare(rest, "APPEND ") == 0;
}

FramerStep Step(Kind kind, uint64_t size = 0, std::string reply = {}) {
  return FramerStep{kind, size, std::move(reply)};
}

}  // namespace

FramerStep CommandFramer::Line(std::string line) {
  auto marker = TrailingLiteral(line);
  if (refused_) {
    // Draining a refused command: its LITERAL+ bytes are skipped; a synchronizing literal
    // gets no "+", so the client ends the command there.
    if (marker && marker->non_sync && marker->size <= limits_.literal)
      return Step(Kind::kSkipLiteral, marker->size);
    return Step(Kind::kRefused);
  }
  raw_.lines.push_back(std::move(line));
  if (!marker) return Step(Kind::kDone);
  total_ += marker->size;
  if (marker->size > limits_.literal || total_ > limits_.total || literals_ >= limits_.max_literals)
    return Refuse(*marker);
  ++literals_;
  return Step(Kind::kReadLiteral, marker->size,
              marker->non_sync ? std::string() : std::string("+ Ready for literal data"));
}

FramerStep CommandFramer::Refuse(const LiteralMarker& marker) {
  refused_ = true;
  const std::string tag = TagOf(raw_.lines[0]);
  if (!marker.non_sync) {
    // Refused before the "+": the client never sends the bytes (SECURITY.md 5).
    if (IsAppend(raw_.lines[0]))
      return Step(Kind::kRefused, 0,
                  tag + " NO [TOOBIG] Message too large (APPENDLIMIT=" +
                      std::to_string(limits_.literal) + ")");
    return Step(Kind::kRefused, 0, tag + " NO [TOOBIG] Literal too large");
  }
  // LITERAL+ bytes are on their way anyway: drop them, never parse them as commands (the
  // Dovecot 2.2.1 bug), after answering (RFC 7888 4: BAD for a literal over the limit).
  std::string reply = tag + " BAD [TOOBIG] Literal too large";
  if (marker.size > kMaxDrained) return Step(Kind::kClose, 0, std::move(reply));
  return Step(Kind::kSkipLiteral, marker.size, std::move(reply));
}

FramerStep CommandFramer::LineTooLong(std::string_view tail) {
  refused_ = true;
  std::string tag = raw_.lines.empty() ? "*" : TagOf(raw_.lines[0]);
  std::string reply = tag + " BAD Command line too long";
  // A LITERAL+ marker ending the dropped line: its octets come anyway and must not be read as
  // commands (SECURITY.md 5). A synchronizing one gets no "+", so nothing follows it.
  auto marker = TrailingLiteral(tail);
  if (!marker || !marker->non_sync) return Step(Kind::kRefused, 0, std::move(reply));
  if (marker->size > kMaxDrained) return Step(Kind::kClose, 0, std::move(reply));
  return Step(Kind::kSkipLiteral, marker->size, std::move(reply));
}

FramerStep CommandFramer::Literal(std::string bytes) {
  raw_.literals.push_back(std::move(bytes));
  return Step(Kind::kReadLine);
}

FramerStep CommandFramer::Skipped() {
  // Every drained literal took a line: a peer that keeps announcing them is cut off.
  return ++drained_ > limits_.max_literals ? Step(Kind::kClose) : Step(Kind::kReadLine);
}

}  // namespace mailsuite::imapd
