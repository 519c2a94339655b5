// MigrateSqliteToPostgres (store/migrate.h): the copy of a SQLite store into an empty
// PostgreSQL one, and its verification. Rows keep their ids; the target's triggers recount the
// per-mailbox counters and body reference counts from the rows, and the verification compares
// those with the source's as well.
#include "store/migrate.h"

#include <memory>

#include "pg_db.h"
#include "pg_store.h"
#include "sqlite_db.h"

namespace mailsuite::store {
namespace {

using postgres::Bytes;
using postgres::PgConn;
using postgres::PgDatabase;
using postgres::PgError;
using postgres::PgResult;

// Copies every row of one source query into one target statement with the same parameters;
// `bind(stmt, insert)` runs the insert for the current source row. Returns the rows copied.
template <typename Insert>
int64_t CopyRows(Connection& src, const char* select, Insert&& insert) {
  int64_t n = 0;
  Stmt rows(src, select);
  while (rows.Step()) {
    insert(rows);
    ++n;
  }
  return n;
}

Status CopyAll(Connection& src, PgConn& dst, MigrationCounts& c,
               const std::function<void(const std::string&)>& progress) {
  c = MigrationCounts{};
  auto say = [&](const std::string& line) {
    if (progress) progress(line);
  };
  if (postgres::QueryInt(dst,
                         "SELECT (SELECT count(*) FROM domains) + (SELECT count(*) FROM users) + "
                         "(SELECT count(*) FROM mailboxes) + (SELECT count(*) FROM contents) + "
                         "(SELECT count(*) FROM queue)",
                         0) != 0)
    return Status::Error(
        "the PostgreSQL database already holds a mailsuite store; migrate "
        "copies into an empty one only");
  postgres::Execute(dst, "UPDATE meta SET last_uid_validity = $1",
                    QueryInt(src, "SELECT last_uid_validity FROM meta", 0));
  c.domains = CopyRows(src, "SELECT id, name FROM domains ORDER BY id", [&](const Stmt& r) {
    postgres::Execute(dst, "INSERT INTO domains (id, name) VALUES ($1, $2)", r.Int(0), r.Text(1));
  });
  say("domains: " + std::to_string(c.domains));
  c.users = CopyRows(
      src,
      "SELECT id, address, domain_id, password_hash, created_at, quota_storage, quota_messages "
      "FROM users ORDER BY id",
      [&](const Stmt& r) {
        postgres::Execute(dst,
                          "INSERT INTO users (id, address, domain_id, password_hash, created_at, "
                          "quota_storage, quota_messages) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                          r.Int(0), r.Text(1), r.Int(2), r.Text(3), r.Int(4), r.Int(5), r.Int(6));
      });
  say("users: " + std::to_string(c.users));
  c.aliases = CopyRows(src, "SELECT source, user_id, domain_id FROM aliases", [&](const Stmt& r) {
    postgres::Execute(dst, "INSERT INTO aliases (source, user_id, domain_id) VALUES ($1, $2, $3)",
                      r.Text(0), r.Int(1), r.Int(2));
  });
  say("aliases: " + std::to_string(c.aliases));
  // Counters start at 0: the target's triggers count the rows as they arrive.
  c.mailboxes =
      CopyRows(src,
               "SELECT id, user_id, name, uid_validity, uid_next, highest_modseq, "
               "special_use, expunge_floor, first_recent_uid FROM mailboxes ORDER BY id",
               [&](const Stmt& r) {
                 postgres::Execute(dst,
                                   "INSERT INTO mailboxes (id, user_id, name, uid_validity, "
                                   "uid_next, highest_modseq, special_use, expunge_floor, "
                                   "first_recent_uid) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                                   r.Int(0), r.Int(1), r.Text(2), r.Int(3), r.Int(4), r.Int(5),
                                   r.Text(6), r.Int(7), r.Int(8));
               });
  say("mailboxes: " + std::to_string(c.mailboxes));
  c.subscriptions = CopyRows(src, "SELECT user_id, name FROM subscriptions", [&](const Stmt& r) {
    postgres::Execute(dst, "INSERT INTO subscriptions (user_id, name) VALUES ($1, $2)", r.Int(0),
                      r.Text(1));
  });
  say("subscriptions: " + std::to_string(c.subscriptions));
  c.sieve_scripts =
      CopyRows(src, "SELECT user_id, name, content, active FROM sieve_scripts", [&](const Stmt& r) {
        postgres::Execute(dst,
                          "INSERT INTO sieve_scripts (user_id, name, content, active) "
                          "VALUES ($1, $2, $3, $4)",
                          r.Int(0), r.Text(1), r.Text(2), r.Int(3) != 0);
      });
  say("Sieve scripts: " + std::to_string(c.sieve_scripts));
  c.contents = CopyRows(
      src, "SELECT id, hash, size, data, metadata FROM contents ORDER BY id", [&](const Stmt& r) {
        std::string hash = r.BlobValue(1), data = r.BlobValue(3), metadata = r.BlobValue(4);
        postgres::Execute(dst,
                          "INSERT INTO contents (id, hash, size, data, metadata) "
                          "VALUES ($1, $2, $3, $4, $5)",
                          r.Int(0), Bytes{hash}, r.Int(2), Bytes{data}, Bytes{metadata});
      });
  say("message bodies: " + std::to_string(c.contents));
  c.messages = CopyRows(src,
                        "SELECT mailbox_id, uid, content_id, internal_date, modseq, flags, "
                        "keywords, header_prefix, size FROM messages ORDER BY mailbox_id, uid",
                        [&](const Stmt& r) {
                          std::string prefix = r.BlobValue(7);
                          postgres::Execute(
                              dst,
                              "INSERT INTO messages (mailbox_id, uid, content_id, internal_date, "
                              "modseq, flags, keywords, header_prefix, size) "
                              "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                              r.Int(0), r.Int(1), r.Int(2), r.Int(3), r.Int(4), r.Int(5), r.Text(6),
                              Bytes{prefix}, r.Int(8));
                        });
  say("messages: " + std::to_string(c.messages));
  c.expunged = CopyRows(src, "SELECT mailbox_id, uid, modseq FROM expunged", [&](const Stmt& r) {
    postgres::Execute(dst, "INSERT INTO expunged (mailbox_id, uid, modseq) VALUES ($1, $2, $3)",
                      r.Int(0), r.Int(1), r.Int(2));
  });
  say("expunge log entries: " + std::to_string(c.expunged));
  c.queue_messages = CopyRows(
      src, "SELECT id, sender, envid, ret, content_id, created_at FROM queue ORDER BY id",
      [&](const Stmt& r) {
        postgres::Execute(dst,
                          "INSERT INTO queue (id, sender, envid, ret, content_id, created_at) "
                          "VALUES ($1, $2, $3, $4, $5, $6)",
                          r.Int(0), r.Text(1), r.Text(2), r.Text(3), r.Int(4), r.Int(5));
      });
  c.queue_recipients =
      CopyRows(src,
               "SELECT id, queue_id, address, notify, orcpt, state, attempts, "
               "next_attempt, last_error FROM queue_recipients ORDER BY id",
               [&](const Stmt& r) {
                 postgres::Execute(dst,
                                   "INSERT INTO queue_recipients (id, queue_id, address, "
                                   "notify, orcpt, state, attempts, next_attempt, last_error) "
                                   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                                   r.Int(0), r.Int(1), r.Text(2), r.Text(3), r.Text(4), r.Int(5),
                                   r.Int(6), r.Int(7), r.Text(8));
               });
  say("queued messages: " + std::to_string(c.queue_messages) + " (" +
      std::to_string(c.queue_recipients) + " recipients)");
  // New rows continue after the copied ids.
  for (const char* table :
       {"domains", "users", "mailboxes", "contents", "queue", "queue_recipients"}) {
    std::string sql = std::string("SELECT setval(pg_get_serial_sequence('") + table +
                      "', 'id'), greatest((SELECT max(id) FROM " + table + "), 1))";
    dst.Exec(sql.c_str());
  }
  return Status::Ok();
}

// One table's rows as text lines on both sides (same columns, same order), for the comparison.
struct RowQuery {
  const char* what;
  const char* sqlite;
  const char* postgres;
};

constexpr RowQuery kCompared[] = {
    {"domains", "SELECT id || '|' || name FROM domains ORDER BY id",
     "SELECT concat_ws('|', id, name) FROM domains ORDER BY id"},
    {"users",
     "SELECT id || '|' || address || '|' || domain_id || '|' || password_hash || '|' || "
     "created_at || '|' || quota_storage || '|' || quota_messages || '|' || used_storage || '|' "
     "|| used_messages FROM users ORDER BY id",
     "SELECT concat_ws('|', id, address, domain_id, password_hash, created_at, quota_storage, "
     "quota_messages, used_storage, used_messages) FROM users ORDER BY id"},
    {"aliases",
     "SELECT source || '|' || user_id || '|' || domain_id FROM aliases ORDER BY source, user_id",
     "SELECT concat_ws('|', source, user_id, domain_id) FROM aliases ORDER BY source, user_id"},
    {"mailboxes",
     "SELECT id || '|' || user_id || '|' || name || '|' || uid_validity || '|' || uid_next || "
     "'|' || highest_modseq || '|' || special_use || '|' || message_count || '|' || "
     "unseen_count || '|' || deleted_count || '|' || deleted_size || '|' || total_size || '|' || "
     "expunge_floor || '|' "
     "|| expunged_count || '|' || first_recent_uid FROM mailboxes ORDER BY id",
     "SELECT concat_ws('|', id, user_id, name, uid_validity, uid_next, highest_modseq, "
     "special_use, message_count, unseen_count, deleted_count, deleted_size, total_size, "
     "expunge_floor, "
     "expunged_count, first_recent_uid) FROM mailboxes ORDER BY id"},
    {"Sieve scripts",
     "SELECT user_id || '|' || name || '|' || content || '|' || active FROM sieve_scripts "
     "ORDER BY user_id, name",
     "SELECT concat_ws('|', user_id, name, content, active::int) FROM sieve_scripts "
     "ORDER BY user_id, name"},
    {"subscriptions", "SELECT user_id || '|' || name FROM subscriptions ORDER BY user_id, name",
     "SELECT concat_ws('|', user_id, name) FROM subscriptions ORDER BY user_id, name"},
    {"message bodies",
     "SELECT id || '|' || lower(hex(hash)) || '|' || size || '|' || refcount || '|' || "
     "lower(hex(metadata)) FROM contents ORDER BY id",
     "SELECT concat_ws('|', id, encode(hash, 'hex'), size, refcount, encode(metadata, 'hex')) "
     "FROM contents ORDER BY id"},
    {"messages",
     "SELECT mailbox_id || '|' || uid || '|' || content_id || '|' || internal_date || '|' || "
     "modseq || '|' || flags || '|' || keywords || '|' || lower(hex(header_prefix)) || '|' || "
     "size FROM messages ORDER BY mailbox_id, uid",
     "SELECT concat_ws('|', mailbox_id, uid, content_id, internal_date, modseq, flags, keywords, "
     "encode(header_prefix, 'hex'), size) FROM messages ORDER BY mailbox_id, uid"},
    {"the expunge log",
     "SELECT mailbox_id || '|' || uid || '|' || modseq FROM expunged ORDER BY mailbox_id, uid",
     "SELECT concat_ws('|', mailbox_id, uid, modseq) FROM expunged ORDER BY mailbox_id, uid"},
    {"the queue",
     "SELECT id || '|' || sender || '|' || envid || '|' || ret || '|' || content_id || '|' || "
     "created_at FROM queue ORDER BY id",
     "SELECT concat_ws('|', id, sender, envid, ret, content_id, created_at) FROM queue ORDER BY "
     "id"},
    {"queue recipients",
     "SELECT id || '|' || queue_id || '|' || address || '|' || notify || '|' || orcpt || '|' || "
     "state || '|' || attempts || '|' || next_attempt || '|' || last_error FROM "
     "queue_recipients ORDER BY id",
     "SELECT concat_ws('|', id, queue_id, address, notify, orcpt, state, attempts, "
     "next_attempt, last_error) FROM queue_recipients ORDER BY id"},
};

// Compares one table row by row, reading the target through a cursor in batches.
Status CompareTable(Connection& src, PgConn& dst, const RowQuery& q) {
  dst.Exec((std::string("DECLARE compared NO SCROLL CURSOR FOR ") + q.postgres).c_str());
  Stmt rows(src, q.sqlite);
  int64_t row = 0;
  for (;;) {
    PgResult batch = postgres::Query(dst, "FETCH 2000 FROM compared");
    for (int i = 0; i < batch.rows(); ++i, ++row) {
      if (!rows.Step())
        return Status::Error("verification: " + std::string(q.what) + " has more rows in the copy");
      if (rows.Text(0) != batch.View(i, 0))
        return Status::Error("verification: " + std::string(q.what) + " row " +
                             std::to_string(row + 1) + " differs: '" + rows.Text(0) + "' became '" +
                             batch.Text(i, 0) + "'");
    }
    if (batch.rows() == 0) break;
  }
  dst.Exec("CLOSE compared");
  if (rows.Step())
    return Status::Error("verification: " + std::string(q.what) + " has fewer rows in the copy");
  return Status::Ok();
}

Status Verify(Connection& src, PgConn& dst) {
  for (const RowQuery& q : kCompared)
    if (Status s = CompareTable(src, dst, q); !s.ok()) return s;
  if (int64_t bad =
          postgres::QueryInt(dst, "SELECT count(*) FROM contents WHERE sha256(data) <> hash", 0);
      bad > 0)
    return Status::Error("verification: " + std::to_string(bad) +
                         " message bodies differ from their hash in the copy");
  std::vector<std::string> problems = postgres::FindProblems(dst);
  if (!problems.empty()) return Status::Error("verification: the copy has " + problems.front());
  return Status::Ok();
}

}  // namespace

Result<MigrationCounts> MigrateSqliteToPostgres(
    const std::string& sqlite_path, int busy_timeout_ms, const MigrationTarget& target,
    const std::function<void(const std::string&)>& progress) {
  // Opening the source upgrades its schema, so the columns read below exist.
  Result<std::unique_ptr<Database>> source = Database::Open(sqlite_path, busy_timeout_ms, false);
  if (!source.ok()) return source.status();
  postgres::PgOptions options;
  options.url = target.url;
  options.password = target.password;
  options.busy_timeout_ms = busy_timeout_ms;
  options.max_connections = 2;
  Result<std::unique_ptr<PgDatabase>> copy = PgDatabase::Open(options, /*create=*/true);
  if (!copy.ok()) return copy.status();
  MigrationCounts counts;
  // One snapshot of the source; one transaction on the target (all or nothing).
  Status s = (*source)->Read([&](Connection& src) {
    try {
      return (*copy)->Write([&](PgConn& dst) { return CopyAll(src, dst, counts, progress); });
    } catch (const SqlError& e) {
      return e.ToStatus();
    }
  });
  if (!s.ok()) return s;
  if (progress) progress("copied; verifying");
  s = (*source)->Read([&](Connection& src) {
    try {
      return (*copy)->Read([&](PgConn& dst) { return Verify(src, dst); });
    } catch (const SqlError& e) {
      return e.ToStatus();
    }
  });
  if (!s.ok()) return s;
  return counts;
}

}  // namespace mailsuite::store
