// Maildrop: one session's fixed view of a user's INBOX (RFC 1939 4, 5). The message list is
// taken once at login and numbered 1..n; numbers stay valid for the whole session, deleted
// messages keep their number, and messages that arrive later are not seen until the next login.
// DELE only marks; the store is changed by Commit() in the UPDATE state. Not thread-safe: one
// session owns one maildrop.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "shared/result.h"
#include "store/store.h"

namespace mailsuite::pop3d {

struct MaildropMessage {
  uint32_t uid = 0;
  int64_t size = 0;  // octets RETR sends before dot-stuffing
  bool deleted = false;
};

class Maildrop {
 public:
  // Reads the message list of `user`'s INBOX.
  static Result<Maildrop> Load(store::Store& store, store::UserId user);

  // The message numbered `number` (1-based), or nullptr when there is none or it is deleted.
  const MaildropMessage* Find(uint32_t number) const;
  bool MarkDeleted(uint32_t number);  // false when Find(number) is nullptr
  void UnmarkAll();                   // RSET

  // Messages not marked deleted, and their total size (STAT, RFC 1939 5).
  uint32_t count() const { return count_; }
  int64_t total_size() const { return total_size_; }
  // Every number ever issued in this session, deleted or not: 1..highest_number().
  uint32_t highest_number() const { return static_cast<uint32_t>(messages_.size()); }
  store::MailboxId mailbox_id() const { return mailbox_id_; }

  // RFC 1939 7: a unique-id of 1 to 70 characters in 0x21..0x7E. Derived from UIDVALIDITY and
  // UID, so it never changes for a message and is never reused by another message.
  std::string UniqueId(const MaildropMessage& message) const;

  // UPDATE (RFC 1939 6): removes the messages marked deleted in one store transaction. A
  // message someone else already expunged is simply gone.
  Status Commit(store::Store& store) const;
  uint32_t deleted_count() const { return highest_number() - count_; }

 private:
  store::MailboxId mailbox_id_ = 0;
  uint32_t uid_validity_ = 0;
  std::vector<MaildropMessage> messages_;
  uint32_t count_ = 0;
  int64_t total_size_ = 0;
};

}  // namespace mailsuite::pop3d
