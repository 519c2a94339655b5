// Reading a DATA body (RFC 5321 4.1.1.4, 4.5.2): lines up to the end marker CRLF "." CRLF,
// dot-unstuffed, with CRLF line ends. SMTP smuggling defence (CVE-2023-51764 class): only a "."
// line that ends in CRLF AND follows a CRLF ends the message; "\n.\r\n", "\r\n.\n" and bare CR
// never do. A bare CR or LF is recorded (the caller rejects the message) or, when normalizing,
// turned into CRLF. Size and line limits are recorded, never buffered past: the body is read to
// its end either way so the session stays in step with the client.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "shared/net/line_connection.h"

namespace mailsuite::mta {

struct DataResult {
  net::ReadStatus status = net::ReadStatus::kOk;  // kOk only when the end marker was read
  std::string content;                            // empty when too_big
  bool too_big = false;                           // more than max_size octets
  bool bare_line_end = false;                     // a bare CR or LF was seen
  bool line_too_long = false;                     // a line over the connection's limit
};

// The body of one DATA command, fed one line at a time as the connection's ReadLine returns
// them (kOk or kTooLong), so a session can wait for the next line without holding a thread.
// Pure: no I/O.
class DataBody {
 public:
  DataBody(int64_t max_size, bool normalize_bare)
      : max_size_(max_size), normalize_bare_(normalize_bare) {}
  // True once `line` was the end marker: result() is then the whole body.
  bool AddLine(net::ReadStatus status, std::string_view line, net::LineEnd end);
  DataResult& result() { return result_; }

 private:
  int64_t max_size_;
  bool normalize_bare_;
  bool after_crlf_ = true;  // the DATA command line itself ended the previous line
  DataResult result_;
};

// Reads a whole body from `conn`, waiting for the client as long as it takes (the connection's
// idle timeout bounds each wait).
DataResult ReadDataBody(net::LineConnection& conn, int64_t max_size, bool normalize_bare);

}  // namespace mailsuite::mta
