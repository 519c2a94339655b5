// Connection, statement and transaction plumbing; see sqlite_db.h.
#include "sqlite_db.h"

#include <sys/stat.h>

#include <iterator>
#include <random>
#include <thread>

#include "schema.h"
#include "store_metrics.h"

namespace mailsuite::store {
namespace {

constexpr size_t kMaxIdleConnections = 32;

}  // namespace

Connection::Connection(const std::string& path, int flags, int busy_timeout_ms) {
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw SqlError(rc, "cannot open database " + path + ": " + message);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, busy_timeout_ms);
  Exec("PRAGMA foreign_keys = ON");
  Exec("PRAGMA synchronous = FULL");
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

void Connection::Throw(int rc, std::string_view what) const {
  throw SqlError(rc, std::string(what) + ": " + sqlite3_errmsg(db_));
}

sqlite3_stmt* Connection::Prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return it->second;
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) Throw(rc, "prepare");
  cache_.emplace(sql, stmt);
  return stmt;
}

void Connection::Exec(const char* sql) {
  char* error = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    std::string message = error ? error : sqlite3_errstr(rc);
    sqlite3_free(error);
    throw SqlError(rc, message);
  }
}

bool Stmt::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  conn_.Throw(rc, "step");
}

void Stmt::Run() {
  while (Step()) {
  }
}

std::string Stmt::Text(int col) const {
  const unsigned char* text = sqlite3_column_text(stmt_, col);
  return text ? std::string(reinterpret_cast<const char*>(text), sqlite3_column_bytes(stmt_, col))
              : std::string();
}

std::string_view Stmt::TextView(int col) const {
  const unsigned char* text = sqlite3_column_text(stmt_, col);
  return text ? std::string_view(reinterpret_cast<const char*>(text),
                                 static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
              : std::string_view();
}

std::string Stmt::BlobValue(int col) const {
  const void* data = sqlite3_column_blob(stmt_, col);
  return data ? std::string(static_cast<const char*>(data), sqlite3_column_bytes(stmt_, col))
              : std::string();
}

Database::Database(std::string path, int busy_timeout_ms)
    : path_(std::move(path)), busy_timeout_ms_(busy_timeout_ms) {
  idle_.reserve(kMaxIdleConnections);  // Release never allocates, so never throws after a COMMIT
}

Database::~Database() = default;

Result<std::unique_ptr<Database>> Database::Open(const std::string& path, int busy_timeout_ms,
                                                 bool create) {
  if (path.empty()) return Status::Error("no database path configured (store.path)");
  if (!create) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
      return Status::Error("database " + path + " does not exist; run mailsuite init");
    }
  }
  std::unique_ptr<Database> db(new Database(path, std::max(busy_timeout_ms, 100)));
  try {
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    db->idle_.push_back(std::make_unique<Connection>(path, flags, db->busy_timeout_ms_));
  } catch (const SqlError& e) {
    return e.ToStatus();
  }
  // journal_mode needs the write lock when it changes; retry like any writer would.
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(db->busy_timeout_ms_);
  for (;;) {
    std::unique_ptr<Connection> conn = db->Acquire();
    try {
      Stmt mode(*conn, "PRAGMA journal_mode = WAL");
      std::string got = mode.Step() ? mode.Text(0) : "";
      if (got != "wal") return Status::Error("database " + path + ": cannot switch to WAL mode");
      db->Release(std::move(conn));
      break;
    } catch (const SqlError& e) {
      if (!e.busy() || std::chrono::steady_clock::now() > deadline) {
        return Status::Error("database " + path + ": " + e.what());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  Status migrated = db->RunTransaction(true, [&](Connection& conn) { return Migrate(conn, path); });
  if (!migrated.ok()) return migrated;
  return db;
}

std::unique_ptr<Connection> Database::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      std::unique_ptr<Connection> conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
  }
  return std::make_unique<Connection>(path_, SQLITE_OPEN_READWRITE, busy_timeout_ms_);
}

void Database::Abandon(std::unique_ptr<Connection> conn) {
  if (!conn) return;
  if (!sqlite3_get_autocommit(conn->handle())) {
    try {
      conn->Exec("ROLLBACK");
    } catch (const SqlError&) {
      return;  // a connection in an unknown state is not reused
    }
  }
  Release(std::move(conn));
}

void Database::Release(std::unique_ptr<Connection> conn) {
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < kMaxIdleConnections) idle_.push_back(std::move(conn));
}

void Database::CloseIdleConnections(size_t keep) {
  std::vector<std::unique_ptr<Connection>> closing;  // closed below, outside the lock
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() <= keep) return;
    // Acquire takes from the back, so the front holds those used longest ago.
    auto end = idle_.begin() + static_cast<std::ptrdiff_t>(idle_.size() - keep);
    std::move(idle_.begin(), end, std::back_inserter(closing));
    idle_.erase(idle_.begin(), end);
  }
}

size_t Database::IdleConnections() {
  std::lock_guard<std::mutex> lock(mu_);
  return idle_.size();
}

void Database::BumpChangeStamp(Connection& conn) {
  Execute(conn, "UPDATE meta SET change_stamp = change_stamp + 1");
}

Status Database::RunTransaction(bool write, const Work& fn) {
  const TransactionTimer timed("sqlite", write);
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(busy_timeout_ms_);
  thread_local std::minstd_rand jitter(std::random_device{}());
  int backoff_ms = 1;
  for (;;) {
    std::unique_ptr<Connection> conn;
    try {
      conn = Acquire();
    } catch (const SqlError& e) {
      return e.ToStatus();
    }
    try {
      conn->Exec(write ? "BEGIN IMMEDIATE" : "BEGIN");
      Status status = fn(*conn);
      if (!status.ok()) {
        conn->Exec("ROLLBACK");
        Release(std::move(conn));
        return status;
      }
      if (write) BumpChangeStamp(*conn);
      conn->Exec("COMMIT");
      Release(std::move(conn));
      return Status::Ok();
    } catch (const SqlError& e) {
      Abandon(std::move(conn));
      if (!e.busy() || Clock::now() >= deadline) return e.ToStatus();
      CountRetry("sqlite");
      std::this_thread::sleep_for(std::chrono::milliseconds(jitter() % backoff_ms + 1));
      backoff_ms = std::min(backoff_ms * 2, 50);
    }
  }
}

Result<std::unique_ptr<Connection>> Database::BeginRead(
    const std::function<Status(Connection&)>& fn) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(busy_timeout_ms_);
  int backoff_ms = 1;
  for (;;) {
    std::unique_ptr<Connection> conn;
    try {
      conn = Acquire();
      conn->Exec("BEGIN");
      Status status = fn(*conn);
      if (status.ok()) return conn;
      conn->Exec("ROLLBACK");
      Release(std::move(conn));
      return status;
    } catch (const SqlError& e) {
      Abandon(std::move(conn));
      if (!e.busy() || Clock::now() >= deadline) return e.ToStatus();
      CountRetry("sqlite");
      std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
      backoff_ms = std::min(backoff_ms * 2, 50);
    }
  }
}

void Database::EndRead(std::unique_ptr<Connection> conn) {
  try {
    if (!sqlite3_get_autocommit(conn->handle())) conn->Exec("COMMIT");
    Release(std::move(conn));
  } catch (const SqlError&) {
    // Not reused: the connection is closed with the unique_ptr.
  }
}

}  // namespace mailsuite::store
