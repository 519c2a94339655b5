// The PostgreSQL store's lifetime, statistics and consistency check.
#include "pg_store.h"

#include <Poco/String.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "pg_maildrop_locks.h"
#include "pg_open.h"

extern char** environ;

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
      "b.deleted_size <> (SELECT coalesce(sum(size), 0) FROM messages WHERE mailbox_id = b.id "
      "AND (flags & 8) <> 0) OR "
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

// pg_dump's custom format: one consistent snapshot (the daemons keep running), restored with
// pg_restore --dbname=URL FILE into an empty database. Larger sites archive WAL instead.
Status PgStore::BackupTo(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) return Status::Error(path + " already exists");
  int err[2];
  if (pipe2(err, O_CLOEXEC) != 0) return Status::Error(std::string("pipe: ") + strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
  std::string file_arg = "--file=" + path, db_arg = "--dbname=" + db_->url();
  std::vector<char*> argv = {const_cast<char*>("pg_dump"), const_cast<char*>("--format=custom"),
                             file_arg.data(), db_arg.data(), nullptr};
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e)
    if (std::string_view(*e).rfind("PGPASSWORD=", 0) != 0) env_strings.emplace_back(*e);
  if (!db_->options().password.empty())
    env_strings.push_back("PGPASSWORD=" + db_->options().password);
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, "pg_dump", &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(err[1]);
  std::string output;
  char buf[4096];
  for (ssize_t n; (n = read(err[0], buf, sizeof buf)) > 0;) output.append(buf, n);
  close(err[0]);
  if (rc != 0)
    return Status::Error("cannot run pg_dump (install postgresql-client): " +
                         std::string(strerror(rc)));
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    ::unlink(path.c_str());
    return Status::Error("pg_dump failed: " + Poco::trim(output));
  }
  return Status::Ok();
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
