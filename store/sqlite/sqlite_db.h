// SQLite plumbing for the store: a connection with cached prepared statements, a statement
// helper that binds parameters (never string-built SQL), and a connection pool that runs read
// and write transactions with retries so "database is locked" never reaches a caller.
// Internal to store/: SQL errors travel as SqlError exceptions inside store/ only and become
// Status values at the transaction boundary.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "shared/result.h"

namespace mailsuite::store {

class SqlError : public std::runtime_error {
 public:
  SqlError(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const { return code_; }
  bool busy() const {
    int primary = code_ & 0xff;
    return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
  }
  // The Status a store method returns for this error: a full disk (SQLITE_FULL) is marked, so
  // the daemons can answer "no room, try later" instead of a generic failure.
  Status ToStatus() const {
    return (code_ & 0xff) == SQLITE_FULL ? Status::NoSpace(what()) : Status::Error(what());
  }

 private:
  int code_;
};

// Marks a parameter to be bound as a BLOB rather than TEXT.
struct Blob {
  std::string_view data;
};

// One sqlite3 handle, used by one thread at a time. Statements are prepared once and cached.
class Connection {
 public:
  // Throws SqlError.
  Connection(const std::string& path, int flags, int busy_timeout_ms);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* handle() const { return db_; }
  sqlite3_stmt* Prepare(const char* sql);  // cached by the SQL text
  void Exec(const char* sql);              // for statements without parameters or rows
  [[noreturn]] void Throw(int rc, std::string_view what) const;

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// A cached statement bound to arguments; reset when destroyed. Do not run the same SQL text
// twice at once on one connection (e.g. nested inside its own row loop).
class Stmt {
 public:
  template <typename... Args>
  Stmt(Connection& conn, const char* sql, const Args&... args)
      : conn_(conn), stmt_(conn.Prepare(sql)) {
    int index = 1;
    (Bind(index++, args), ...);
  }
  ~Stmt() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  bool Step();  // true when a row is available; throws SqlError
  void Run();   // steps to the end
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string Text(int col) const;
  // The same without a copy; valid until the next Step or the statement's end.
  std::string_view TextView(int col) const;
  std::string BlobValue(int col) const;
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  template <typename T>
  void Bind(int index, const T& value) {
    int rc;
    if constexpr (std::is_same_v<T, Blob>) {
      rc =
          sqlite3_bind_blob64(stmt_, index, value.data.data(), value.data.size(), SQLITE_TRANSIENT);
    } else if constexpr (std::is_same_v<T, bool>) {
      rc = sqlite3_bind_int(stmt_, index, value ? 1 : 0);
    } else if constexpr (std::is_integral_v<T>) {
      rc = sqlite3_bind_int64(stmt_, index, static_cast<sqlite3_int64>(value));
    } else {
      std::string_view text(value);
      rc = sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                               SQLITE_UTF8);
    }
    if (rc != SQLITE_OK) conn_.Throw(rc, "bind");
  }

  Connection& conn_;
  sqlite3_stmt* stmt_;
};

// Runs `sql` with `args` and returns the first column of the first row (or `fallback`).
template <typename... Args>
int64_t QueryInt(Connection& conn, const char* sql, int64_t fallback, const Args&... args) {
  Stmt stmt(conn, sql, args...);
  return stmt.Step() ? stmt.Int(0) : fallback;
}

template <typename... Args>
void Execute(Connection& conn, const char* sql, const Args&... args) {
  Stmt(conn, sql, args...).Run();
}

// How large one group commit may grow (see Database::Write). A delivery's work takes about
// 0.1 ms and a commit's fsync a few ms, so either bound keeps what a batch adds to a writer's
// latency near one fsync. The time bound also stands in for a byte bound: inserting a large
// message takes time in proportion to its size.
struct GroupCommitLimits {
  size_t max_works = 32;
  // No further work joins a batch once its works have run this long.
  std::chrono::microseconds max_work_time{std::chrono::milliseconds(10)};
};

// A pool of connections to one database file, and the transaction runners.
class Database {
 public:
  // Opens the file (creating it when `create`), sets WAL mode and migrates the schema.
  static Result<std::unique_ptr<Database>> Open(const std::string& path, int busy_timeout_ms,
                                                bool create);
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Runs fn(Connection&) -> Status as one durable write: it returns after the COMMIT that holds
  // fn's changes is on disk (WAL, synchronous=FULL), or with fn's error and none of its changes.
  //
  // Group commit: writers of this process queue here, and whoever finds no commit under way
  // leads: it runs the queued works in order in ONE transaction, each inside its own SAVEPOINT,
  // then bumps the change stamp and COMMITs once, so they share one fsync. A work that returns
  // an error or throws (anything but busy) is rolled back to its savepoint and fails alone; the
  // works after it never see its changes, so each result is what it would be had the works run
  // one by one in queue order. A batch stays small (GroupCommitLimits) so that joining one
  // costs little more than the fsync it saves.
  //
  // Every write batches, not only Accept/Deliver/Append: the others are short too (the rows of
  // the UIDs one client command named, a user, a queue entry), a batch gives each the same
  // result as running alone, and a writer kept out would still wait its turn behind the batch
  // and then pay an fsync of its own. The price: a work is answered when its whole batch is
  // committed, so it also waits for the works taken after it; the limits keep that short, but
  // one long work (a STORE over a huge mailbox) delays the few taken before it by its length.
  //
  // A busy/locked error (another process holds the write lock) rolls the whole batch back and
  // runs it again until the busy timeout, so fn must be re-runnable: it must (re)initialise
  // every output it fills. fn runs on whichever thread leads the batch; its exceptions are
  // rethrown on the caller's thread. fn must not call Write itself.
  template <typename Fn>
  Status Write(Fn&& fn) {
    return RunWrite([&](Connection& conn) { return fn(conn); });
  }
  // The same inside a deferred (read) transaction, for one consistent snapshot.
  template <typename Fn>
  Status Read(Fn&& fn) {
    return RunTransaction(false, [&](Connection& conn) { return fn(conn); });
  }
  // A read transaction that outlives one call (a ContentReader streaming a body): a pooled
  // connection on which BEGIN and fn(Connection&) -> Status have run, retried like Read on
  // busy errors. The snapshot stays until the connection is given back with EndRead.
  Result<std::unique_ptr<Connection>> BeginRead(const std::function<Status(Connection&)>& fn);
  // Ends the read transaction and returns the connection to the pool.
  void EndRead(std::unique_ptr<Connection> conn);
  // Closes the idle pooled connections but the `keep` used last; each holds its own page cache.
  void CloseIdleConnections(size_t keep);
  size_t IdleConnections();  // for tests

  void set_group_commit_limits(GroupCommitLimits limits);
  // Write calls of this process under way (queued or running), for tests.
  size_t PendingWrites();

 private:
  using Work = std::function<Status(Connection&)>;
  struct PendingWrite;
  enum class Attempt { kFinished, kBusy, kRerun };

  Database(std::string path, int busy_timeout_ms);
  // One transaction, alone: reads, and the migration while Open still owns the Database.
  Status RunTransaction(bool write, const Work& fn);
  std::unique_ptr<Connection> Acquire();
  void Release(std::unique_ptr<Connection> conn);
  // After a failure: rolls back an open transaction and releases the connection, or drops it
  // when even the rollback failed (its state is unknown). Null is fine.
  void Abandon(std::unique_ptr<Connection> conn);
  // Once per committed write transaction, so that other processes see that something changed.
  static void BumpChangeStamp(Connection& conn);

  // Group commit (group_commit.cpp).
  Status RunWrite(const Work& fn);
  void LeadBatch();
  Attempt TryBatch(std::vector<PendingWrite*>& batch, std::string& busy_error);
  PendingWrite* TakeQueued();
  void Settle(PendingWrite* const* works, size_t count);

  const std::string path_;
  const int busy_timeout_ms_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;

  // Writers of this process queue here instead of in SQLite's busy handler, whose sleeps (up
  // to 100 ms a step) made the tail latency of concurrent deliveries. Other processes are still
  // kept apart by SQLite's lock and the retry loop.
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<PendingWrite*> queue_;
  bool leading_ = false;  // a thread is running a batch
  size_t pending_writes_ = 0;
  GroupCommitLimits limits_;
};

}  // namespace mailsuite::store
