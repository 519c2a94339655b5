// LIST/LSUB pattern matching (RFC 3501 6.3.8): "*" matches any characters, "%" any but the
// hierarchy delimiter "/". The "INBOX" part of a name matches case-insensitively (RFC 3501
// 5.1). Pure; O(pattern x name) time with no recursion, so hostile patterns stay cheap.
#pragma once

#include <string_view>

namespace mailsuite::imapd {

bool MatchMailboxPattern(std::string_view pattern, std::string_view name);

}  // namespace mailsuite::imapd
