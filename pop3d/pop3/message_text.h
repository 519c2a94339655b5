// How message text goes on the wire in RETR and TOP (RFC 1939 3, 7, 8): dot-stuffing, CRLF line
// ends, the ".\r\n" terminator, and the part of a message TOP sends. Pure: no I/O, no store.
// The text may arrive in pieces (a message streamed from the store in chunks): DotStuffer and
// TopFilter carry what they need across piece edges, so the wire is the same however the text
// is cut.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mailsuite::pop3d {

// The body of a multi-line response (RFC 1939 3), fed in pieces: a line that begins with "."
// gets one more "." in front, every line ends with CRLF (a bare LF becomes CRLF, a last line
// without a line end gets one), and Finish adds the terminating ".\r\n". For text that already
// uses CRLF line ends (everything the store receives by SMTP), the octets before stuffing are
// exactly the text, so the size LIST announces is the size RETR sends.
class DotStuffer {
 public:
  // Appends the wire form of `piece`, the next octets of the text, to `out`.
  void Append(std::string_view piece, std::string& out);
  // Ends the text: a line end for an unterminated last line, then ".\r\n".
  void Finish(std::string& out);

 private:
  bool line_start_ = true;
  bool cr_held_ = false;  // the last piece ended in CR: CRLF or a bare CR, the next one says
};

// The whole text in one go: DotStuffer Append + Finish.
void AppendMultiline(std::string& out, std::string_view text);

// TOP (RFC 1939 7): the header, the blank line after it, and the first `body_lines` lines of the
// body (the whole body when it has fewer). A message without a blank line is all header: it is
// sent whole, with a blank line added so the client still sees where the header ends.
// Fed the message in pieces, Take says how much of each piece TOP sends; once done(), the rest
// of the message is not needed.
class TopFilter {
 public:
  explicit TopFilter(uint32_t body_lines) : body_lines_(body_lines) {}
  // The leading part of `piece` (the next octets of the message) that TOP sends.
  std::string_view Take(std::string_view piece);
  bool done() const { return done_; }
  // After the last piece: what TOP adds to a message that is all header, else "".
  std::string Finish() const;

 private:
  uint32_t body_lines_;
  bool in_header_ = true;
  bool done_ = false;
  uint64_t line_length_ = 0;  // octets of the current line so far
  bool line_is_cr_ = false;   // ... and they are exactly "\r"
  uint64_t total_ = 0;        // octets taken
  char last_ = '\0';          // the last octet taken
};

// The whole message in one go.
std::string TopText(std::string_view message, uint32_t body_lines);

}  // namespace mailsuite::pop3d
