// The outbound queue of the PostgreSQL store (as store/sqlite/queue.cpp).
#include <algorithm>

#include "names.h"
#include "pg_store.h"

namespace mailsuite::store::postgres {
namespace {

#define SELECT_RECIPIENT                                                                    \
  "SELECT id, queue_id, address, notify, orcpt, state, attempts, next_attempt, last_error " \
  "FROM queue_recipients "

QueueRecipient ReadRecipient(const PgResult& r, int row) {
  QueueRecipient q;
  q.id = r.Int(row, 0);
  q.queue_id = r.Int(row, 1);
  q.address = r.Text(row, 2);
  q.notify = r.Text(row, 3);
  q.orcpt = r.Text(row, 4);
  q.state = static_cast<RecipientState>(r.Int(row, 5));
  q.attempts = static_cast<int>(r.Int(row, 6));
  q.next_attempt = r.Int(row, 7);
  q.last_error = r.Text(row, 8);
  return q;
}

#define SELECT_QUEUE                                                          \
  "SELECT q.id, q.sender, q.envid, q.ret, q.created_at, c.size FROM queue q " \
  "JOIN contents c ON c.id = q.content_id "

QueueMessage ReadQueueRow(const PgResult& r, int row) {
  QueueMessage q;
  q.id = r.Int(row, 0);
  q.sender = r.Text(row, 1);
  q.envid = r.Text(row, 2);
  q.ret = r.Text(row, 3);
  q.created_at = r.Int(row, 4);
  q.size = r.Int(row, 5);
  return q;
}

void LoadRecipients(PgConn& conn, QueueMessage& q) {
  PgResult r = Query(conn, SELECT_RECIPIENT "WHERE queue_id = $1 ORDER BY id", q.id);
  for (int i = 0; i < r.rows(); ++i) q.recipients.push_back(ReadRecipient(r, i));
}

}  // namespace

QueueId InsertQueueMessage(PgConn& conn, const NewQueueMessage& message, int64_t content_id) {
  int64_t now = NowSeconds();
  QueueId id = QueryInt(conn,
                        "INSERT INTO queue (sender, envid, ret, content_id, created_at) "
                        "VALUES ($1, $2, $3, $4, $5) RETURNING id",
                        0, message.sender, message.envid, message.ret, content_id, now);
  int64_t due = message.next_attempt > 0 ? message.next_attempt : now;
  for (const NewQueueRecipient& r : message.recipients) {
    Execute(conn,
            "INSERT INTO queue_recipients (queue_id, address, notify, orcpt, state, "
            "next_attempt) VALUES ($1, $2, $3, $4, $5, $6)",
            id, r.address, r.notify, r.orcpt, static_cast<int>(RecipientState::kQueued), due);
  }
  return id;
}

Result<QueueId> PgStore::Enqueue(const NewQueueMessage& message) {
  if (message.recipients.empty()) return Status::Error("queued message has no recipients");
  QueueId id = 0;
  Status s = db_->Write([&](PgConn& conn) {
    id = InsertQueueMessage(conn, message, InsertContent(conn, message.content, ""));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return id;
}

Result<std::vector<QueueMessage>> PgStore::ListQueue() {
  std::vector<QueueMessage> out;
  Status s = db_->Read([&](PgConn& conn) {
    out.clear();
    {
      PgResult r = Query(conn, SELECT_QUEUE "ORDER BY q.id");
      for (int i = 0; i < r.rows(); ++i) out.push_back(ReadQueueRow(r, i));
    }
    // One query for every recipient, not one per message.
    PgResult r = Query(conn, SELECT_RECIPIENT "ORDER BY queue_id, id");
    size_t next = 0;
    for (int i = 0; i < r.rows(); ++i) {
      QueueRecipient recipient = ReadRecipient(r, i);
      while (next < out.size() && out[next].id < recipient.queue_id) ++next;
      if (next < out.size() && out[next].id == recipient.queue_id)
        out[next].recipients.push_back(std::move(recipient));
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::optional<QueueMessage>> PgStore::GetQueueMessage(QueueId id) {
  std::optional<QueueMessage> out;
  Status s = db_->Read([&](PgConn& conn) {
    out.reset();
    {
      PgResult r = Query(conn, SELECT_QUEUE "WHERE q.id = $1", id);
      if (r.rows() > 0) out = ReadQueueRow(r, 0);
    }
    if (out) LoadRecipients(conn, *out);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::string> PgStore::ReadQueueContent(QueueId id) {
  std::string out;
  Status s = db_->Read([&](PgConn& conn) {
    PgResult r = Query(
        conn, "SELECT c.data FROM queue q JOIN contents c ON c.id = q.content_id WHERE q.id = $1",
        id);
    if (r.rows() == 0) {
      return Status::Error("queued message " + std::to_string(id) + " does not exist");
    }
    out = r.Text(0, 0);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Status PgStore::UpdateRecipient(RecipientId id, const RecipientUpdate& update) {
  return db_->Write([&](PgConn& conn) {
    if (Execute(conn,
                "UPDATE queue_recipients SET state = $1, attempts = $2, next_attempt = $3, "
                "last_error = $4, claimed_by = '', claimed_until = 0 WHERE id = $5",
                static_cast<int>(update.state), update.attempts, update.next_attempt,
                Utf8Text(update.last_error), id) == 0) {
      return Status::Error("queue recipient " + std::to_string(id) + " does not exist");
    }
    return Status::Ok();
  });
}

Status PgStore::DeleteQueueMessage(QueueId id) {
  return db_->Write([&](PgConn& conn) {
    Execute(conn, "DELETE FROM queue_recipients WHERE queue_id = $1", id);
    if (Execute(conn, "DELETE FROM queue WHERE id = $1", id) == 0) {
      return Status::Error("queued message " + std::to_string(id) + " does not exist");
    }
    return Status::Ok();
  });
}

Result<QueueSummary> PgStore::SummarizeQueue() {
  QueueSummary out;
  Status s = db_->Read([&](PgConn& conn) {
    out = QueueSummary{};
    out.messages = QueryInt(conn, "SELECT count(*) FROM queue", 0);
    PgResult r = Query(conn,
                       "SELECT CASE WHEN r.attempts > 0 THEN 1 ELSE 0 END AS tried, count(*), "
                       "min(q.created_at) FROM queue_recipients r JOIN queue q "
                       "ON q.id = r.queue_id WHERE r.state = $1 GROUP BY tried",
                       static_cast<int>(RecipientState::kQueued));
    for (int i = 0; i < r.rows(); ++i) {
      const bool deferred = r.Int(i, 0) != 0;
      (deferred ? out.deferred_recipients : out.fresh_recipients) = r.Int(i, 1);
      (deferred ? out.oldest_deferred : out.oldest_fresh) = r.Int(i, 2);
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<QueueRecipient>> PgStore::DueRecipients(int64_t now, int limit) {
  std::vector<QueueRecipient> out;
  Status s = db_->Read([&](PgConn& conn) {
    out.clear();
    PgResult r = Query(conn,
                       SELECT_RECIPIENT
                       "WHERE state = $1 AND next_attempt <= $2 AND claimed_until <= $2 "
                       "ORDER BY next_attempt, id LIMIT $3",
                       static_cast<int>(RecipientState::kQueued), now, limit);
    for (int i = 0; i < r.rows(); ++i) out.push_back(ReadRecipient(r, i));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<QueueRecipient>> PgStore::ClaimDueRecipients(int64_t now, int limit,
                                                                const std::string& owner,
                                                                int64_t lease_until) {
  std::vector<QueueRecipient> out;
  Status s = db_->Write([&](PgConn& conn) {
    out.clear();
    // SKIP LOCKED: rows another node is claiming right now are left to it, not waited for.
    PgResult r = Query(conn,
                       "UPDATE queue_recipients q SET claimed_by = $5, claimed_until = $4 FROM "
                       "(SELECT id FROM queue_recipients WHERE state = $1 AND next_attempt <= $2 "
                       "AND claimed_until <= $2 ORDER BY next_attempt, id LIMIT $3 FOR UPDATE "
                       "SKIP LOCKED) due WHERE q.id = due.id RETURNING q.id, q.queue_id, "
                       "q.address, q.notify, q.orcpt, q.state, q.attempts, q.next_attempt, "
                       "q.last_error",
                       static_cast<int>(RecipientState::kQueued), now, limit, lease_until, owner);
    for (int i = 0; i < r.rows(); ++i) out.push_back(ReadRecipient(r, i));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  std::sort(out.begin(), out.end(), [](const QueueRecipient& a, const QueueRecipient& b) {
    return std::make_pair(a.next_attempt, a.id) < std::make_pair(b.next_attempt, b.id);
  });
  return out;
}

Status PgStore::ExtendClaims(const std::vector<RecipientId>& ids, const std::string& owner,
                             int64_t lease_until) {
  if (ids.empty()) return Status::Ok();
  return db_->Write([&](PgConn& conn) {
    Execute(conn,
            "UPDATE queue_recipients SET claimed_until = $1 WHERE id = ANY($2::bigint[]) AND "
            "claimed_by = $3",
            lease_until, IntArray{ids}, owner);
    return Status::Ok();
  });
}

Result<bool> PgStore::ClaimToFinish(QueueId id, const std::string& owner, int64_t now,
                                    int64_t lease_until) {
  bool taken = false;
  Status s = db_->Write([&](PgConn& conn) {
    taken = Execute(conn,
                    "UPDATE queue SET finish_by = $1, finish_until = $2 WHERE id = $3 AND "
                    "(finish_until <= $4 OR finish_by = $1)",
                    owner, lease_until, id, now) > 0;
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return taken;
}

Status PgStore::ReleaseClaims(const std::string& owner) {
  return db_->Write([&](PgConn& conn) {
    Execute(conn,
            "UPDATE queue_recipients SET claimed_by = '', claimed_until = 0 WHERE claimed_by = $1",
            owner);
    return Status::Ok();
  });
}

}  // namespace mailsuite::store::postgres
