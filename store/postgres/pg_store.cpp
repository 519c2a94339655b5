// The PostgreSQL store's lifetime, statistics and consistency check.
#include "pg_store.h"

#include "pg_maildrop_locks.h"
#include "pg_open.h"

namespace mailsuite::store::postgres {
namespace {

constexpr size_t kConnectionsKeptIdle = 2;

}  // namespace

Result<std::unique_ptr<Store>> OpenPgStore(const PgOptions& options, bool create_if_missing) {
  Result<std::unique_ptr<PgDatabase>> db = PgDatabase::Open(options, create_if_missing);
  if (!db.ok()) return db.status();
  return std::unique_ptr<Store>(new PgStore(std::move(*db)));
}

PgStore::PgStore(std::unique_ptr<PgDatabase> db)
    : db_(std::move(db)), maildrop_locks_(std::make_unique<PgMaildropLocks>(*db_)) {}

PgStore::~PgStore() = default;

void PgStore::ReleaseIdleMemory() { db_->CloseIdleConnections(kConnectionsKeptIdle); }

Result<StoreStats> PgStore::Stats() {
  StoreStats stats;
  Status s = db_->Read([&](PgConn& conn) {
    PgResult r = Query(conn,
                       "SELECT (SELECT count(*) FROM domains), (SELECT count(*) FROM users), "
                       "(SELECT count(*) FROM mailboxes), (SELECT count(*) FROM messages), "
                       "(SELECT count(*) FROM contents), (SELECT count(*) FROM queue)");
    stats.domains = r.Int(0, 0);
    stats.users = r.Int(0, 1);
    stats.mailboxes = r.Int(0, 2);
    stats.messages = r.Int(0, 3);
    stats.contents = r.Int(0, 4);
    stats.queue_messages = r.Int(0, 5);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return stats;
}

std::vector<std::string> FindProblems(PgConn& conn) {
  std::vector<std::string> problems;
  int64_t bad_refs = QueryInt(conn,
                              "SELECT count(*) FROM contents c WHERE c.refcount <> "
                              "(SELECT count(*) FROM messages WHERE content_id = c.id) + "
                              "(SELECT count(*) FROM queue WHERE content_id = c.id) "
                              "OR c.refcount <= 0",
                              0);
  if (bad_refs > 0) problems.push_back(std::to_string(bad_refs) + " contents with bad refcount");
  int64_t bad_uids =
      QueryInt(conn,
               "SELECT count(*) FROM mailboxes b WHERE b.uid_next <= "
               "(SELECT coalesce(max(uid), 0) FROM messages WHERE mailbox_id = b.id) "
               "OR b.uid_next <= "
               "(SELECT coalesce(max(uid), 0) FROM expunged WHERE mailbox_id = b.id)",
               0);
  if (bad_uids > 0) problems.push_back(std::to_string(bad_uids) + " mailboxes with bad uid_next");
  int64_t bad_counters = QueryInt(
      conn,
      "SELECT count(*) FROM mailboxes b WHERE "
      "b.message_count <> (SELECT count(*) FROM messages WHERE mailbox_id = b.id) OR "
      "b.unseen_count <> (SELECT count(*) FROM messages WHERE mailbox_id = b.id AND "
      "(flags & 1) = 0) OR "
      "b.deleted_count <> (SELECT count(*) FROM messages WHERE mailbox_id = b.id AND "
      "(flags & 8) <> 0) OR "
      "b.total_size <> (SELECT coalesce(sum(size), 0) FROM messages WHERE mailbox_id = b.id) OR "
      "b.expunged_count <> (SELECT count(*) FROM expunged WHERE mailbox_id = b.id)",
      0);
  if (bad_counters > 0)
    problems.push_back(std::to_string(bad_counters) + " mailboxes with wrong counters");
  int64_t bad_sizes =
      QueryInt(conn, "SELECT count(*) FROM contents WHERE octet_length(data) <> size", 0);
  if (bad_sizes > 0)
    problems.push_back(std::to_string(bad_sizes) + " contents not of their recorded size");
  return problems;
}

Result<StoreHealth> PgStore::CheckHealth() {
  StoreHealth h;
  Status s = db_->Read([&](PgConn& conn) {
    h = StoreHealth{};
    h.problems = FindProblems(conn);
    PgResult r = Query(conn,
                       "SELECT pg_database_size(current_database()), "
                       "(SELECT count(*) FROM messages), (SELECT count(*) FROM contents), "
                       "(SELECT count(*) FROM expunged), "
                       "(SELECT coalesce(max(message_count), 0) FROM mailboxes)");
    h.file_bytes = r.Int(0, 0);
    h.free_bytes = 0;  // PostgreSQL reuses dead space itself (autovacuum)
    h.messages = r.Int(0, 1);
    h.contents = r.Int(0, 2);
    h.expunge_log = r.Int(0, 3);
    h.largest_mailbox = r.Int(0, 4);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return h;
}

Status PgStore::BackupTo(const std::string& path) {
  (void)path;
  return Status::Error(
      "a PostgreSQL store is backed up by the database server's own tools (pg_dump, or "
      "pg_basebackup with WAL archiving), not by mailsuite backup");
}

Status CheckPgConsistency(const PgOptions& options) {
  try {
    Result<std::unique_ptr<PgDatabase>> db = PgDatabase::Open(options, false);
    if (!db.ok()) return db.status();
    std::vector<std::string> problems;
    Status s = (*db)->Read([&](PgConn& conn) {
      problems = FindProblems(conn);
      return Status::Ok();
    });
    if (!s.ok()) return s;
    return problems.empty() ? Status::Ok() : Status::Error(problems.front());
  } catch (const PgError& e) {
    return e.ToStatus();
  }
}

}  // namespace mailsuite::store::postgres
