#include "message_text.h"

namespace mailsuite::pop3d {

void DotStuffer::Append(std::string_view piece, std::string& out) {
  size_t pos = 0;
  while (pos < piece.size()) {
    if (cr_held_) {
      cr_held_ = false;
      if (piece[pos] == '\n') {  // the CR the last piece ended with was half of a CRLF
        out += "\r\n";
        line_start_ = true;
        ++pos;
        continue;
      }
      out += '\r';  // a bare CR inside a line stays
    }
    if (line_start_ && piece[pos] == '.') out += '.';
    line_start_ = false;
    size_t lf = piece.find('\n', pos);
    std::string_view line =
        piece.substr(pos, lf == std::string_view::npos ? std::string_view::npos : lf - pos);
    bool ends_in_cr = !line.empty() && line.back() == '\r';
    if (ends_in_cr) line.remove_suffix(1);
    out.append(line);
    if (lf == std::string_view::npos) {
      cr_held_ = ends_in_cr;  // whether it starts a CRLF is in the next piece
      break;
    }
    out += "\r\n";  // CRLF, or a bare LF made CRLF
    line_start_ = true;
    pos = lf + 1;
  }
}

void DotStuffer::Finish(std::string& out) {
  if (cr_held_) out += '\r';
  cr_held_ = false;
  if (!line_start_) out += "\r\n";
  out += ".\r\n";
  line_start_ = true;
}

void AppendMultiline(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size() + text.size() / 64 + 5);
  DotStuffer stuffer;
  stuffer.Append(text, out);
  stuffer.Finish(out);
}

std::string_view TopFilter::Take(std::string_view piece) {
  size_t pos = 0;
  while (!done_ && pos < piece.size()) {
    char c = piece[pos++];
    if (c != '\n') {
      line_is_cr_ = line_length_ == 0 && c == '\r';
      ++line_length_;
      continue;
    }
    bool blank = line_length_ == 0 || line_is_cr_;  // "\n" or "\r\n"
    line_length_ = 0;
    line_is_cr_ = false;
    if (in_header_) {
      if (blank) {
        in_header_ = false;
        done_ = body_lines_ == 0;
      }
    } else if (--body_lines_ == 0) {
      done_ = true;
    }
  }
  total_ += pos;
  if (pos > 0) last_ = piece[pos - 1];
  return piece.substr(0, pos);
}

std::string TopFilter::Finish() const {
  if (!in_header_ || total_ == 0) return "";
  return last_ == '\n' ? "\r\n" : "\r\n\r\n";
}

std::string TopText(std::string_view message, uint32_t body_lines) {
  TopFilter filter(body_lines);
  std::string out(filter.Take(message));
  return out + filter.Finish();
}

}  // namespace mailsuite::pop3d
