// Message text by range for the SQLite store (Store::OpenContent, ReadContentRange). The
// header_prefix comes from the message row. A big body is read with SQLite's incremental blob
// I/O on contents.data (rowid = content id), which touches only the pages up to the asked-for
// octets: the whole blob is never loaded, as `SELECT data` would do. A small body (most mail)
// comes with the row in the same query, which is cheaper than opening a blob handle.
#include <algorithm>
#include <chrono>

#include "sqlite_store.h"

namespace mailsuite::store {
namespace {

using Clock = std::chrono::steady_clock;

// How long a reader keeps one read snapshot. While it is open, SQLite cannot checkpoint the
// write-ahead log past it, so a client that reads a big message slowly must not hold it for
// the whole download. Renewing costs one walk of the blob's overflow chain up to the offset.
constexpr auto kMaxSnapshotAge = std::chrono::seconds(1);

// Bodies up to this size are read whole with their row (a few pages at most).
constexpr int64_t kInlineBody = 64 * 1024;

// What a reader needs of one message row.
struct ContentRow {
  std::string header_prefix;
  int64_t content_id = 0;
  std::string hash;  // tells the body apart from a later one that reuses its rowid
  uint64_t body_size = 0;
  std::optional<std::string> body;  // the body itself when it is small
};

Status NoSuchMessage(uint32_t uid) {
  return Status::Error("message " + std::to_string(uid) + " does not exist");
}

std::optional<ContentRow> FindContent(Connection& conn, MailboxId mailbox, uint32_t uid) {
  // hash and size sit before data in the row: reading them does not walk the body's pages,
  // and data is only read when it is small.
  Stmt stmt(conn,
            "SELECT m.header_prefix, m.content_id, c.hash, c.size, "
            "CASE WHEN c.size <= ? THEN c.data END FROM messages m "
            "JOIN contents c ON c.id = m.content_id WHERE m.mailbox_id = ? AND m.uid = ?",
            kInlineBody, mailbox, uid);
  if (!stmt.Step()) return std::nullopt;
  ContentRow row;
  row.header_prefix = stmt.BlobValue(0);
  row.content_id = stmt.Int(1);
  row.hash = stmt.BlobValue(2);
  row.body_size = static_cast<uint64_t>(stmt.Int(3));
  if (!stmt.IsNull(4)) {
    row.body = stmt.BlobValue(4);
    if (row.body->size() != row.body_size)
      throw SqlError(SQLITE_CORRUPT,
                     "content " + std::to_string(row.content_id) + " is not of its recorded size");
  }
  return row;
}

// An open read-only sqlite3_blob on contents.data of one row, closed when destroyed. Lives
// inside the read transaction of the connection it was opened on.
class BodyBlob {
 public:
  BodyBlob(Connection& conn, const ContentRow& row) : conn_(conn) {
    int rc =
        sqlite3_blob_open(conn.handle(), "main", "contents", "data", row.content_id, 0, &blob_);
    if (rc != SQLITE_OK) {
      sqlite3_blob_close(blob_);  // NULL after a failed open; closing NULL is a no-op
      conn.Throw(rc, "open content " + std::to_string(row.content_id));
    }
    if (static_cast<uint64_t>(sqlite3_blob_bytes(blob_)) != row.body_size) {
      sqlite3_blob_close(blob_);
      throw SqlError(SQLITE_CORRUPT,
                     "content " + std::to_string(row.content_id) + " is not of its recorded size");
    }
  }
  ~BodyBlob() { sqlite3_blob_close(blob_); }
  BodyBlob(const BodyBlob&) = delete;
  BodyBlob& operator=(const BodyBlob&) = delete;

  // Appends [offset, offset + length) of the body, clipped to its end. Throws SqlError.
  void Read(uint64_t offset, uint64_t length, std::string& out) {
    auto size = static_cast<uint64_t>(sqlite3_blob_bytes(blob_));
    if (offset >= size) return;
    // A blob is at most SQLITE_MAX_LENGTH (< 2^31) octets, so these fit sqlite3_blob_read's ints.
    uint64_t n = std::min(length, size - offset);
    size_t old = out.size();
    out.resize(old + n);
    int rc =
        sqlite3_blob_read(blob_, out.data() + old, static_cast<int>(n), static_cast<int>(offset));
    if (rc != SQLITE_OK) {
      out.resize(old);
      conn_.Throw(rc, "read content");
    }
  }

 private:
  Connection& conn_;
  sqlite3_blob* blob_ = nullptr;
};

// Appends [offset, offset + length) of header_prefix + body to `out`: the prefix part from the
// row, the body part through `read_body(body_offset, length)`.
template <typename ReadBody>
void AppendRange(const ContentRow& row, uint64_t offset, uint64_t length, std::string& out,
                 ReadBody&& read_body) {
  const uint64_t prefix = row.header_prefix.size();
  const uint64_t total = prefix + row.body_size;
  if (offset >= total || length == 0) return;
  length = std::min(length, total - offset);
  if (offset < prefix) {
    uint64_t take = std::min(length, prefix - offset);
    out.append(row.header_prefix, offset, take);
    offset += take;
    length -= take;
  }
  if (length > 0) read_body(offset - prefix, length);
}

class SqliteContentReader final : public ContentReader {
 public:
  SqliteContentReader(Database& db, ContentRow row, std::unique_ptr<Connection> conn)
      : db_(db), row_(std::move(row)), conn_(std::move(conn)), snapshot_at_(Clock::now()) {}
  ~SqliteContentReader() override { EndSnapshot(); }

  uint64_t size() const override { return row_.header_prefix.size() + row_.body_size; }

  Status Read(uint64_t offset, uint64_t length, std::string& out) override {
    const size_t old = out.size();
    try {
      AppendRange(row_, offset, length, out, [&](uint64_t body_offset, uint64_t body_length) {
        if (row_.body) {
          out.append(*row_.body, body_offset, body_length);
          return;
        }
        if (!conn_ || Clock::now() - snapshot_at_ > kMaxSnapshotAge) Renew();
        if (!blob_) blob_ = std::make_unique<BodyBlob>(*conn_, row_);
        blob_->Read(body_offset, body_length, out);
      });
      return Status::Ok();
    } catch (const SqlError& e) {
      out.resize(old);
      EndSnapshot();  // the next Read starts over in a fresh snapshot
      return e.ToStatus();
    }
  }

 private:
  // A fresh snapshot in which the body is still the one this reader opened. Throws SqlError.
  void Renew() {
    EndSnapshot();
    Result<std::unique_ptr<Connection>> conn = db_.BeginRead([&](Connection& c) {
      Stmt stmt(c, "SELECT hash FROM contents WHERE id = ?", row_.content_id);
      if (!stmt.Step() || stmt.BlobValue(0) != row_.hash)
        return Status::Error("the message's content is gone (expunged meanwhile)");
      return Status::Ok();
    });
    if (!conn.ok()) throw SqlError(SQLITE_NOTFOUND, conn.error());
    conn_ = std::move(conn).value();
    snapshot_at_ = Clock::now();
  }

  void EndSnapshot() {
    blob_.reset();  // before its transaction ends
    if (conn_) db_.EndRead(std::move(conn_));
  }

  Database& db_;
  const ContentRow row_;
  std::unique_ptr<Connection> conn_;  // in a read transaction while set
  std::unique_ptr<BodyBlob> blob_;    // opened on the first body read of a snapshot
  Clock::time_point snapshot_at_;
};

}  // namespace

Result<std::unique_ptr<ContentReader>> SqliteStore::OpenContent(MailboxId mailbox, uint32_t uid) {
  ContentRow row;
  Result<std::unique_ptr<Connection>> conn = db_->BeginRead([&](Connection& c) {
    std::optional<ContentRow> found = FindContent(c, mailbox, uid);
    if (!found) return NoSuchMessage(uid);
    row = std::move(*found);
    return Status::Ok();
  });
  if (!conn.ok()) return conn.status();
  std::unique_ptr<Connection> snapshot = std::move(conn).value();
  if (row.body) db_->EndRead(std::move(snapshot));  // all there is to read came with the row
  return std::unique_ptr<ContentReader>(
      new SqliteContentReader(*db_, std::move(row), std::move(snapshot)));
}

Result<std::string> SqliteStore::ReadContentRange(MailboxId mailbox, uint32_t uid, uint64_t offset,
                                                  uint64_t length) {
  std::string out;
  Status s = db_->Read([&](Connection& conn) {
    out.clear();
    std::optional<ContentRow> row = FindContent(conn, mailbox, uid);
    if (!row) return NoSuchMessage(uid);
    AppendRange(*row, offset, length, out, [&](uint64_t body_offset, uint64_t body_length) {
      if (row->body)
        out.append(*row->body, body_offset, body_length);
      else
        BodyBlob(conn, *row).Read(body_offset, body_length, out);
    });
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

}  // namespace mailsuite::store
