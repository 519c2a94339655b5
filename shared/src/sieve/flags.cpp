#include "flags.h"

#include <Poco/String.h>

#include <algorithm>

namespace mailsuite::sieve {
namespace {

bool Contains(const std::vector<std::string>& flags, std::string_view flag) {
  return std::any_of(flags.begin(), flags.end(), [&](const std::string& f) {
    return Poco::icompare(f, std::string(flag)) == 0;
  });
}

// ATOM-CHAR (RFC 3501 9): any CHAR but atom-specials ("(" ")" "{" SP CTL "%" "*" DQUOTE "\"
// "]").
bool IsAtomChar(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u >= 0x7f) return false;
  return std::string_view("(){%*\"\\]").find(c) == std::string_view::npos;
}

}  // namespace

bool IsValidFlag(std::string_view flag) {
  if (flag.empty()) return false;
  if (flag[0] == '\\') {
    // \Recent is the server's to set (RFC 3501 2.3.2), so a script cannot.
    static const char* const kSystemFlags[] = {"\\Seen", "\\Answered", "\\Flagged", "\\Deleted",
                                               "\\Draft"};
    return std::any_of(std::begin(kSystemFlags), std::end(kSystemFlags),
                       [&](const char* f) { return Poco::icompare(std::string(flag), f) == 0; });
  }
  return std::all_of(flag.begin(), flag.end(), IsAtomChar);
}

std::vector<std::string> FlagList(const std::vector<std::string>& texts) {
  std::vector<std::string> flags;
  for (const std::string& text : texts) {
    size_t at = 0;
    while (at < text.size()) {
      size_t end = text.find(' ', at);
      if (end == std::string::npos) end = text.size();
      std::string_view flag = std::string_view(text).substr(at, end - at);
      if (IsValidFlag(flag) && !Contains(flags, flag)) flags.emplace_back(flag);
      at = end + 1;
    }
  }
  return flags;
}

void AddFlags(std::vector<std::string>& flags, const std::vector<std::string>& more) {
  for (const std::string& flag : more)
    if (!Contains(flags, flag)) flags.push_back(flag);
}

void RemoveFlags(std::vector<std::string>& flags, const std::vector<std::string>& gone) {
  flags.erase(std::remove_if(flags.begin(), flags.end(),
                             [&](const std::string& f) { return Contains(gone, f); }),
              flags.end());
}

std::string JoinFlags(const std::vector<std::string>& flags) {
  return Poco::cat(std::string(" "), flags.begin(), flags.end());
}

}  // namespace mailsuite::sieve
