// Bringing a copy of a mailbox's message list forward by Store::ChangesSince's answer: used by
// imapd's in-memory MailboxCache and by the SQLite backend's stored list snapshots alike.
#pragma once

#include <vector>

#include "store/types.h"

namespace mailsuite::store {

// `base` (ascending UID) brought forward by complete `changes` (changed rows and expunged UIDs
// since base's MODSEQ): expunged rows dropped, changed rows replaced, new rows appended.
std::vector<MessageInfo> ApplyChanges(const std::vector<MessageInfo>& base,
                                      const MailboxChanges& changes);

}  // namespace mailsuite::store
