#include "mailbox_pattern.h"

#include <algorithm>
#include <vector>

#include "format.h"

namespace mailsuite::imapd {

bool MatchMailboxPattern(std::string_view pattern, std::string_view name) {
  bool inbox =
      name.size() >= 5 && name.substr(0, 5) == "INBOX" && (name.size() == 5 || name[5] == '/');
  auto same = [&](size_t pi, size_t ni) {
    if (inbox && ni < 5) return EqualsNoCase(pattern.substr(pi, 1), name.substr(ni, 1));
    return pattern[pi] == name[ni];
  };
  // can[j]: pattern[0..i) matches name[0..j).
  std::vector<char> can(name.size() + 1, 0), next(name.size() + 1, 0);
  can[0] = 1;
  for (size_t i = 0; i < pattern.size(); ++i) {
    std::fill(next.begin(), next.end(), 0);
    char p = pattern[i];
    for (size_t j = 0; j <= name.size(); ++j) {
      if (p == '*' || p == '%') {
        // Extend the previous match over any run (no "/" for "%").
        bool ok = can[j];
        if (!ok && j > 0 && next[j - 1] && (p == '*' || name[j - 1] != '/')) ok = true;
        next[j] = ok;
      } else if (j > 0 && can[j - 1] && same(i, j - 1)) {
        next[j] = 1;
      }
    }
    can.swap(next);
  }
  return can[name.size()];
}

}  // namespace mailsuite::imapd
