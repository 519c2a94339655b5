// The outbound queue of the SQLite store: one shared body per message, one row per recipient
// with its delivery state. Retry policy (when, how often, when to bounce) lives in mta/.
#include "names.h"
#include "sqlite_store.h"

namespace mailsuite::store {
namespace {

constexpr const char kSelectRecipient[] =
    "SELECT id, queue_id, address, notify, orcpt, state, attempts, next_attempt, last_error "
    "FROM queue_recipients ";

QueueRecipient ReadRecipient(const Stmt& stmt) {
  QueueRecipient r;
  r.id = stmt.Int(0);
  r.queue_id = stmt.Int(1);
  r.address = stmt.Text(2);
  r.notify = stmt.Text(3);
  r.orcpt = stmt.Text(4);
  r.state = static_cast<RecipientState>(stmt.Int(5));
  r.attempts = static_cast<int>(stmt.Int(6));
  r.next_attempt = stmt.Int(7);
  r.last_error = stmt.Text(8);
  return r;
}

// Due: queued, its time has come, and no runner's claim holds it (state, now, now, limit).
constexpr const char kDueWhere[] =
    "WHERE state = ? AND next_attempt <= ? AND claimed_until <= ? "
    "ORDER BY next_attempt, id LIMIT ?";

constexpr const char kSelectQueue[] =
    "SELECT q.id, q.sender, q.envid, q.ret, q.created_at, c.size FROM queue q "
    "JOIN contents c ON c.id = q.content_id ";

QueueMessage ReadQueueRow(const Stmt& stmt) {
  QueueMessage q;
  q.id = stmt.Int(0);
  q.sender = stmt.Text(1);
  q.envid = stmt.Text(2);
  q.ret = stmt.Text(3);
  q.created_at = stmt.Int(4);
  q.size = stmt.Int(5);
  return q;
}

void LoadRecipients(Connection& conn, QueueMessage& q) {
  static const std::string sql = std::string(kSelectRecipient) + "WHERE queue_id = ? ORDER BY id";
  Stmt stmt(conn, sql.c_str(), q.id);
  while (stmt.Step()) q.recipients.push_back(ReadRecipient(stmt));
}

}  // namespace

QueueId InsertQueueMessage(Connection& conn, const NewQueueMessage& message, int64_t content_id) {
  int64_t now = NowSeconds();
  // A number never given before (schema v12), not the next rowid, which a deletion frees.
  Execute(conn, "UPDATE meta SET last_queue_id = last_queue_id + 1");
  const QueueId id = QueryInt(conn, "SELECT last_queue_id FROM meta", 0);
  Execute(conn,
          "INSERT INTO queue (id, sender, envid, ret, content_id, created_at) "
          "VALUES (?, ?, ?, ?, ?, ?)",
          id, message.sender, message.envid, message.ret, content_id, now);
  int64_t due = message.next_attempt > 0 ? message.next_attempt : now;
  for (const NewQueueRecipient& r : message.recipients) {
    Execute(conn,
            "INSERT INTO queue_recipients (queue_id, address, notify, orcpt, state, "
            "next_attempt) VALUES (?, ?, ?, ?, ?, ?)",
            id, r.address, r.notify, r.orcpt, static_cast<int>(RecipientState::kQueued), due);
  }
  return id;
}

Result<QueueId> SqliteStore::Enqueue(const NewQueueMessage& message) {
  if (message.recipients.empty()) return Status::Error("queued message has no recipients");
  QueueId id = 0;
  Status s = db_->Write([&](Connection& conn) {
    id = InsertQueueMessage(conn, message, InsertContent(conn, message.content, ""));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return id;
}

Result<std::vector<QueueMessage>> SqliteStore::ListQueue() {
  std::vector<QueueMessage> out;
  Status s = db_->Read([&](Connection& conn) {
    out.clear();
    {
      static const std::string sql = std::string(kSelectQueue) + "ORDER BY q.id";
      Stmt stmt(conn, sql.c_str());
      while (stmt.Step()) out.push_back(ReadQueueRow(stmt));
    }
    for (QueueMessage& q : out) LoadRecipients(conn, q);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::optional<QueueMessage>> SqliteStore::GetQueueMessage(QueueId id) {
  std::optional<QueueMessage> out;
  Status s = db_->Read([&](Connection& conn) {
    out.reset();
    {
      static const std::string sql = std::string(kSelectQueue) + "WHERE q.id = ?";
      Stmt stmt(conn, sql.c_str(), id);
      if (stmt.Step()) out = ReadQueueRow(stmt);
    }
    if (out) LoadRecipients(conn, *out);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::string> SqliteStore::ReadQueueContent(QueueId id) {
  std::string out;
  Status s = db_->Read([&](Connection& conn) {
    Stmt stmt(conn,
              "SELECT c.data FROM queue q JOIN contents c ON c.id = q.content_id WHERE q.id = ?",
              id);
    if (!stmt.Step()) {
      return Status::Error("queued message " + std::to_string(id) + " does not exist");
    }
    out = stmt.BlobValue(0);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Status SqliteStore::UpdateRecipient(RecipientId id, const RecipientUpdate& update) {
  return db_->Write([&](Connection& conn) {
    Execute(conn,
            "UPDATE queue_recipients SET state = ?, attempts = ?, next_attempt = ?, "
            "last_error = ?, claimed_by = '', claimed_until = 0 WHERE id = ?",
            static_cast<int>(update.state), update.attempts, update.next_attempt, update.last_error,
            id);
    if (sqlite3_changes(conn.handle()) == 0) {
      return Status::Error("queue recipient " + std::to_string(id) + " does not exist");
    }
    return Status::Ok();
  });
}

Status SqliteStore::DeleteQueueMessage(QueueId id) {
  return db_->Write([&](Connection& conn) {
    Execute(conn, "DELETE FROM queue_recipients WHERE queue_id = ?", id);
    Execute(conn, "DELETE FROM queue WHERE id = ?", id);  // trigger releases the content
    if (sqlite3_changes(conn.handle()) == 0) {
      return Status::Error("queued message " + std::to_string(id) + " does not exist");
    }
    return Status::Ok();
  });
}

Result<QueueSummary> SqliteStore::SummarizeQueue() {
  QueueSummary out;
  Status s = db_->Read([&](Connection& conn) {
    out = QueueSummary{};
    out.messages = QueryInt(conn, "SELECT count(*) FROM queue", 0);
    Stmt stmt(conn,
              "SELECT CASE WHEN r.attempts > 0 THEN 1 ELSE 0 END AS tried, count(*), "
              "min(q.created_at) FROM queue_recipients r JOIN queue q ON q.id = r.queue_id "
              "WHERE r.state = ? GROUP BY tried",
              static_cast<int>(RecipientState::kQueued));
    while (stmt.Step()) {
      const bool deferred = stmt.Int(0) != 0;
      (deferred ? out.deferred_recipients : out.fresh_recipients) = stmt.Int(1);
      (deferred ? out.oldest_deferred : out.oldest_fresh) = stmt.Int(2);
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<QueueRecipient>> SqliteStore::DueRecipients(int64_t now, int limit) {
  std::vector<QueueRecipient> out;
  Status s = db_->Read([&](Connection& conn) {
    out.clear();
    static const std::string sql = std::string(kSelectRecipient) + kDueWhere;
    Stmt stmt(conn, sql.c_str(), static_cast<int>(RecipientState::kQueued), now, now, limit);
    while (stmt.Step()) out.push_back(ReadRecipient(stmt));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<QueueRecipient>> SqliteStore::ClaimDueRecipients(int64_t now, int limit,
                                                                    const std::string& owner,
                                                                    int64_t lease_until) {
  // Read first: a scan that finds nothing due writes (and fsyncs) nothing.
  auto due = DueRecipients(now, limit);
  if (!due.ok() || due->empty()) return due;
  std::vector<QueueRecipient> out;
  Status s = db_->Write([&](Connection& conn) {
    out.clear();
    static const std::string sql = std::string(kSelectRecipient) + kDueWhere;
    {
      Stmt stmt(conn, sql.c_str(), static_cast<int>(RecipientState::kQueued), now, now, limit);
      while (stmt.Step()) out.push_back(ReadRecipient(stmt));
    }
    for (const QueueRecipient& r : out)
      Execute(conn, "UPDATE queue_recipients SET claimed_by = ?, claimed_until = ? WHERE id = ?",
              owner, lease_until, r.id);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Status SqliteStore::ExtendClaims(const std::vector<RecipientId>& ids, const std::string& owner,
                                 int64_t lease_until) {
  if (ids.empty()) return Status::Ok();
  return db_->Write([&](Connection& conn) {
    for (RecipientId id : ids)
      Execute(conn, "UPDATE queue_recipients SET claimed_until = ? WHERE id = ? AND claimed_by = ?",
              lease_until, id, owner);
    return Status::Ok();
  });
}

Result<bool> SqliteStore::ClaimToFinish(QueueId id, const std::string& owner, int64_t now,
                                        int64_t lease_until) {
  bool taken = false;
  Status s = db_->Write([&](Connection& conn) {
    Execute(conn,
            "UPDATE queue SET finish_by = ?, finish_until = ? WHERE id = ? AND "
            "(finish_until <= ? OR finish_by = ?)",
            owner, lease_until, id, now, owner);
    taken = sqlite3_changes(conn.handle()) > 0;
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return taken;
}

Status SqliteStore::ReleaseClaims(const std::string& owner) {
  return db_->Write([&](Connection& conn) {
    Execute(conn,
            "UPDATE queue_recipients SET claimed_by = '', claimed_until = 0 WHERE claimed_by = ?",
            owner);
    return Status::Ok();
  });
}

}  // namespace mailsuite::store
