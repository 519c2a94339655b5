// Store::Accept: local delivery and queueing of one accepted SMTP message in one transaction,
// so a "250" never stands for half a delivery.
#include "message_metadata.h"
#include "sqlite_store.h"

namespace mailsuite::store {

Result<AcceptResult> SqliteStore::Accept(const std::vector<DeliveryTarget>& targets,
                                         const NewQueueMessage* queue, const std::string& content,
                                         int64_t internal_date, const std::string& metadata,
                                         const std::vector<NewQueueMessage>& also_queue) {
  bool has_queue = queue != nullptr && !queue->recipients.empty();
  if (targets.empty() && !has_queue && also_queue.empty())
    return Status::Error("message has no recipients");
  AcceptResult out;
  // Queue-only mail is never read by IMAP: no structure to parse.
  const std::string meta = targets.empty() ? metadata : MessageMetadata(content, metadata);
  Status s = db_->Write([&](Connection& conn) {
    out = AcceptResult{};
    for (const NewQueueMessage& extra : also_queue)
      InsertQueueMessage(conn, extra, InsertContent(conn, extra.content, ""));
    if (targets.empty() && !has_queue) return Status::Ok();  // only the extra messages
    int64_t content_id = InsertContent(conn, content, meta);
    for (const DeliveryTarget& target : targets) {
      uint32_t uid = InsertMessage(conn, target.mailbox, content_id, internal_date, target.flags,
                                   target.header_prefix);
      if (uid == 0)
        return Status::Error("mailbox " + std::to_string(target.mailbox) + " does not exist");
      out.uids.push_back(uid);
    }
    if (has_queue) out.queue_id = InsertQueueMessage(conn, *queue, content_id);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

}  // namespace mailsuite::store
