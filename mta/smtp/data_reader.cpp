#include "data_reader.h"

namespace mailsuite::mta {

bool DataBody::AddLine(net::ReadStatus status, std::string_view line, net::LineEnd end) {
  DataResult& r = result_;
  const bool crlf = end == net::LineEnd::kCrlf;
  if (status == net::ReadStatus::kTooLong) {
    r.line_too_long = true;
    after_crlf_ = crlf;
    return false;
  }
  if (crlf && after_crlf_ && line == ".") return true;
  after_crlf_ = crlf;

  const bool bare_cr = line.find('\r') != std::string_view::npos;
  if (!crlf || bare_cr) r.bare_line_end = true;
  if (r.too_big) return false;
  // RFC 5321 4.5.2: a leading dot was doubled by the client; remove one.
  std::string_view text(line);
  if (!text.empty() && text.front() == '.') text.remove_prefix(1);
  if (normalize_bare_ && bare_cr) {
    for (char c : text) {
      if (c == '\r')
        r.content += "\r\n";
      else
        r.content += c;
    }
  } else {
    r.content.append(text);
  }
  r.content += "\r\n";
  if (static_cast<int64_t>(r.content.size()) > max_size_) {
    r.too_big = true;
    std::string().swap(r.content);
  }
  return false;
}

DataResult ReadDataBody(net::LineConnection& conn, int64_t max_size, bool normalize_bare) {
  DataBody body(max_size, normalize_bare);
  std::string line;
  for (;;) {
    net::LineEnd end = net::LineEnd::kCrlf;
    net::ReadStatus s = conn.ReadLine(line, &end);
    if (s != net::ReadStatus::kOk && s != net::ReadStatus::kTooLong) {
      DataResult lost;
      lost.status = s;
      return lost;
    }
    if (body.AddLine(s, line, end)) return std::move(body.result());
  }
}

}  // namespace mailsuite::mta
