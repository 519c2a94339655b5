// PostgreSQL plumbing for the store: a libpq connection with per-connection prepared statements,
// parameters bound by value (never string-built SQL), results read in binary, and a pool that
// runs read and write transactions with retries so that a serialization failure or deadlock
// between nodes never reaches a caller. Internal to store/: SQL errors travel as PgError
// exceptions inside store/ only and become Status values at the transaction boundary.
//
// Transactions:
// - Write: READ COMMITTED. Every write that allocates a UID or MODSEQ first locks the rows of the
//   mailboxes it changes (ascending id, SELECT … FOR UPDATE), so writers of one mailbox queue on
//   its row in every node, and a UID is visible only after every smaller UID of its mailbox is.
// - Read: REPEATABLE READ READ ONLY, one consistent snapshot for several queries.
#pragma once

#include <libpq-fe.h>

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

namespace mailsuite::store::postgres {

class PgError : public std::runtime_error {
 public:
  PgError(std::string sqlstate, const std::string& message)
      : std::runtime_error(message), sqlstate_(std::move(sqlstate)) {}
  const std::string& sqlstate() const { return sqlstate_; }
  // Another transaction won: running the work again gives the answer it would have had alone.
  // 40001 serialization failure, 40P01 deadlock, 23505 a unique key inserted meanwhile (the
  // work, run again, finds the row and answers as it would have).
  bool retryable() const {
    return sqlstate_ == "40001" || sqlstate_ == "40P01" || sqlstate_ == "23505";
  }
  // The connection is gone (class 08, or no SQLSTATE at all: libpq lost the server).
  bool connection_lost() const { return sqlstate_.empty() || sqlstate_.rfind("08", 0) == 0; }
  Status ToStatus() const {
    // 53100 disk_full, 53200 out_of_memory count as "no room": try later.
    return sqlstate_ == "53100" ? Status::NoSpace(what()) : Status::Error(what());
  }

 private:
  std::string sqlstate_;
};

// Marks a parameter to be sent as bytea (binary) rather than text.
struct Bytes {
  std::string_view data;
};
// A list of integers sent as an array literal ("{1,2,3}"): cast it in SQL ($1::bigint[]).
struct IntArray {
  const std::vector<int64_t>& values;
};
// A list of strings sent as an array literal ({"a","b\\"c"}): cast it in SQL ($1::text[]).
struct TextArray {
  const std::vector<std::string>& values;
};

// One result set, read in binary format. Columns of integer types may be int2/int4/int8.
class PgResult {
 public:
  explicit PgResult(PGresult* res) : res_(res) {}
  ~PgResult() { PQclear(res_); }
  PgResult(PgResult&& other) noexcept : res_(other.res_) { other.res_ = nullptr; }
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;

  int rows() const { return PQntuples(res_); }
  bool IsNull(int row, int col) const { return PQgetisnull(res_, row, col) != 0; }
  int64_t Int(int row, int col) const;  // NULL reads as 0
  bool Bool(int row, int col) const { return Int(row, col) != 0; }
  std::string Text(int row, int col) const { return std::string(View(row, col)); }
  std::string_view View(int row, int col) const {
    return std::string_view(PQgetvalue(res_, row, col),
                            static_cast<size_t>(PQgetlength(res_, row, col)));
  }
  int64_t affected() const;  // rows changed by INSERT/UPDATE/DELETE

 private:
  PGresult* res_;
};

// One libpq connection, used by one thread at a time. Statements are prepared once per
// connection, named by the order they were first used.
class PgConn {
 public:
  // Connects (libpq keywords/values, e.g. dbname=<URI>, password=…). Throws PgError.
  explicit PgConn(const std::vector<std::pair<std::string, std::string>>& params);
  ~PgConn();
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  PGconn* handle() const { return conn_; }
  bool healthy() const { return PQstatus(conn_) == CONNECTION_OK; }
  // Runs SQL without parameters, possibly several statements (migrations, BEGIN/COMMIT).
  void Exec(const char* sql);
  // Runs a prepared statement; values are NUL-terminated text or bytea (formats[i] == 1).
  PgResult Run(const char* sql, int count, const char* const* values, const int* lengths,
               const int* formats);
  [[noreturn]] void Throw(PGresult* res, std::string_view what);

 private:
  PGconn* conn_ = nullptr;
  std::unordered_map<std::string, std::string> prepared_;  // SQL text -> statement name
};

// Parameters of one statement, kept alive for the call.
class PgParams {
 public:
  template <typename... Args>
  explicit PgParams(const Args&... args) {
    (Add(args), ...);
  }
  int count() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  void AddText(std::string text) {
    text_.push_back(std::move(text));  // a deque: earlier c_str() pointers stay valid
    values_.push_back(text_.back().c_str());
    lengths_.push_back(0);  // libpq reads text parameters up to their NUL
    formats_.push_back(0);
  }
  template <typename T>
  void Add(const T& value) {
    if constexpr (std::is_same_v<T, Bytes>) {
      values_.push_back(value.data.data());
      lengths_.push_back(static_cast<int>(value.data.size()));
      formats_.push_back(1);
    } else if constexpr (std::is_same_v<T, IntArray>) {
      std::string list = "{";
      for (size_t i = 0; i < value.values.size(); ++i)
        list += (i ? "," : "") + std::to_string(value.values[i]);
      AddText(list + "}");
    } else if constexpr (std::is_same_v<T, TextArray>) {
      std::string list = "{";
      for (size_t i = 0; i < value.values.size(); ++i) {
        list += i ? ",\"" : "\"";
        for (char c : value.values[i]) {
          if (c == '"' || c == '\\') list += '\\';
          list += c;
        }
        list += '"';
      }
      AddText(list + "}");
    } else if constexpr (std::is_same_v<T, bool>) {
      AddText(value ? "true" : "false");
    } else if constexpr (std::is_integral_v<T>) {
      AddText(std::to_string(value));
    } else {
      AddText(std::string(std::string_view(value)));
    }
  }

  std::deque<std::string> text_;
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

// `text` as valid UTF-8 without NUL, for a text column: invalid sequences and NULs become '?'.
// For free text from the network (a remote server's reply), which a UTF-8 database refuses
// and SQLite stores as it comes.
std::string Utf8Text(std::string_view text);

template <typename... Args>
PgResult Query(PgConn& conn, const char* sql, const Args&... args) {
  PgParams params(args...);
  return conn.Run(sql, params.count(), params.values(), params.lengths(), params.formats());
}
// The first column of the first row, or `fallback` when there is no row or it is NULL.
template <typename... Args>
int64_t QueryInt(PgConn& conn, const char* sql, int64_t fallback, const Args&... args) {
  PgResult r = Query(conn, sql, args...);
  return r.rows() > 0 && !r.IsNull(0, 0) ? r.Int(0, 0) : fallback;
}
// Runs a statement; returns the rows it changed.
template <typename... Args>
int64_t Execute(PgConn& conn, const char* sql, const Args&... args) {
  return Query(conn, sql, args...).affected();
}

struct PgOptions {
  std::string url;       // libpq connection string or URI
  std::string password;  // from store.password_file; empty: libpq's own (PGPASSWORD, .pgpass)
  int busy_timeout_ms = 30000;
  size_t max_connections = 16;  // per process; sessions wait for a free one beyond that
};

// A pool of connections to one database and the transaction runners.
class PgDatabase {
 public:
  // Connects once (so a wrong URL fails here) and creates or upgrades the schema.
  static Result<std::unique_ptr<PgDatabase>> Open(const PgOptions& options, bool create);
  ~PgDatabase();
  PgDatabase(const PgDatabase&) = delete;
  PgDatabase& operator=(const PgDatabase&) = delete;

  // fn(PgConn&) -> Status in one READ COMMITTED transaction, committed when fn returns Ok and
  // rolled back otherwise. A retryable error before COMMIT runs fn again (up to the busy
  // timeout), so fn must (re)initialise every output it fills. A lost connection during COMMIT
  // is reported, never retried: the commit may have happened.
  template <typename Fn>
  Status Write(Fn&& fn) {
    return RunTransaction(true, [&](PgConn& conn) { return fn(conn); });
  }
  // The same in one REPEATABLE READ READ ONLY snapshot.
  template <typename Fn>
  Status Read(Fn&& fn) {
    return RunTransaction(false, [&](PgConn& conn) { return fn(conn); });
  }
  // A connection of its own, outside the pool (LISTEN, session advisory locks).
  std::unique_ptr<PgConn> Connect() const;
  void CloseIdleConnections(size_t keep);
  const std::string& url() const { return options_.url; }
  const PgOptions& options() const { return options_; }

 private:
  using Work = std::function<Status(PgConn&)>;
  explicit PgDatabase(PgOptions options);
  Status RunTransaction(bool write, const Work& fn);
  std::unique_ptr<PgConn> Acquire();
  void Release(std::unique_ptr<PgConn> conn);

  const PgOptions options_;
  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<PgConn>> idle_;
  size_t open_ = 0;  // connections of the pool, idle or in use
};

}  // namespace mailsuite::store::postgres
