#include "data_reader.h"

namespace mailsuite::mta {

DataResult ReadDataBody(net::LineConnection& conn, int64_t max_size, bool normalize_bare) {
  DataResult r;
  std::string line;
  bool after_crlf = true;  // the DATA command line itself ended the previous line
  for (;;) {
    net::LineEnd end = net::LineEnd::kCrlf;
    net::ReadStatus s = conn.ReadLine(line, &end);
    if (s == net::ReadStatus::kTooLong) {
      r.line_too_long = true;
      after_crlf = end == net::LineEnd::kCrlf;
      continue;
    }
    if (s != net::ReadStatus::kOk) {
      r.status = s;
      r.content.clear();
      return r;
    }
    bool crlf = end == net::LineEnd::kCrlf;
    if (crlf && after_crlf && line == ".") return r;
    after_crlf = crlf;

    bool bare_cr = line.find('\r') != std::string::npos;
    if (!crlf || bare_cr) r.bare_line_end = true;
    if (r.too_big) continue;
    // RFC 5321 4.5.2: a leading dot was doubled by the client; remove one.
    std::string_view text(line);
    if (!text.empty() && text.front() == '.') text.remove_prefix(1);
    if (normalize_bare && bare_cr) {
      for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r')
          r.content += "\r\n";
        else
          r.content += text[i];
      }
    } else {
      r.content.append(text);
    }
    r.content += "\r\n";
    if (static_cast<int64_t>(r.content.size()) > max_size) {
      r.too_big = true;
      r.content.clear();
      r.content.shrink_to_fit();
    }
  }
}

}  // namespace mailsuite::mta
