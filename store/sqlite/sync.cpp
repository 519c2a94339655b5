// Incremental sync for the SQLite store: what changed in a mailbox after a MODSEQ, which
// mailboxes changed after a change stamp, and pruning of the expunge log. Every query here
// walks an index range that holds only what changed (messages_modseq, expunged_modseq,
// mailboxes_change_stamp), so its cost follows the changes, not the mailbox or the store.
#include <limits>

#include "list_snapshot.h"
#include "names.h"
#include "sqlite_store.h"

namespace mailsuite::store {

void ListAllMessages(Connection& conn, MailboxId mailbox, std::vector<MessageInfo>& out) {
  out.clear();
  static const std::string sql =
      std::string(kSelectMessage) + "WHERE m.mailbox_id = ? ORDER BY m.uid";
  Stmt stmt(conn, sql.c_str(), mailbox);
  while (stmt.Step()) out.push_back(ReadMessage(stmt));
}

void ListChangedMessages(Connection& conn, MailboxId mailbox, uint64_t modseq,
                         std::vector<MessageInfo>& out) {
  out.clear();
  // The MODSEQ index holds just the changed rows; the planner, without statistics, might walk
  // the whole mailbox in UID order instead, so it is named. The few rows are sorted after.
  static const std::string sql = std::string(kSelectMessage) +
                                 "INDEXED BY messages_modseq WHERE m.mailbox_id = ? AND "
                                 "m.modseq > ? ORDER BY m.uid";
  Stmt stmt(conn, sql.c_str(), mailbox, static_cast<int64_t>(modseq));
  while (stmt.Step()) out.push_back(ReadMessage(stmt));
}

void ListExpungedSince(Connection& conn, MailboxId mailbox, uint64_t modseq,
                       std::vector<uint32_t>& out) {
  out.clear();
  Stmt stmt(conn,
            "SELECT uid FROM expunged INDEXED BY expunged_modseq WHERE mailbox_id = ? AND "
            "modseq > ? ORDER BY uid",
            mailbox, static_cast<int64_t>(modseq));
  while (stmt.Step()) out.push_back(static_cast<uint32_t>(stmt.Int(0)));
}

void PruneExpunged(Connection& conn, MailboxId mailbox, uint64_t keep) {
  // Entries share a MODSEQ when one EXPUNGE removed several, and the floor must describe whole
  // MODSEQs: so everything below the MODSEQ of the keep-th newest entry goes, and every entry
  // with that MODSEQ stays.
  int64_t oldest_kept = keep == 0 ? std::numeric_limits<int64_t>::max()
                                  : QueryInt(conn,
                                             "SELECT modseq FROM expunged WHERE mailbox_id = ? "
                                             "ORDER BY modseq DESC LIMIT 1 OFFSET ?",
                                             0, mailbox, static_cast<int64_t>(keep - 1));
  if (oldest_kept <= 0) return;  // fewer than `keep` entries
  int64_t floor =
      QueryInt(conn, "SELECT max(modseq) FROM expunged WHERE mailbox_id = ? AND modseq < ?", 0,
               mailbox, oldest_kept);
  if (floor <= 0) return;
  Execute(conn, "DELETE FROM expunged WHERE mailbox_id = ? AND modseq <= ?", mailbox, floor);
  Execute(conn, "UPDATE mailboxes SET expunge_floor = max(expunge_floor, ?) WHERE id = ?", floor,
          mailbox);
}

Result<std::optional<MailboxChanges>> SqliteStore::ChangesSince(MailboxId mailbox, uint64_t since) {
  std::optional<MailboxChanges> out;
  bool save_snapshot = false;
  Status s = db_->Read([&](Connection& conn) {
    out.reset();
    save_snapshot = false;
    std::optional<Mailbox> box = LoadMailboxById(conn, mailbox);
    if (!box) return Status::Ok();
    out.emplace();
    out->mailbox = std::move(*box);
    if (since > 0 && out->mailbox.highest_modseq <= since) return Status::Ok();  // one row read
    if (since == 0 || since < out->mailbox.expunge_floor) {
      out->complete = false;
      if (out->mailbox.messages < kSnapshotMinMessages) {
        ListAllMessages(conn, mailbox, out->changed);
        return Status::Ok();
      }
      // A large mailbox: its stored snapshot and what changed since, when there is one; a
      // new snapshot when there is none or catching up has grown to an eighth of the list.
      size_t catch_up = 0;
      if (auto list = ListFromSnapshot(conn, out->mailbox, &catch_up)) {
        out->changed = std::move(*list);
        save_snapshot = catch_up > out->changed.size() / 8;
      } else {
        ListAllMessages(conn, mailbox, out->changed);
        save_snapshot = true;
      }
      return Status::Ok();
    }
    ListChangedMessages(conn, mailbox, since, out->changed);
    ListExpungedSince(conn, mailbox, since, out->expunged);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  if (save_snapshot) {
    // The list and its MODSEQ come from one read snapshot, so they stay a valid base however
    // the mailbox changed since. Only a cache: a failed write costs the next reader time.
    const std::string data = EncodeListSnapshot(out->changed);
    (void)db_->Write([&](Connection& conn) {
      SaveListSnapshot(conn, out->mailbox, data);
      return Status::Ok();
    });
  }
  return out;
}

Result<RecentClaim> SqliteStore::ClaimRecent(MailboxId mailbox, uint32_t uid_next) {
  RecentClaim claim;
  // Read first: a session that finds nothing to claim writes nothing (no fsync).
  Status s = db_->Read([&](Connection& conn) {
    claim.first = static_cast<uint32_t>(
        QueryInt(conn, "SELECT first_recent_uid FROM mailboxes WHERE id = ?", 0, mailbox));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  if (claim.first == 0 || claim.first >= uid_next) return RecentClaim{};
  // Losing the race to another session writes nothing: a failed transaction is rolled back and
  // commits (and fsyncs, and wakes listeners) nothing.
  static const char kLost[] = "claimed by another session";
  s = db_->Write([&](Connection& conn) {
    // Inside the write transaction, so two processes cannot both claim the same UIDs.
    claim.first = static_cast<uint32_t>(
        QueryInt(conn, "SELECT first_recent_uid FROM mailboxes WHERE id = ?", 0, mailbox));
    claim.end = uid_next;
    if (claim.first == 0 || claim.first >= uid_next) return Status::Error(kLost);
    Execute(conn, "UPDATE mailboxes SET first_recent_uid = ? WHERE id = ?",
            static_cast<int64_t>(uid_next), mailbox);
    return Status::Ok();
  });
  if (!s.ok()) return s.message() == kLost ? Result<RecentClaim>(RecentClaim{}) : s;
  return claim;
}

Result<uint32_t> SqliteStore::CountRecent(MailboxId mailbox) {
  uint32_t count = 0;
  Status s = db_->Read([&](Connection& conn) {
    count = static_cast<uint32_t>(
        QueryInt(conn,
                 "SELECT count(*) FROM messages WHERE mailbox_id = ?1 AND uid >= "
                 "(SELECT first_recent_uid FROM mailboxes WHERE id = ?1)",
                 0, mailbox));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return count;
}

Status SqliteStore::PruneExpungeLog(MailboxId mailbox, uint64_t keep) {
  return db_->Write([&](Connection& conn) {
    if (!LoadMailboxById(conn, mailbox))
      return Status::Error("mailbox " + std::to_string(mailbox) + " does not exist");
    PruneExpunged(conn, mailbox, keep);
    return Status::Ok();
  });
}

Result<uint64_t> SqliteStore::ChangeStamp() {
  uint64_t stamp = 0;
  Status s = db_->Read([&](Connection& conn) {
    stamp = static_cast<uint64_t>(QueryInt(conn, "SELECT change_stamp FROM meta", 0));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return stamp;
}

Result<std::pair<uint64_t, std::vector<MailboxChange>>> SqliteStore::MailboxesChangedSince(
    uint64_t since) {
  std::pair<uint64_t, std::vector<MailboxChange>> out;
  Status s = db_->Read([&](Connection& conn) {
    out.second.clear();
    out.first = static_cast<uint64_t>(QueryInt(conn, "SELECT change_stamp FROM meta", 0));
    if (out.first == since) return Status::Ok();
    {
      Stmt stmt(conn, "SELECT id, highest_modseq FROM mailboxes WHERE change_stamp > ?",
                static_cast<int64_t>(since));
      while (stmt.Step()) out.second.push_back({stmt.Int(0), static_cast<uint64_t>(stmt.Int(1))});
    }
    Stmt gone(conn, "SELECT id FROM deleted_mailboxes WHERE change_stamp > ?",
              static_cast<int64_t>(since));
    while (gone.Step()) out.second.push_back({gone.Int(0), 0});
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

}  // namespace mailsuite::store
