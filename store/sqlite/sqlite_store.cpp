// OpenStore, the SQLite store's lifetime, maildrop locks and statistics.
#include "sqlite_store.h"

#include "list_snapshot.h"

#include "maildrop_lock.h"
#include "schema.h"
#include "store/testing.h"

namespace mailsuite::store {

// What ReleaseIdleMemory keeps of the pool: enough for the sessions that are left to find a
// warm connection.
constexpr size_t kConnectionsKeptIdle = 2;

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, int busy_timeout_ms,
                                               bool create_if_missing) {
  Result<std::unique_ptr<Database>> db = Database::Open(path, busy_timeout_ms, create_if_missing);
  if (!db.ok()) return db.status();
  return std::unique_ptr<Store>(new SqliteStore(std::move(*db), path));
}

SqliteStore::SqliteStore(std::unique_ptr<Database> db, std::string path)
    : db_(std::move(db)),
      path_(std::move(path)),
      maildrop_locks_(std::make_unique<MaildropLockTable>(path_ + ".pop3-lock")) {}

SqliteStore::~SqliteStore() = default;

void SqliteStore::ReleaseIdleMemory() { db_->CloseIdleConnections(kConnectionsKeptIdle); }

Result<std::unique_ptr<MaildropLock>> SqliteStore::LockMaildrop(UserId user) {
  return maildrop_locks_->TryLock(user);
}

uint64_t SqliteStore::MaxContentSize() {
  // A message body is one blob; a longer one fails with SQLITE_TOOBIG. SQLITE_MAX_LENGTH is
  // 1e9 unless SQLite was built otherwise, so ask the library rather than assume.
  int limit = 1000000000;
  Status s = db_->Read([&](Connection& conn) {
    limit = sqlite3_limit(conn.handle(), SQLITE_LIMIT_LENGTH, -1);
    return Status::Ok();
  });
  (void)s;  // a failed read keeps the compiled-in default
  return static_cast<uint64_t>(limit);
}

Result<StoreStats> SqliteStore::Stats() {
  StoreStats stats;
  Status s = db_->Read([&](Connection& conn) {
    stats.domains = QueryInt(conn, "SELECT count(*) FROM domains", 0);
    stats.users = QueryInt(conn, "SELECT count(*) FROM users", 0);
    stats.mailboxes = QueryInt(conn, "SELECT count(*) FROM mailboxes", 0);
    stats.messages = QueryInt(conn, "SELECT count(*) FROM messages", 0);
    stats.contents = QueryInt(conn, "SELECT count(*) FROM contents", 0);
    stats.queue_messages = QueryInt(conn, "SELECT count(*) FROM queue", 0);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return stats;
}

namespace {

// Every inconsistency the store can check for, one line each (reads the whole database).
std::vector<std::string> FindProblems(Connection& conn) {
  std::vector<std::string> problems;
  {
    Stmt stmt(conn, "PRAGMA integrity_check");
    if (stmt.Step() && stmt.Text(0) != "ok") problems.push_back("integrity: " + stmt.Text(0));
  }
  {
    Stmt stmt(conn, "PRAGMA foreign_key_check");
    if (stmt.Step()) problems.push_back("foreign key violation in table " + stmt.Text(0));
  }
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
      "flags & 1 = 0) OR "
      "b.deleted_count <> (SELECT count(*) FROM messages WHERE mailbox_id = b.id AND "
      "flags & 8 != 0) OR "
      "b.deleted_size <> (SELECT coalesce(sum(size), 0) FROM messages WHERE mailbox_id = b.id "
      "AND flags & 8 != 0) OR "
      "b.total_size <> (SELECT coalesce(sum(size), 0) FROM messages WHERE mailbox_id = b.id) OR "
      "b.expunged_count <> (SELECT count(*) FROM expunged WHERE mailbox_id = b.id)",
      0);
  if (bad_counters > 0)
    problems.push_back(std::to_string(bad_counters) + " mailboxes with wrong counters");
  int64_t bad_usage = QueryInt(
      conn,
      "SELECT count(*) FROM users u WHERE "
      "u.used_messages <> (SELECT coalesce(sum(message_count), 0) FROM mailboxes "
      "WHERE user_id = u.id) OR "
      "u.used_storage <> (SELECT coalesce(sum(total_size), 0) FROM mailboxes WHERE user_id = u.id)",
      0);
  if (bad_usage > 0)
    problems.push_back(std::to_string(bad_usage) + " users with wrong quota usage");
  int64_t orphans = QueryInt(conn,
                             "SELECT count(*) FROM mailbox_snapshots s WHERE NOT EXISTS (SELECT "
                             "1 FROM mailboxes b WHERE b.id = s.mailbox_id AND "
                             "b.uid_validity = s.uid_validity)",
                             0);
  if (orphans > 0)
    problems.push_back(std::to_string(orphans) + " list snapshots of no existing mailbox");
  // A usable list snapshot must give exactly the rows (an unusable one is only ignored).
  std::vector<MailboxId> with_snapshot;
  {
    Stmt stmt(conn, "SELECT mailbox_id FROM mailbox_snapshots");
    while (stmt.Step()) with_snapshot.push_back(stmt.Int(0));
  }
  for (MailboxId id : with_snapshot) {
    std::optional<Mailbox> box = LoadMailboxById(conn, id);
    size_t catch_up = 0;
    auto list = box ? ListFromSnapshot(conn, *box, &catch_up) : std::nullopt;
    if (!list) continue;
    std::vector<MessageInfo> rows;
    ListAllMessages(conn, id, rows);
    if (!(*list == rows))
      problems.push_back("mailbox " + std::to_string(id) + ": list snapshot differs from rows");
  }
  return problems;
}

}  // namespace

Result<StoreHealth> SqliteStore::CheckHealth() {
  StoreHealth h;
  Status s = db_->Read([&](Connection& conn) {
    h = StoreHealth{};
    h.problems = FindProblems(conn);
    int64_t page = QueryInt(conn, "PRAGMA page_size", 4096);
    h.file_bytes = QueryInt(conn, "PRAGMA page_count", 0) * page;
    h.free_bytes = QueryInt(conn, "PRAGMA freelist_count", 0) * page;
    h.messages = QueryInt(conn, "SELECT count(*) FROM messages", 0);
    h.contents = QueryInt(conn, "SELECT count(*) FROM contents", 0);
    h.expunge_log = QueryInt(conn, "SELECT count(*) FROM expunged", 0);
    h.largest_mailbox = QueryInt(conn, "SELECT coalesce(max(message_count), 0) FROM mailboxes", 0);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return h;
}

namespace testing {

int CurrentSchemaVersion() { return SchemaVersion(); }

Result<int> ReadSchemaVersion(const std::string& path) {
  try {
    Connection conn(path, SQLITE_OPEN_READWRITE, 1000);
    return static_cast<int>(QueryInt(conn, "PRAGMA user_version", 0));
  } catch (const SqlError& e) {
    return e.ToStatus();
  }
}

Status WriteSchemaVersion(const std::string& path, int version) {
  try {
    Connection conn(path, SQLITE_OPEN_READWRITE, 1000);
    conn.Exec(("PRAGMA user_version = " + std::to_string(version)).c_str());
    return Status::Ok();
  } catch (const SqlError& e) {
    return e.ToStatus();
  }
}

Status CreateDatabaseAtVersion(const std::string& path, int version) {
  try {
    Connection conn(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 1000);
    conn.Exec("PRAGMA journal_mode = WAL");
    conn.Exec("BEGIN IMMEDIATE");
    Status s = MigrateTo(conn, path, version);
    conn.Exec(s.ok() ? "COMMIT" : "ROLLBACK");
    return s;
  } catch (const SqlError& e) {
    return e.ToStatus();
  }
}

Result<int64_t> ListSnapshotModseq(const std::string& path, MailboxId mailbox) {
  try {
    Connection conn(path, SQLITE_OPEN_READWRITE, 5000);
    return QueryInt(conn, "SELECT modseq FROM mailbox_snapshots WHERE mailbox_id = ?", -1, mailbox);
  } catch (const SqlError& e) {
    return e.ToStatus();
  }
}

Status CheckSqliteConsistency(const std::string& path) {
  try {
    Connection conn(path, SQLITE_OPEN_READWRITE, 5000);
    std::vector<std::string> problems = FindProblems(conn);
    return problems.empty() ? Status::Ok() : Status::Error(problems.front());
  } catch (const SqlError& e) {
    return e.ToStatus();
  }
}

}  // namespace testing
}  // namespace mailsuite::store
