// Stored list snapshots: the message list of a large mailbox as of one HIGHESTMODSEQ, kept in
// one blob (mailbox_snapshots), so that listing the whole mailbox (the first SELECT after
// imapd starts) reads one compact row plus the changes since (messages_modseq, expunged),
// instead of a row per message. Dovecot's index file plays the same part. It is a cache: a
// missing, stale (expunge log pruned past it), renamed-away or unreadable snapshot is ignored
// and the rows are read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sqlite_db.h"
#include "store/types.h"

namespace mailsuite::store {

// Mailboxes smaller than this are listed from their rows (cheap) and get no snapshot.
inline constexpr uint32_t kSnapshotMinMessages = 2000;

// Pure codec: varints per message (UID delta, content, size, prefix size, date, MODSEQ, system
// flags, keyword indices into a table at the front). nullopt for anything malformed.
std::string EncodeListSnapshot(const std::vector<MessageInfo>& messages);
std::optional<std::vector<MessageInfo>> DecodeListSnapshot(std::string_view data,
                                                           MailboxId mailbox);

// Inside a read: the whole list of `box` through its snapshot and the changes since, or nullopt
// when there is no usable snapshot. `*catch_up` gets the number of changes applied.
std::optional<std::vector<MessageInfo>> ListFromSnapshot(Connection& conn, const Mailbox& box,
                                                         size_t* catch_up);
// Inside a write: keeps `data` (EncodeListSnapshot of the list read with `box`, encoded before
// the write so the lock is not held for it) as the list of `box` at its HIGHESTMODSEQ.
void SaveListSnapshot(Connection& conn, const Mailbox& box, const std::string& data);

}  // namespace mailsuite::store
