// Incremental sync for the PostgreSQL store (as store/sqlite/sync.cpp): what changed in a
// mailbox after a MODSEQ, which mailboxes changed after a change stamp, the expunge log and
// \Recent. Each query walks an index range holding only what changed.
#include <limits>

#include "names.h"
#include "pg_store.h"

namespace mailsuite::store::postgres {
namespace {

void ReadMessages(const PgResult& r, std::vector<MessageInfo>& out) {
  out.clear();
  out.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(ReadMessage(r, i));
}

}  // namespace

void ListAllMessages(PgConn& conn, MailboxId mailbox, std::vector<MessageInfo>& out) {
  static const std::string sql =
      std::string(kSelectMessage) + "WHERE m.mailbox_id = $1 ORDER BY m.uid";
  ReadMessages(Query(conn, sql.c_str(), mailbox), out);
}

void ListChangedMessages(PgConn& conn, MailboxId mailbox, uint64_t modseq,
                         std::vector<MessageInfo>& out) {
  static const std::string sql =
      std::string(kSelectMessage) + "WHERE m.mailbox_id = $1 AND m.modseq > $2 ORDER BY m.uid";
  ReadMessages(Query(conn, sql.c_str(), mailbox, static_cast<int64_t>(modseq)), out);
}

void ListExpungedSince(PgConn& conn, MailboxId mailbox, uint64_t modseq,
                       std::vector<uint32_t>& out) {
  out.clear();
  PgResult r =
      Query(conn, "SELECT uid FROM expunged WHERE mailbox_id = $1 AND modseq > $2 ORDER BY uid",
            mailbox, static_cast<int64_t>(modseq));
  for (int i = 0; i < r.rows(); ++i) out.push_back(static_cast<uint32_t>(r.Int(i, 0)));
}

void PruneExpunged(PgConn& conn, MailboxId mailbox, uint64_t keep) {
  // As in the SQLite store: the floor describes whole MODSEQs, so everything below the MODSEQ
  // of the keep-th newest entry goes, and every entry with that MODSEQ stays.
  int64_t oldest_kept = keep == 0 ? std::numeric_limits<int64_t>::max()
                                  : QueryInt(conn,
                                             "SELECT modseq FROM expunged WHERE mailbox_id = $1 "
                                             "ORDER BY modseq DESC LIMIT 1 OFFSET $2",
                                             0, mailbox, static_cast<int64_t>(keep - 1));
  if (oldest_kept <= 0) return;
  int64_t floor =
      QueryInt(conn, "SELECT max(modseq) FROM expunged WHERE mailbox_id = $1 AND modseq < $2", 0,
               mailbox, oldest_kept);
  if (floor <= 0) return;
  Execute(conn, "DELETE FROM expunged WHERE mailbox_id = $1 AND modseq <= $2", mailbox, floor);
  Execute(conn,
          "UPDATE mailboxes SET expunge_floor = greatest(expunge_floor, $1::bigint) WHERE id = $2",
          floor, mailbox);
}

Result<std::optional<MailboxChanges>> PgStore::ChangesSince(MailboxId mailbox, uint64_t since) {
  std::optional<MailboxChanges> out;
  Status s = db_->Read([&](PgConn& conn) {
    out.reset();
    std::optional<Mailbox> box = LoadMailboxById(conn, mailbox);
    if (!box) return Status::Ok();
    out.emplace();
    out->mailbox = std::move(*box);
    if (since > 0 && out->mailbox.highest_modseq <= since) return Status::Ok();  // one row read
    if (since == 0 || since < out->mailbox.expunge_floor) {
      out->complete = false;
      ListAllMessages(conn, mailbox, out->changed);
      return Status::Ok();
    }
    ListChangedMessages(conn, mailbox, since, out->changed);
    ListExpungedSince(conn, mailbox, since, out->expunged);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<RecentClaim> PgStore::ClaimRecent(MailboxId mailbox, uint32_t uid_next) {
  RecentClaim claim;
  // Read first: a session that finds nothing to claim writes nothing.
  Status s = db_->Read([&](PgConn& conn) {
    claim.first = static_cast<uint32_t>(
        QueryInt(conn, "SELECT first_recent_uid FROM mailboxes WHERE id = $1", 0, mailbox));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  if (claim.first == 0 || claim.first >= uid_next) return RecentClaim{};
  // The row lock orders claimers of every node; the loser's UPDATE matches no row.
  s = db_->Write([&](PgConn& conn) {
    claim = RecentClaim{};
    PgResult r = Query(conn,
                       "WITH old AS (SELECT first_recent_uid AS first FROM mailboxes WHERE id = "
                       "$1 FOR UPDATE) UPDATE mailboxes SET first_recent_uid = $2 FROM old "
                       "WHERE id = $1 AND old.first < $2 RETURNING old.first",
                       mailbox, static_cast<int64_t>(uid_next));
    if (r.rows() > 0) claim = RecentClaim{static_cast<uint32_t>(r.Int(0, 0)), uid_next};
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return claim;
}

Result<uint32_t> PgStore::CountRecent(MailboxId mailbox) {
  uint32_t count = 0;
  Status s = db_->Read([&](PgConn& conn) {
    count = static_cast<uint32_t>(
        QueryInt(conn,
                 "SELECT count(*) FROM messages WHERE mailbox_id = $1 AND uid >= "
                 "(SELECT first_recent_uid FROM mailboxes WHERE id = $1)",
                 0, mailbox));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return count;
}

Status PgStore::PruneExpungeLog(MailboxId mailbox, uint64_t keep) {
  return db_->Write([&](PgConn& conn) {
    if (LockMailboxes(conn, {mailbox}) == 0)
      return Status::Error("mailbox " + std::to_string(mailbox) + " does not exist");
    PruneExpunged(conn, mailbox, keep);
    return Status::Ok();
  });
}

// The oldest transaction id this snapshot cannot see (see pg_schema.cpp).
constexpr const char kSnapshotXmin[] = "SELECT pg_snapshot_xmin(pg_current_snapshot())";

Result<uint64_t> PgStore::ChangeStamp() {
  uint64_t stamp = 0;
  Status s = db_->Read([&](PgConn& conn) {
    stamp = static_cast<uint64_t>(QueryInt(conn, kSnapshotXmin, 0));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return stamp;
}

Result<std::pair<uint64_t, std::vector<MailboxChange>>> PgStore::MailboxesChangedSince(
    uint64_t since) {
  std::pair<uint64_t, std::vector<MailboxChange>> out;
  Status s = db_->Read([&](PgConn& conn) {
    out.second.clear();
    out.first = static_cast<uint64_t>(QueryInt(conn, kSnapshotXmin, 0));
    const std::string from = std::to_string(since);
    {
      PgResult r = Query(
          conn, "SELECT id, highest_modseq FROM mailboxes WHERE change_xid >= $1::xid8", from);
      for (int i = 0; i < r.rows(); ++i)
        out.second.push_back({r.Int(i, 0), static_cast<uint64_t>(r.Int(i, 1))});
    }
    PgResult gone =
        Query(conn, "SELECT id FROM deleted_mailboxes WHERE change_xid >= $1::xid8", from);
    for (int i = 0; i < gone.rows(); ++i) out.second.push_back({gone.Int(i, 0), 0});
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

}  // namespace mailsuite::store::postgres
