// MailboxCache: the message list of recently selected large mailboxes, kept by one imapd for
// all its sessions, so that a SELECT of a mailbox another session (Thunderbird opens several
// per account) or an earlier connection already read costs a copy plus the store's changes
// since then (Store::ChangesSince), not a read of every row. Dovecot keeps index files for the
// same reason. Bounded: only mailboxes of kMinMessages or more are kept (smaller ones are cheap
// to read), at most kMaxMessages rows in all, least recently used dropped first.
// Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "store/store.h"

namespace mailsuite::imapd {

class MailboxCache {
 public:
  static constexpr size_t kMinMessages = 2000;
  static constexpr size_t kMaxMessages = 1000000;  // about 90 MB of rows

  struct Snapshot {
    store::Mailbox mailbox;                    // as of the list
    std::vector<store::MessageInfo> messages;  // ascending UID
  };

  // The mailbox's current list and state, in one consistent snapshot of the store; nullopt
  // when the mailbox does not exist.
  Result<std::optional<Snapshot>> Load(store::Store& store, store::MailboxId id);

  size_t cached_messages() const;  // for tests

 private:
  struct Entry {
    std::shared_ptr<const Snapshot> snapshot;
    uint64_t last_use = 0;
  };
  void Keep(store::MailboxId id, const Snapshot& snapshot);

  mutable std::mutex mu_;
  std::unordered_map<store::MailboxId, Entry> entries_;
  size_t cached_ = 0;  // rows in entries_
  uint64_t clock_ = 0;
};

}  // namespace mailsuite::imapd
