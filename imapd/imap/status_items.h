// The STATUS data items (RFC 3501 6.3.10; SIZE of RFC 8438; APPENDLIMIT of RFC 7889;
// DELETED-STORAGE of RFC 9208) and the "* STATUS" line they produce. Shared by STATUS and
// LIST-STATUS (RFC 5819: LIST … RETURN (STATUS (…))), so both answer with the same values. RECENT
// counts the messages no session has claimed as \Recent yet (RFC 3501 2.3.2), the one item that may
// cost a store read.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "parser/command_parser.h"
#include "shared/result.h"
#include "store/types.h"

namespace mailsuite::imapd {

class ImapSession;

// The upper-cased item names of a "(MESSAGES UNSEEN …)" list; nullopt and `error` for an
// empty list or an item that is not an atom or not known.
std::optional<std::vector<std::string>> ParseStatusItems(const Arg& list, std::string& error);

// "STATUS name (MESSAGES 3 UNSEEN 1)" without the "* "; the name as the session spells names.
Result<std::string> StatusResponse(ImapSession& s, const store::Mailbox& mailbox,
                                   const std::vector<std::string>& items);

}  // namespace mailsuite::imapd
