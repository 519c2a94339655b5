// Messages of the PostgreSQL store: delivery, APPEND, flags and MODSEQ, COPY/MOVE, EXPUNGE and
// its log (as store/sqlite/messages.cpp). Every write locks the rows of the mailboxes it
// changes first (LockMailboxes), so UIDs and MODSEQs of one mailbox are handed out in commit
// order across all nodes. Content is shared: triggers keep contents.refcount.
#include <algorithm>

#include "message_metadata.h"
#include "names.h"
#include "pg_store.h"

namespace mailsuite::store::postgres {

MessageInfo ReadMessage(const PgResult& r, int row) {
  MessageInfo m;
  m.mailbox_id = r.Int(row, 0);
  m.uid = static_cast<uint32_t>(r.Int(row, 1));
  m.content_id = r.Int(row, 2);
  m.size = r.Int(row, 3);
  m.internal_date = r.Int(row, 4);
  m.modseq = static_cast<uint64_t>(r.Int(row, 5));
  m.flags.system = static_cast<uint32_t>(r.Int(row, 6));
  m.flags.keywords = DecodeKeywords(r.View(row, 7));
  m.header_prefix_size = static_cast<uint32_t>(r.Int(row, 8));
  return m;
}

namespace {

std::vector<int64_t> SortedUnique(const std::vector<uint32_t>& uids) {
  std::vector<int64_t> out(uids.begin(), uids.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// The listed messages of a mailbox that exist, ascending UID.
std::vector<MessageInfo> LoadMessages(PgConn& conn, MailboxId mailbox,
                                      const std::vector<int64_t>& uids) {
  static const std::string sql = std::string(kSelectMessage) +
                                 "WHERE m.mailbox_id = $1 AND m.uid = ANY($2::bigint[]) "
                                 "ORDER BY m.uid";
  PgResult r = Query(conn, sql.c_str(), mailbox, IntArray{uids});
  std::vector<MessageInfo> out;
  out.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(ReadMessage(r, i));
  return out;
}

// The next MODSEQ of a locked mailbox (not yet recorded), or 0 when it does not exist.
uint64_t NextModseq(PgConn& conn, MailboxId mailbox) {
  int64_t highest =
      QueryInt(conn, "SELECT highest_modseq FROM mailboxes WHERE id = $1", -1, mailbox);
  return highest < 0 ? 0 : static_cast<uint64_t>(highest) + 1;
}

void SetHighestModseq(PgConn& conn, MailboxId mailbox, uint64_t modseq) {
  Execute(conn,
          "UPDATE mailboxes SET highest_modseq = greatest(highest_modseq, $1::bigint) "
          "WHERE id = $2",
          static_cast<int64_t>(modseq), mailbox);
}

Status MissingMailbox(MailboxId id) {
  return Status::Error("mailbox " + std::to_string(id) + " does not exist");
}

Status CopyRows(PgConn& conn, MailboxId from, const std::vector<uint32_t>& uids, MailboxId to,
                CopyResult& result) {
  result = CopyResult{};
  LockMailboxes(conn, {from, to});
  int64_t validity = QueryInt(conn, "SELECT uid_validity FROM mailboxes WHERE id = $1", -1, to);
  if (validity < 0) return MissingMailbox(to);
  if (NextModseq(conn, from) == 0) return MissingMailbox(from);
  result.destination_uid_validity = static_cast<uint32_t>(validity);
  PgResult r = Query(conn,
                     "SELECT uid, content_id, internal_date, flags, keywords, header_prefix "
                     "FROM messages WHERE mailbox_id = $1 AND uid = ANY($2::bigint[]) ORDER BY uid",
                     from, IntArray{SortedUnique(uids)});
  for (int i = 0; i < r.rows(); ++i) {
    Flags flags{static_cast<uint32_t>(r.Int(i, 3)), DecodeKeywords(r.View(i, 4))};
    uint32_t new_uid = InsertMessage(conn, to, r.Int(i, 1), r.Int(i, 2), flags, r.Text(i, 5));
    result.uids.emplace_back(static_cast<uint32_t>(r.Int(i, 0)), new_uid);
  }
  return Status::Ok();
}

// The mailbox is locked by the caller.
std::vector<uint32_t> ExpungeRows(PgConn& conn, MailboxId mailbox,
                                  const std::vector<uint32_t>& uids, bool only_deleted) {
  std::vector<uint32_t> expunged;
  uint64_t modseq = NextModseq(conn, mailbox);
  if (modseq == 0) return expunged;
  std::vector<int64_t> removed;
  {
    PgResult r = Query(conn,
                       "DELETE FROM messages WHERE mailbox_id = $1 AND uid = ANY($2::bigint[]) "
                       "AND (NOT $3::boolean OR (flags & 8) <> 0) RETURNING uid",
                       mailbox, IntArray{SortedUnique(uids)}, only_deleted);
    for (int i = 0; i < r.rows(); ++i) removed.push_back(r.Int(i, 0));
  }
  if (removed.empty()) return expunged;
  std::sort(removed.begin(), removed.end());
  Execute(conn,
          "INSERT INTO expunged (mailbox_id, uid, modseq) SELECT $1, u, $3 FROM "
          "unnest($2::bigint[]) AS u ON CONFLICT (mailbox_id, uid) DO UPDATE SET modseq = "
          "EXCLUDED.modseq",
          mailbox, IntArray{removed}, static_cast<int64_t>(modseq));
  SetHighestModseq(conn, mailbox, modseq);
  if (QueryInt(conn, "SELECT expunged_count FROM mailboxes WHERE id = $1", 0, mailbox) >
      static_cast<int64_t>(2 * Store::kExpungeLogKeep))
    PruneExpunged(conn, mailbox, Store::kExpungeLogKeep);
  for (int64_t uid : removed) expunged.push_back(static_cast<uint32_t>(uid));
  return expunged;
}

// Deliver and Accept: the body stored once, a row in each target mailbox (locked first), the
// UIDs in the order of `targets` into `uids`. Returns the stored body's id, or 0 when a target
// mailbox does not exist (`missing` says which).
int64_t InsertDeliveries(PgConn& conn, const std::vector<DeliveryTarget>& targets,
                         const std::string& content, const std::string& metadata,
                         int64_t internal_date, std::vector<uint32_t>& uids, MailboxId& missing) {
  uids.clear();
  std::vector<MailboxId> ids;
  for (const DeliveryTarget& t : targets) ids.push_back(t.mailbox);
  LockMailboxes(conn, ids);
  int64_t content_id = InsertContent(conn, content, metadata);
  for (const DeliveryTarget& target : targets) {
    uint32_t uid = InsertMessage(conn, target.mailbox, content_id, internal_date, target.flags,
                                 target.header_prefix);
    if (uid == 0) {
      missing = target.mailbox;
      return 0;
    }
    uids.push_back(uid);
  }
  return content_id;
}

}  // namespace

int64_t InsertContent(PgConn& conn, const std::string& content, const std::string& metadata) {
  const std::string hash = ContentHash(content);
  // The row lock keeps an existing body from being deleted (its last reference expunged by
  // another node) until this transaction's reference is in. It is the lock the reference's
  // refcount update takes anyway: a weaker one would deadlock with such an expunge.
  int64_t id =
      QueryInt(conn, "SELECT id FROM contents WHERE hash = $1 FOR NO KEY UPDATE", 0, Bytes{hash});
  if (id != 0) return id;
  // A concurrent insert of the same body makes this fail with a unique violation; the whole
  // write then runs again and finds the row above.
  return QueryInt(conn,
                  "INSERT INTO contents (hash, size, data, metadata) VALUES ($1, $2, $3, $4) "
                  "RETURNING id",
                  0, Bytes{hash}, static_cast<int64_t>(content.size()), Bytes{content},
                  Bytes{metadata});
}

uint32_t InsertMessage(PgConn& conn, MailboxId mailbox, int64_t content_id, int64_t internal_date,
                       const Flags& flags, const std::string& header_prefix) {
  PgResult next = Query(conn,
                        "UPDATE mailboxes SET uid_next = uid_next + 1, highest_modseq = "
                        "highest_modseq + 1 WHERE id = $1 RETURNING uid_next - 1, highest_modseq",
                        mailbox);
  if (next.rows() == 0) return 0;
  int64_t uid = next.Int(0, 0), modseq = next.Int(0, 1);
  if (uid > 0xffffffffLL) throw PgError("22003", "mailbox has used up its UIDs");
  Execute(conn,
          "INSERT INTO messages (mailbox_id, uid, content_id, internal_date, modseq, flags, "
          "keywords, header_prefix, size) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
          "octet_length($8::bytea) + (SELECT size FROM contents WHERE id = $3))",
          mailbox, uid, content_id, internal_date, modseq,
          static_cast<int64_t>(flags.system & kAllSystemFlags), EncodeKeywords(flags.keywords),
          Bytes{header_prefix});
  return static_cast<uint32_t>(uid);
}

Result<std::vector<uint32_t>> PgStore::Deliver(const std::vector<DeliveryTarget>& targets,
                                               const std::string& content, int64_t internal_date,
                                               const std::string& metadata) {
  if (targets.empty()) return Status::Error("no mailbox to deliver to");
  std::vector<uint32_t> uids;
  const std::string meta = MessageMetadata(content, metadata);
  Status s = db_->Write([&](PgConn& conn) {
    MailboxId missing = 0;
    if (InsertDeliveries(conn, targets, content, meta, internal_date, uids, missing) == 0)
      return MissingMailbox(missing);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return uids;
}

Result<AcceptResult> PgStore::Accept(const std::vector<DeliveryTarget>& targets,
                                     const NewQueueMessage* queue, const std::string& content,
                                     int64_t internal_date, const std::string& metadata,
                                     const std::vector<NewQueueMessage>& also_queue) {
  bool has_queue = queue != nullptr && !queue->recipients.empty();
  if (targets.empty() && !has_queue && also_queue.empty())
    return Status::Error("message has no recipients");
  AcceptResult out;
  const std::string meta = targets.empty() ? metadata : MessageMetadata(content, metadata);
  Status s = db_->Write([&](PgConn& conn) {
    out = AcceptResult{};
    for (const NewQueueMessage& extra : also_queue)
      InsertQueueMessage(conn, extra, InsertContent(conn, extra.content, ""));
    if (targets.empty() && !has_queue) return Status::Ok();  // only the extra messages
    MailboxId missing = 0;
    int64_t content_id =
        InsertDeliveries(conn, targets, content, meta, internal_date, out.uids, missing);
    if (content_id == 0) return MissingMailbox(missing);
    if (has_queue) out.queue_id = InsertQueueMessage(conn, *queue, content_id);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<uint32_t> PgStore::Append(MailboxId mailbox, const std::string& content, const Flags& flags,
                                 int64_t internal_date, const std::string& metadata) {
  if (Status k = ValidateKeywords(flags.keywords); !k.ok()) return k;
  uint32_t uid = 0;
  const std::string meta = MessageMetadata(content, metadata);
  Status s = db_->Write([&](PgConn& conn) {
    if (LockMailboxes(conn, {mailbox}) == 0) return MissingMailbox(mailbox);
    int64_t content_id = InsertContent(conn, content, meta);
    uid = InsertMessage(conn, mailbox, content_id, internal_date, flags, "");
    return uid == 0 ? MissingMailbox(mailbox) : Status::Ok();
  });
  if (!s.ok()) return s;
  return uid;
}

uint64_t PgStore::MaxContentSize() {
  // A bytea value is at most 1 GB; keep below it, as the SQLite backend's default is.
  return 1000000000;
}

Result<std::vector<MessageInfo>> PgStore::ListMessages(MailboxId mailbox) {
  std::vector<MessageInfo> out;
  Status s = db_->Read([&](PgConn& conn) {
    ListAllMessages(conn, mailbox, out);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<MessageInfo>> PgStore::ChangedSince(MailboxId mailbox, uint64_t modseq) {
  std::vector<MessageInfo> out;
  Status s = db_->Read([&](PgConn& conn) {
    ListChangedMessages(conn, mailbox, modseq, out);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::optional<MessageInfo>> PgStore::GetMessage(MailboxId mailbox, uint32_t uid) {
  std::optional<MessageInfo> out;
  Status s = db_->Read([&](PgConn& conn) {
    out.reset();
    std::vector<MessageInfo> found = LoadMessages(conn, mailbox, {uid});
    if (!found.empty()) out = std::move(found.front());
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::string> PgStore::ReadContent(MailboxId mailbox, uint32_t uid) {
  std::string out;
  Status s = db_->Read([&](PgConn& conn) {
    PgResult r = Query(conn,
                       "SELECT m.header_prefix, c.data FROM messages m JOIN contents c ON "
                       "c.id = m.content_id WHERE m.mailbox_id = $1 AND m.uid = $2",
                       mailbox, static_cast<int64_t>(uid));
    if (r.rows() == 0) return Status::Error("message " + std::to_string(uid) + " does not exist");
    out = r.Text(0, 0);
    out.append(r.View(0, 1));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::string> PgStore::ReadMetadata(MailboxId mailbox, uint32_t uid) {
  std::string out;
  Status s = db_->Read([&](PgConn& conn) {
    PgResult r = Query(conn,
                       "SELECT c.metadata FROM messages m JOIN contents c ON c.id = m.content_id "
                       "WHERE m.mailbox_id = $1 AND m.uid = $2",
                       mailbox, static_cast<int64_t>(uid));
    if (r.rows() == 0) return Status::Error("message " + std::to_string(uid) + " does not exist");
    out = r.Text(0, 0);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<FlagUpdate> PgStore::UpdateFlags(MailboxId mailbox, const std::vector<uint32_t>& uids,
                                        FlagOperation op, const Flags& flags,
                                        uint64_t unchanged_since) {
  if (Status k = ValidateKeywords(flags.keywords); !k.ok()) return k;
  FlagUpdate result;
  Status s = db_->Write([&](PgConn& conn) {
    result = FlagUpdate{};
    if (LockMailboxes(conn, {mailbox}) == 0) return MissingMailbox(mailbox);
    uint64_t modseq = NextModseq(conn, mailbox);
    std::vector<int64_t> changed_uids, changed_flags;
    std::vector<std::string> changed_keywords;
    for (MessageInfo& m : LoadMessages(conn, mailbox, SortedUnique(uids))) {
      if (unchanged_since > 0 && m.modseq > unchanged_since) {
        result.modified_since.push_back(m.uid);
        continue;
      }
      Flags next = ApplyFlags(m.flags, op, flags);
      if (!(next == m.flags)) {
        changed_uids.push_back(m.uid);
        changed_flags.push_back(next.system);
        changed_keywords.push_back(EncodeKeywords(next.keywords));
        m.flags = std::move(next);
        m.modseq = modseq;
      }
      result.updated.push_back(std::move(m));
    }
    if (!changed_uids.empty()) {
      // One statement for every changed row.
      Execute(conn,
              "UPDATE messages m SET flags = v.flags, keywords = v.keywords, modseq = $2 "
              "FROM unnest($3::bigint[], $4::integer[], $5::text[]) AS v(uid, flags, keywords) "
              "WHERE m.mailbox_id = $1 AND m.uid = v.uid",
              mailbox, static_cast<int64_t>(modseq), IntArray{changed_uids},
              IntArray{changed_flags}, TextArray{changed_keywords});
      SetHighestModseq(conn, mailbox, modseq);
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return result;
}

Result<CopyResult> PgStore::Copy(MailboxId from, const std::vector<uint32_t>& uids, MailboxId to) {
  CopyResult result;
  Status s = db_->Write([&](PgConn& conn) { return CopyRows(conn, from, uids, to, result); });
  if (!s.ok()) return s;
  return result;
}

Result<CopyResult> PgStore::Move(MailboxId from, const std::vector<uint32_t>& uids, MailboxId to) {
  CopyResult result;
  Status s = db_->Write([&](PgConn& conn) {
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

Result<std::vector<uint32_t>> PgStore::Expunge(MailboxId mailbox, const std::vector<uint32_t>& uids,
                                               bool only_deleted) {
  std::vector<uint32_t> out;
  Status s = db_->Write([&](PgConn& conn) {
    if (LockMailboxes(conn, {mailbox}) == 0) return MissingMailbox(mailbox);
    out = ExpungeRows(conn, mailbox, uids, only_deleted);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<uint32_t>> PgStore::ExpungedSince(MailboxId mailbox, uint64_t modseq) {
  std::vector<uint32_t> out;
  Status s = db_->Read([&](PgConn& conn) {
    ListExpungedSince(conn, mailbox, modseq, out);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<uint64_t> PgStore::LowestExpungeModseq(MailboxId mailbox,
                                              const std::vector<uint32_t>& uids) {
  uint64_t lowest = 0;
  Status s = db_->Read([&](PgConn& conn) {
    lowest = static_cast<uint64_t>(QueryInt(conn,
                                            "SELECT min(modseq) FROM expunged WHERE mailbox_id = "
                                            "$1 AND uid = ANY($2::bigint[])",
                                            0, mailbox, IntArray{SortedUnique(uids)}));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return lowest;
}

}  // namespace mailsuite::store::postgres
