// How message text goes on the wire in RETR and TOP (RFC 1939 3, 7, 8): dot-stuffing, CRLF line
// ends, the ".\r\n" terminator, and the part of a message TOP sends. Pure functions over
// strings: no I/O, no store.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mailsuite::pop3d {

// Appends `text` as the body of a multi-line response (RFC 1939 3): a line that begins with "."
// gets one more "." in front, every line ends with CRLF (a bare LF becomes CRLF, a last line
// without a line end gets one), then the terminating ".\r\n". For text that already uses CRLF
// line ends (everything the store receives by SMTP), the octets before stuffing are exactly
// `text`, so the size LIST announces is the size RETR sends.
void AppendMultiline(std::string& out, std::string_view text);

// TOP (RFC 1939 7): the header, the blank line after it, and the first `body_lines` lines of
// the body (the whole body when it has fewer). A message without a blank line is all header: it
// is returned whole, with a blank line added so the client still sees where the header ends.
std::string TopText(std::string_view message, uint32_t body_lines);

}  // namespace mailsuite::pop3d
