#include "message_text.h"

namespace mailsuite::pop3d {
namespace {

// The end of the line starting at `pos`: the offset just past its LF, or text.size().
size_t LineEnd(std::string_view text, size_t pos) {
  size_t lf = text.find('\n', pos);
  return lf == std::string_view::npos ? text.size() : lf + 1;
}

bool IsBlankLine(std::string_view line) { return line == "\n" || line == "\r\n"; }

}  // namespace

void AppendMultiline(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size() + text.size() / 64 + 5);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = LineEnd(text, pos);
    if (text[pos] == '.') out += '.';
    std::string_view line = text.substr(pos, end - pos);
    if (line.size() >= 2 && line.substr(line.size() - 2) == "\r\n") {
      out.append(line);
    } else {
      if (line.back() == '\n') line.remove_suffix(1);
      out.append(line);
      out += "\r\n";
    }
    pos = end;
  }
  out += ".\r\n";
}

std::string TopText(std::string_view message, uint32_t body_lines) {
  size_t pos = 0;
  while (pos < message.size()) {
    size_t end = LineEnd(message, pos);
    bool blank = IsBlankLine(message.substr(pos, end - pos));
    pos = end;
    if (blank) break;
    if (pos == message.size()) {  // no blank line: the message is all header
      std::string all(message);
      if (all.back() != '\n') all += "\r\n";
      return all + "\r\n";
    }
  }
  for (uint32_t n = 0; n < body_lines && pos < message.size(); ++n) pos = LineEnd(message, pos);
  return std::string(message.substr(0, pos));
}

}  // namespace mailsuite::pop3d
