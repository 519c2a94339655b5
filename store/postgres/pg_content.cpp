// Message text by range for the PostgreSQL store (Store::OpenContent, ReadContentRange). The
// header_prefix comes from the message row. A small body comes with the row; a big one is read
// by substring() per range, which on EXTERNAL (uncompressed, out-of-line) storage fetches only
// the chunks that hold the range. A reader holds no connection or snapshot between reads:
// content ids are never reused, so a body read later is the same body, or gone.
#include <algorithm>

#include "pg_store.h"

namespace mailsuite::store::postgres {
namespace {

constexpr int64_t kInlineBody = 64 * 1024;

struct ContentRow {
  std::string header_prefix;
  int64_t content_id = 0;
  uint64_t body_size = 0;
  std::optional<std::string> body;  // the body itself when it is small
};

Status NoSuchMessage(uint32_t uid) {
  return Status::Error("message " + std::to_string(uid) + " does not exist");
}

std::optional<ContentRow> FindContent(PgConn& conn, MailboxId mailbox, uint32_t uid) {
  PgResult r = Query(conn,
                     "SELECT m.header_prefix, m.content_id, c.size, CASE WHEN c.size <= $1 THEN "
                     "c.data END FROM messages m JOIN contents c ON c.id = m.content_id "
                     "WHERE m.mailbox_id = $2 AND m.uid = $3",
                     kInlineBody, mailbox, static_cast<int64_t>(uid));
  if (r.rows() == 0) return std::nullopt;
  ContentRow row;
  row.header_prefix = r.Text(0, 0);
  row.content_id = r.Int(0, 1);
  row.body_size = static_cast<uint64_t>(r.Int(0, 2));
  if (!r.IsNull(0, 3)) row.body = r.Text(0, 3);
  return row;
}

// Appends body octets [offset, offset + length) of a stored body. Throws PgError.
void ReadBody(PgConn& conn, int64_t content_id, uint64_t offset, uint64_t length,
              std::string& out) {
  PgResult r = Query(conn, "SELECT substring(data FROM $2 FOR $3) FROM contents WHERE id = $1",
                     content_id, static_cast<int64_t>(offset + 1), static_cast<int64_t>(length));
  if (r.rows() == 0) throw PgError("02000", "the message's content is gone (expunged meanwhile)");
  out.append(r.View(0, 0));
}

// Appends [offset, offset + length) of header_prefix + body to `out`.
template <typename ReadBodyFn>
void AppendRange(const ContentRow& row, uint64_t offset, uint64_t length, std::string& out,
                 ReadBodyFn&& read_body) {
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
  if (length == 0) return;
  if (row.body)
    out.append(*row.body, offset - prefix, length);
  else
    read_body(offset - prefix, length);
}

class PgContentReader final : public ContentReader {
 public:
  PgContentReader(PgDatabase& db, ContentRow row) : db_(db), row_(std::move(row)) {}

  uint64_t size() const override { return row_.header_prefix.size() + row_.body_size; }

  Status Read(uint64_t offset, uint64_t length, std::string& out) override {
    const size_t old = out.size();
    Status s = db_.Read([&](PgConn& conn) {
      out.resize(old);  // a retried read starts over
      AppendRange(row_, offset, length, out, [&](uint64_t body_offset, uint64_t body_length) {
        ReadBody(conn, row_.content_id, body_offset, body_length, out);
      });
      return Status::Ok();
    });
    if (!s.ok()) out.resize(old);
    return s;
  }

 private:
  PgDatabase& db_;
  const ContentRow row_;
};

}  // namespace

Result<std::unique_ptr<ContentReader>> PgStore::OpenContent(MailboxId mailbox, uint32_t uid) {
  ContentRow row;
  Status s = db_->Read([&](PgConn& conn) {
    std::optional<ContentRow> found = FindContent(conn, mailbox, uid);
    if (!found) return NoSuchMessage(uid);
    row = std::move(*found);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return std::unique_ptr<ContentReader>(new PgContentReader(*db_, std::move(row)));
}

Result<std::string> PgStore::ReadContentRange(MailboxId mailbox, uint32_t uid, uint64_t offset,
                                              uint64_t length) {
  std::string out;
  Status s = db_->Read([&](PgConn& conn) {
    out.clear();
    std::optional<ContentRow> row = FindContent(conn, mailbox, uid);
    if (!row) return NoSuchMessage(uid);
    AppendRange(*row, offset, length, out, [&](uint64_t body_offset, uint64_t body_length) {
      ReadBody(conn, row->content_id, body_offset, body_length, out);
    });
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

}  // namespace mailsuite::store::postgres
