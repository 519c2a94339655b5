// Connection, statement and transaction plumbing; see pg_db.h.
#include "pg_db.h"

#include <Poco/String.h>
#include <Poco/TextConverter.h>
#include <Poco/UTF8Encoding.h>
#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <thread>

#include "pg_schema.h"
#include "store_metrics.h"

namespace mailsuite::store::postgres {
namespace {

using Clock = std::chrono::steady_clock;

std::string Trimmed(const char* message) { return Poco::trim(std::string(message ? message : "")); }

// Reads a big-endian integer of `size` octets (binary result format).
int64_t ReadBigEndian(const char* data, int size) {
  uint64_t v = 0;
  for (int i = 0; i < size; ++i) v = (v << 8) | static_cast<unsigned char>(data[i]);
  if (size < 8 && size > 0 && (data[0] & 0x80)) v |= ~uint64_t{0} << (size * 8);  // sign
  return static_cast<int64_t>(v);
}

void IgnoreNotice(void*, const char*) {}  // "relation exists, skipping" and the like

}  // namespace

std::string Utf8Text(std::string_view text) {
  Poco::UTF8Encoding utf8;
  Poco::TextConverter converter(utf8, utf8, '?');
  std::string out;
  converter.convert(text.data(), static_cast<int>(text.size()), out);
  std::replace(out.begin(), out.end(), '\0', '?');
  return out;
}

int64_t PgResult::Int(int row, int col) const {
  if (PQgetisnull(res_, row, col)) return 0;
  int size = PQgetlength(res_, row, col);
  if (size != 1 && size != 2 && size != 4 && size != 8)
    throw PgError("XX000", "column " + std::to_string(col) + " is not an integer");
  return ReadBigEndian(PQgetvalue(res_, row, col), size);
}

int64_t PgResult::affected() const {
  const char* n = PQcmdTuples(res_);
  return n && *n ? std::strtoll(n, nullptr, 10) : 0;
}

PgConn::PgConn(const std::vector<std::pair<std::string, std::string>>& params) {
  std::vector<const char*> keys, values;
  for (const auto& [key, value] : params) {
    keys.push_back(key.c_str());
    values.push_back(value.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  conn_ = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string message = conn_ ? Trimmed(PQerrorMessage(conn_)) : "out of memory";
    PQfinish(conn_);
    conn_ = nullptr;
    throw PgError("08001", "cannot connect to PostgreSQL: " + message);
  }
  PQsetNoticeProcessor(conn_, IgnoreNotice, nullptr);
}

PgConn::~PgConn() { PQfinish(conn_); }

void PgConn::Throw(PGresult* res, std::string_view what) {
  std::string sqlstate, message;
  if (res) {
    const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    const char* primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    sqlstate = state ? state : "";
    message = primary ? primary : Trimmed(PQresultErrorMessage(res));
  }
  if (message.empty()) message = Trimmed(PQerrorMessage(conn_));
  if (!healthy()) sqlstate = "08006";  // connection_failure: libpq lost the server
  PQclear(res);
  throw PgError(sqlstate, std::string(what) + ": " + message);
}

void PgConn::Exec(const char* sql) {
  PGresult* res = PQexec(conn_, sql);
  ExecStatusType status = PQresultStatus(res);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) Throw(res, "exec");
  PQclear(res);
}

PgResult PgConn::Run(const char* sql, int count, const char* const* values, const int* lengths,
                     const int* formats) {
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = "s" + std::to_string(prepared_.size());
    PGresult* res = PQprepare(conn_, name.c_str(), sql, 0, nullptr);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) Throw(res, "prepare");
    PQclear(res);
    it = prepared_.emplace(sql, std::move(name)).first;
  }
  PGresult* res =
      PQexecPrepared(conn_, it->second.c_str(), count, values, lengths, formats, /*binary=*/1);
  ExecStatusType status = PQresultStatus(res);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) Throw(res, "query");
  return PgResult(res);
}

Result<std::unique_ptr<PgDatabase>> PgDatabase::Open(const PgOptions& options, bool create) {
  std::unique_ptr<PgDatabase> db(new PgDatabase(options));
  try {
    std::unique_ptr<PgConn> conn = db->Connect();
    if (Status s = Migrate(*conn, create); !s.ok()) return s;
    db->open_ = 1;
    db->Release(std::move(conn));
  } catch (const PgError& e) {
    return e.ToStatus();
  }
  return db;
}

PgDatabase::PgDatabase(PgOptions options) : options_(std::move(options)) {}

PgDatabase::~PgDatabase() = default;

std::unique_ptr<PgConn> PgDatabase::Connect() const {
  // TCP keepalives: a server (or a network path) that vanished without a word is noticed in
  // about a minute instead of the kernel's two hours.
  std::vector<std::pair<std::string, std::string>> params = {
      {"fallback_application_name", "mailsuite"},
      {"keepalives", "1"},
      {"keepalives_idle", "30"},
      {"keepalives_interval", "10"},
      {"keepalives_count", "3"},
      {"dbname", options_.url}};  // last: what the URL says wins over the defaults above
  if (!options_.password.empty()) params.emplace_back("password", options_.password);
  auto conn = std::make_unique<PgConn>(params);
  // A writer waits for another's row lock no longer than the busy timeout (as on SQLite), and
  // a node that stalls inside a transaction (stopped, partitioned) gives its locks back.
  conn->Exec(("SET lock_timeout = " + std::to_string(options_.busy_timeout_ms) +
              "; SET idle_in_transaction_session_timeout = 60000")
                 .c_str());
  return conn;
}

std::unique_ptr<PgConn> PgDatabase::Acquire() {
  {
    std::unique_lock lock(mu_);
    auto deadline = Clock::now() + std::chrono::milliseconds(options_.busy_timeout_ms);
    while (idle_.empty() && open_ >= options_.max_connections) {
      if (freed_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
          open_ >= options_.max_connections)
        throw PgError("53300", "all " + std::to_string(options_.max_connections) +
                                   " store connections of this process are busy");
    }
    if (!idle_.empty()) {
      std::unique_ptr<PgConn> conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
    ++open_;
  }
  try {
    return Connect();
  } catch (...) {
    std::lock_guard lock(mu_);
    --open_;
    freed_.notify_one();
    throw;
  }
}

void PgDatabase::Release(std::unique_ptr<PgConn> conn) {
  std::lock_guard lock(mu_);
  if (conn && conn->healthy() && PQtransactionStatus(conn->handle()) == PQTRANS_IDLE)
    idle_.push_back(std::move(conn));
  else
    --open_;  // dropped: its state is unknown
  freed_.notify_one();
}

void PgDatabase::CloseIdleConnections(size_t keep) {
  std::vector<std::unique_ptr<PgConn>> closing;
  {
    std::lock_guard lock(mu_);
    // idle_ is a stack: the front ones were used longest ago.
    while (idle_.size() > keep) {
      closing.push_back(std::move(idle_.front()));
      idle_.erase(idle_.begin());
      --open_;
    }
  }
}

Status PgDatabase::RunTransaction(bool write, const Work& fn) {
  const TransactionTimer timed("postgresql", write);
  const auto deadline = Clock::now() + std::chrono::milliseconds(options_.busy_timeout_ms);
  thread_local std::minstd_rand random(std::random_device{}());
  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<PgConn> conn;
    bool committing = false;
    try {
      conn = Acquire();
    } catch (const PgError& e) {
      return e.ToStatus();  // no server or no free connection: fail now, do not spin
    }
    try {
      conn->Exec(write ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      Status s = fn(*conn);
      if (!s.ok()) {
        conn->Exec("ROLLBACK");
        Release(std::move(conn));
        return s;
      }
      committing = true;
      conn->Exec("COMMIT");
      Release(std::move(conn));
      return Status::Ok();
    } catch (const PgError& e) {
      bool lost = !conn->healthy();
      if (!lost) {
        try {
          conn->Exec("ROLLBACK");
        } catch (const PgError&) {
          lost = true;
        }
      }
      if (lost) {
        conn.reset();
        // The server went away (a restart, a failover): the idle connections went with it.
        CloseIdleConnections(0);
      }
      Release(std::move(conn));
      if (committing && lost)
        return Status::Error("the store's connection was lost during COMMIT: " +
                             std::string(e.what()));
      // A lost connection before COMMIT committed nothing: again on a new one. A unique
      // violation that a rerun does not explain away within a few tries is a real one.
      bool again =
          (e.retryable() && (e.sqlstate() != "23505" || attempt < 3)) || (lost && attempt < 3);
      if (!again || Clock::now() >= deadline) return e.ToStatus();
      CountRetry("postgresql");
      // Back off a little, randomly, so that two nodes that collided do not collide again.
      int cap = std::min(50, 1 << std::min(attempt, 5));
      std::this_thread::sleep_for(std::chrono::milliseconds(1 + random() % cap));
    } catch (...) {
      if (conn && conn->healthy()) {
        try {
          conn->Exec("ROLLBACK");
        } catch (const PgError&) {
          conn.reset();
        }
      }
      Release(std::move(conn));
      throw;
    }
  }
}

}  // namespace mailsuite::store::postgres
