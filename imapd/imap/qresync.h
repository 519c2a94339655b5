// QRESYNC (RFC 7162 3.2) replies that need the store: "* VANISHED (EARLIER) uids" for UID
// FETCH … (CHANGEDSINCE n VANISHED) (3.2.6) and the resynchronisation part of SELECT/EXAMINE
// … (QRESYNC (…)) (3.2.5.1). Reads the store, writes nothing.
#pragma once

#include <string>

#include "condstore.h"
#include "mailbox_view.h"
#include "shared/result.h"
#include "store/store.h"

namespace mailsuite::imapd {

// "* VANISHED (EARLIER) set\r\n" for the UIDs expunged with a MODSEQ above `modseq` that are in
// `uids` (all when null), or "" when there are none. UIDs the view still holds are left out:
// the client learns of those through a later VANISHED, when they leave the view.
Result<std::string> VanishedEarlier(store::Store& store, const MailboxView& view, uint64_t modseq,
                                    const SequenceSet* uids);

// After SELECT/EXAMINE with QRESYNC: the VANISHED (EARLIER) line and "* n FETCH (UID FLAGS
// MODSEQ)" for every message changed since params.modseq (restricted to the known UIDs); ""
// when the UIDVALIDITY does not match (the client then starts over).
Result<std::string> ResyncReplies(store::Store& store, const MailboxView& view,
                                  const QresyncParams& params);

}  // namespace mailsuite::imapd
