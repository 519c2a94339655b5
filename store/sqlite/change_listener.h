// SqliteChangeListener: Store::Listen for the SQLite backend. SQLite has no notification
// channel between processes, so it sleeps on the database's directory (ChangeWatcher: inotify
// sees every commit's write to the log) and then asks the store which mailboxes changed since
// its last look (Store::MailboxesChangedSince: an index range, so it costs what changed).
// A write seen by inotify becomes visible to readers only when its commit completes (after the
// log's fsync), and the events of commits still in flight are drained together with the first:
// so after a wake-up it looks again on a schedule (densest at first, when most commits land;
// then up to half a second for a commit whose fsync is slow, or that waited for a batch). Busy
// stretches (an SMTP burst) thus cost a few cheap reads per batch, not one per commit. Without
// inotify it reads the store once per Wait timeout.
#pragma once

#include <atomic>
#include <memory>

#include "change_watcher.h"
#include "store/store.h"

namespace mailsuite::store {

class SqliteChangeListener final : public ChangeListener {
 public:
  // `watcher` may be null (no inotify). `stamp`: the store's change stamp to report from.
  SqliteChangeListener(Store& store, std::unique_ptr<ChangeWatcher> watcher, uint64_t stamp);

  Result<std::vector<MailboxChange>> Wait(std::chrono::milliseconds timeout) override;
  void Interrupt() override;

 private:
  Store& store_;
  std::unique_ptr<ChangeWatcher> watcher_;
  uint64_t stamp_;
  size_t recheck_;  // the next step of the schedule after a write; past its end: none pending
  std::atomic<bool> interrupted_{false};
};

}  // namespace mailsuite::store
