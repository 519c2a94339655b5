// What a STORE-style change does to a message's flags: the store applies it, and imapd compares
// its result with the store's answer to see changes another session made meanwhile.
#pragma once

#include "store/types.h"

namespace mailsuite::store {

// `current` after `op` with `change` (keywords stay sorted and unique).
Flags ApplyFlags(const Flags& current, FlagOperation op, const Flags& change);

// Whether `keyword` may be stored as an IMAP keyword (an atom of at most 255 octets).
bool IsValidKeyword(const std::string& keyword);

}  // namespace mailsuite::store
