#include "command_parser.h"

namespace mailsuite::pop3d {

CommandLine SplitCommand(std::string_view line) {
  CommandLine out;
  size_t sp = line.find(' ');
  std::string_view keyword = line.substr(0, sp);
  if (sp != std::string_view::npos) out.argument = std::string(line.substr(sp + 1));
  if (keyword.empty() || keyword.size() > kMaxKeywordLength) return out;
  for (char c : keyword) {
    bool lower = c >= 'a' && c <= 'z';
    bool upper = c >= 'A' && c <= 'Z';
    if (!lower && !upper) {
      out.keyword.clear();
      return out;
    }
    out.keyword += lower ? static_cast<char>(c - 'a' + 'A') : c;
  }
  return out;
}

std::optional<std::vector<std::string_view>> SplitArguments(std::string_view argument, size_t min,
                                                            size_t max) {
  std::vector<std::string_view> out;
  if (!argument.empty()) {
    size_t pos = 0;
    for (;;) {
      size_t sp = argument.find(' ', pos);
      std::string_view arg = argument.substr(pos, sp == std::string_view::npos ? sp : sp - pos);
      if (arg.empty() || arg.size() > kMaxArgumentLength || out.size() == max) return std::nullopt;
      out.push_back(arg);
      if (sp == std::string_view::npos) break;
      pos = sp + 1;
    }
  }
  if (out.size() < min) return std::nullopt;
  return out;
}

std::optional<uint32_t> ParseNumber(std::string_view text) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  uint32_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  return value;
}

}  // namespace mailsuite::pop3d
