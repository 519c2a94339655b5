// Messages of the SQLite store: delivery, APPEND, flags and MODSEQ, COPY/MOVE, EXPUNGE and its
// log. Content is shared: triggers on `messages` keep contents.refcount and delete a body when
// its last reference goes.
#include <algorithm>

#include "message_metadata.h"
#include "names.h"
#include "sqlite_store.h"

namespace mailsuite::store {
namespace {}  // namespace

MessageInfo ReadMessage(const Stmt& stmt) {
  MessageInfo m;
  m.mailbox_id = stmt.Int(0);
  m.uid = static_cast<uint32_t>(stmt.Int(1));
  m.content_id = stmt.Int(2);
  m.size = stmt.Int(3);
  m.internal_date = stmt.Int(4);
  m.modseq = static_cast<uint64_t>(stmt.Int(5));
  m.flags.system = static_cast<uint32_t>(stmt.Int(6));
  m.flags.keywords = DecodeKeywords(stmt.TextView(7));  // no copy: most rows have none
  m.header_prefix_size = static_cast<uint32_t>(stmt.Int(8));
  return m;
}

namespace {

std::optional<MessageInfo> LoadMessage(Connection& conn, MailboxId mailbox, uint32_t uid) {
  static const std::string sql =
      std::string(kSelectMessage) + "WHERE m.mailbox_id = ? AND m.uid = ?";
  Stmt stmt(conn, sql.c_str(), mailbox, uid);
  if (!stmt.Step()) return std::nullopt;
  return ReadMessage(stmt);
}

std::vector<uint32_t> SortedUnique(std::vector<uint32_t> uids) {
  std::sort(uids.begin(), uids.end());
  uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
  return uids;
}

// The next MODSEQ of a mailbox (not yet recorded), or 0 when it does not exist.
uint64_t NextModseq(Connection& conn, MailboxId mailbox) {
  int64_t highest =
      QueryInt(conn, "SELECT highest_modseq FROM mailboxes WHERE id = ?", -1, mailbox);
  return highest < 0 ? 0 : static_cast<uint64_t>(highest) + 1;
}

void SetHighestModseq(Connection& conn, MailboxId mailbox, uint64_t modseq) {
  Execute(conn, "UPDATE mailboxes SET highest_modseq = max(highest_modseq, ?) WHERE id = ?",
          static_cast<int64_t>(modseq), mailbox);
}

Status MissingMailbox(MailboxId id) {
  return Status::Error("mailbox " + std::to_string(id) + " does not exist");
}

Status CopyRows(Connection& conn, MailboxId from, const std::vector<uint32_t>& uids, MailboxId to,
                CopyResult& result) {
  result = CopyResult{};
  int64_t validity = QueryInt(conn, "SELECT uid_validity FROM mailboxes WHERE id = ?", -1, to);
  if (validity < 0) return MissingMailbox(to);
  if (NextModseq(conn, from) == 0) return MissingMailbox(from);
  result.destination_uid_validity = static_cast<uint32_t>(validity);
  for (uint32_t uid : SortedUnique(uids)) {
    std::optional<MessageInfo> m = LoadMessage(conn, from, uid);
    if (!m) continue;
    Stmt prefix(conn, "SELECT header_prefix FROM messages WHERE mailbox_id = ? AND uid = ?", from,
                uid);
    std::string header_prefix = prefix.Step() ? prefix.BlobValue(0) : std::string();
    uint32_t new_uid =
        InsertMessage(conn, to, m->content_id, m->internal_date, m->flags, header_prefix);
    result.uids.emplace_back(uid, new_uid);
  }
  return Status::Ok();
}

std::vector<uint32_t> ExpungeRows(Connection& conn, MailboxId mailbox,
                                  const std::vector<uint32_t>& uids, bool only_deleted) {
  std::vector<uint32_t> expunged;
  uint64_t modseq = NextModseq(conn, mailbox);
  if (modseq == 0) return expunged;
  for (uint32_t uid : SortedUnique(uids)) {
    int64_t flags = QueryInt(conn, "SELECT flags FROM messages WHERE mailbox_id = ? AND uid = ?",
                             -1, mailbox, uid);
    if (flags < 0 || (only_deleted && !(flags & kFlagDeleted))) continue;
    Execute(conn, "DELETE FROM messages WHERE mailbox_id = ? AND uid = ?", mailbox, uid);
    Execute(conn, "INSERT OR REPLACE INTO expunged (mailbox_id, uid, modseq) VALUES (?, ?, ?)",
            mailbox, uid, static_cast<int64_t>(modseq));
    expunged.push_back(uid);
  }
  if (!expunged.empty()) {
    SetHighestModseq(conn, mailbox, modseq);
    if (QueryInt(conn, "SELECT expunged_count FROM mailboxes WHERE id = ?", 0, mailbox) >
        static_cast<int64_t>(2 * Store::kExpungeLogKeep))
      PruneExpunged(conn, mailbox, Store::kExpungeLogKeep);
  }
  return expunged;
}

}  // namespace

int64_t InsertContent(Connection& conn, const std::string& content, const std::string& metadata) {
  std::string hash = ContentHash(content);
  int64_t id = QueryInt(conn, "SELECT id FROM contents WHERE hash = ?", 0, Blob{hash});
  if (id != 0) return id;
  Execute(conn, "INSERT INTO contents (hash, size, data, metadata) VALUES (?, ?, ?, ?)", Blob{hash},
          static_cast<int64_t>(content.size()), Blob{content}, Blob{metadata});
  return sqlite3_last_insert_rowid(conn.handle());
}

uint32_t InsertMessage(Connection& conn, MailboxId mailbox, int64_t content_id,
                       int64_t internal_date, const Flags& flags,
                       const std::string& header_prefix) {
  int64_t uid = 0, modseq = 0;
  {
    Stmt stmt(conn, "SELECT uid_next, highest_modseq FROM mailboxes WHERE id = ?", mailbox);
    if (!stmt.Step()) return 0;
    uid = stmt.Int(0);
    modseq = stmt.Int(1) + 1;
  }
  if (uid > 0xffffffffLL) throw SqlError(SQLITE_RANGE, "mailbox has used up its UIDs");
  Execute(conn,
          "INSERT INTO messages (mailbox_id, uid, content_id, internal_date, modseq, flags, "
          "keywords, header_prefix, size) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, length(?8) + "
          "(SELECT size FROM contents WHERE id = ?3))",
          mailbox, uid, content_id, internal_date, modseq, flags.system & kAllSystemFlags,
          EncodeKeywords(flags.keywords), Blob{header_prefix});
  Execute(conn, "UPDATE mailboxes SET uid_next = ?, highest_modseq = ? WHERE id = ?", uid + 1,
          modseq, mailbox);
  return static_cast<uint32_t>(uid);
}

Result<std::vector<uint32_t>> SqliteStore::Deliver(const std::vector<DeliveryTarget>& targets,
                                                   const std::string& content,
                                                   int64_t internal_date,
                                                   const std::string& metadata) {
  if (targets.empty()) return Status::Error("no mailbox to deliver to");
  std::vector<uint32_t> uids;
  const std::string meta = MessageMetadata(content, metadata);
  Status s = db_->Write([&](Connection& conn) {
    uids.clear();
    int64_t content_id = InsertContent(conn, content, meta);
    for (const DeliveryTarget& target : targets) {
      uint32_t uid = InsertMessage(conn, target.mailbox, content_id, internal_date, target.flags,
                                   target.header_prefix);
      if (uid == 0) return MissingMailbox(target.mailbox);
      uids.push_back(uid);
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return uids;
}

Result<uint32_t> SqliteStore::Append(MailboxId mailbox, const std::string& content,
                                     const Flags& flags, int64_t internal_date,
                                     const std::string& metadata) {
  if (Status k = ValidateKeywords(flags.keywords); !k.ok()) return k;
  uint32_t uid = 0;
  const std::string meta = MessageMetadata(content, metadata);
  Status s = db_->Write([&](Connection& conn) {
    int64_t content_id = InsertContent(conn, content, meta);
    uid = InsertMessage(conn, mailbox, content_id, internal_date, flags, "");
    return uid == 0 ? MissingMailbox(mailbox) : Status::Ok();
  });
  if (!s.ok()) return s;
  return uid;
}

Result<std::vector<MessageInfo>> SqliteStore::ListMessages(MailboxId mailbox) {
  std::vector<MessageInfo> out;
  Status s = db_->Read([&](Connection& conn) {
    ListAllMessages(conn, mailbox, out);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<MessageInfo>> SqliteStore::ChangedSince(MailboxId mailbox, uint64_t modseq) {
  std::vector<MessageInfo> out;
  Status s = db_->Read([&](Connection& conn) {
    out.clear();
    ListChangedMessages(conn, mailbox, modseq, out);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::optional<MessageInfo>> SqliteStore::GetMessage(MailboxId mailbox, uint32_t uid) {
  std::optional<MessageInfo> out;
  Status s = db_->Read([&](Connection& conn) {
    out = LoadMessage(conn, mailbox, uid);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::string> SqliteStore::ReadContent(MailboxId mailbox, uint32_t uid) {
  std::string out;
  Status s = db_->Read([&](Connection& conn) {
    Stmt stmt(conn,
              "SELECT m.header_prefix, c.data FROM messages m "
              "JOIN contents c ON c.id = m.content_id WHERE m.mailbox_id = ? AND m.uid = ?",
              mailbox, uid);
    if (!stmt.Step()) return Status::Error("message " + std::to_string(uid) + " does not exist");
    out = stmt.BlobValue(0) + stmt.BlobValue(1);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::string> SqliteStore::ReadMetadata(MailboxId mailbox, uint32_t uid) {
  std::string out;
  Status s = db_->Read([&](Connection& conn) {
    Stmt stmt(conn,
              "SELECT c.metadata FROM messages m JOIN contents c ON c.id = m.content_id "
              "WHERE m.mailbox_id = ? AND m.uid = ?",
              mailbox, uid);
    if (!stmt.Step()) return Status::Error("message " + std::to_string(uid) + " does not exist");
    out = stmt.BlobValue(0);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<FlagUpdate> SqliteStore::UpdateFlags(MailboxId mailbox, const std::vector<uint32_t>& uids,
                                            FlagOperation op, const Flags& flags,
                                            uint64_t unchanged_since) {
  if (Status k = ValidateKeywords(flags.keywords); !k.ok()) return k;
  FlagUpdate result;
  Status s = db_->Write([&](Connection& conn) {
    result = FlagUpdate{};
    uint64_t modseq = NextModseq(conn, mailbox);
    if (modseq == 0) return MissingMailbox(mailbox);
    bool changed_any = false;
    for (uint32_t uid : SortedUnique(uids)) {
      std::optional<MessageInfo> m = LoadMessage(conn, mailbox, uid);
      if (!m) continue;
      if (unchanged_since > 0 && m->modseq > unchanged_since) {
        result.modified_since.push_back(uid);
        continue;
      }
      Flags next = ApplyFlags(m->flags, op, flags);
      if (!(next == m->flags)) {
        Execute(conn,
                "UPDATE messages SET flags = ?, keywords = ?, modseq = ? "
                "WHERE mailbox_id = ? AND uid = ?",
                next.system, EncodeKeywords(next.keywords), static_cast<int64_t>(modseq), mailbox,
                uid);
        m->flags = next;
        m->modseq = modseq;
        changed_any = true;
      }
      result.updated.push_back(*m);
    }
    if (changed_any) SetHighestModseq(conn, mailbox, modseq);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return result;
}

Result<CopyResult> SqliteStore::Copy(MailboxId from, const std::vector<uint32_t>& uids,
                                     MailboxId to) {
  CopyResult result;
  Status s = db_->Write([&](Connection& conn) { return CopyRows(conn, from, uids, to, result); });
  if (!s.ok()) return s;
  return result;
}

Result<CopyResult> SqliteStore::Move(MailboxId from, const std::vector<uint32_t>& uids,
                                     MailboxId to) {
  CopyResult result;
  Status s = db_->Write([&](Connection& conn) {
    Status copied = CopyRows(conn, from, uids, to, result);
    if (!copied.ok()) return copied;
    std::vector<uint32_t> moved;
    for (const auto& [src, dst] : result.uids) moved.push_back(src);
    ExpungeRows(conn, from, moved, false);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return result;
}

Result<std::vector<uint32_t>> SqliteStore::Expunge(MailboxId mailbox,
                                                   const std::vector<uint32_t>& uids,
                                                   bool only_deleted) {
  std::vector<uint32_t> out;
  Status s = db_->Write([&](Connection& conn) {
    if (NextModseq(conn, mailbox) == 0) return MissingMailbox(mailbox);
    out = ExpungeRows(conn, mailbox, uids, only_deleted);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<uint32_t>> SqliteStore::ExpungedSince(MailboxId mailbox, uint64_t modseq) {
  std::vector<uint32_t> out;
  Status s = db_->Read([&](Connection& conn) {
    out.clear();
    Stmt stmt(conn, "SELECT uid FROM expunged WHERE mailbox_id = ? AND modseq > ? ORDER BY uid",
              mailbox, static_cast<int64_t>(modseq));
    while (stmt.Step()) out.push_back(static_cast<uint32_t>(stmt.Int(0)));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<uint64_t> SqliteStore::LowestExpungeModseq(MailboxId mailbox,
                                                  const std::vector<uint32_t>& uids) {
  uint64_t lowest = 0;
  Status s = db_->Read([&](Connection& conn) {
    lowest = 0;
    // One primary-key lookup per UID: the list is the few messages a session holds back.
    for (uint32_t uid : uids) {
      int64_t m = QueryInt(conn, "SELECT modseq FROM expunged WHERE mailbox_id = ? AND uid = ?", 0,
                           mailbox, uid);
      if (m > 0 && (lowest == 0 || static_cast<uint64_t>(m) < lowest))
        lowest = static_cast<uint64_t>(m);
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return lowest;
}

}  // namespace mailsuite::store
