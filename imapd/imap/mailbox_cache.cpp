#include "mailbox_cache.h"

#include <algorithm>

#include "store/changes.h"

namespace mailsuite::imapd {

Result<std::optional<MailboxCache::Snapshot>> MailboxCache::Load(store::Store& store,
                                                                 store::MailboxId id) {
  std::shared_ptr<const Snapshot> base;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(id);
    if (it != entries_.end()) {
      base = it->second.snapshot;
      it->second.last_use = ++clock_;
    }
  }
  auto changes = store.ChangesSince(id, base ? base->mailbox.highest_modseq : 0);
  if (!changes) return changes.status();
  if (!changes->has_value()) return std::optional<Snapshot>();
  store::MailboxChanges& c = **changes;
  // Mailbox ids are reused after a delete; UIDVALIDITY tells the mailboxes apart.
  if (base && base->mailbox.uid_validity != c.mailbox.uid_validity) {
    base.reset();
    changes = store.ChangesSince(id, 0);
    if (!changes) return changes.status();
    if (!changes->has_value()) return std::optional<Snapshot>();
  }
  store::MailboxChanges& fresh = **changes;
  Snapshot now;
  now.mailbox = std::move(fresh.mailbox);
  if (base && fresh.complete)
    now.messages = store::ApplyChanges(base->messages, fresh);
  else
    now.messages = std::move(fresh.changed);  // a full list
  if (now.messages.size() >= kMinMessages &&
      (!base || base->mailbox.highest_modseq != now.mailbox.highest_modseq))
    Keep(id, now);
  return std::optional<Snapshot>(std::move(now));
}

void MailboxCache::Keep(store::MailboxId id, const Snapshot& snapshot) {
  auto copy = std::make_shared<const Snapshot>(snapshot);  // outside the lock
  std::lock_guard<std::mutex> lock(mu_);
  Entry& e = entries_[id];
  if (e.snapshot) {
    // Another session may have stored a newer one meanwhile: keep the newer.
    if (e.snapshot->mailbox.uid_validity == copy->mailbox.uid_validity &&
        e.snapshot->mailbox.highest_modseq >= copy->mailbox.highest_modseq)
      return;
    cached_ -= e.snapshot->messages.size();
  }
  e.snapshot = std::move(copy);
  e.last_use = ++clock_;
  cached_ += e.snapshot->messages.size();
  while (cached_ > kMaxMessages && entries_.size() > 1) {
    auto oldest = std::min_element(
        entries_.begin(), entries_.end(),
        [](const auto& a, const auto& b) { return a.second.last_use < b.second.last_use; });
    cached_ -= oldest->second.snapshot->messages.size();
    entries_.erase(oldest);
  }
}

size_t MailboxCache::cached_messages() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cached_;
}

}  // namespace mailsuite::imapd
