#include "change_listener.h"

#include <Poco/Logger.h>

#include <iterator>
#include <thread>

#include "sqlite_store.h"

namespace mailsuite::store {
namespace {

constexpr std::chrono::milliseconds kRecheckAfterWrite[] = {
    std::chrono::milliseconds(1),   std::chrono::milliseconds(1),  std::chrono::milliseconds(2),
    std::chrono::milliseconds(2),   std::chrono::milliseconds(2),  std::chrono::milliseconds(3),
    std::chrono::milliseconds(3),   std::chrono::milliseconds(4),  std::chrono::milliseconds(4),
    std::chrono::milliseconds(6),   std::chrono::milliseconds(8),  std::chrono::milliseconds(12),
    std::chrono::milliseconds(16),  std::chrono::milliseconds(32), std::chrono::milliseconds(64),
    std::chrono::milliseconds(128), std::chrono::milliseconds(256)};
constexpr size_t kRecheckSteps = std::size(kRecheckAfterWrite);

}  // namespace

SqliteChangeListener::SqliteChangeListener(Store& store, std::unique_ptr<ChangeWatcher> watcher,
                                           uint64_t stamp)
    : store_(store), watcher_(std::move(watcher)), stamp_(stamp), recheck_(kRecheckSteps) {}

Result<std::vector<MailboxChange>> SqliteChangeListener::Wait(std::chrono::milliseconds timeout) {
  const std::chrono::milliseconds delay =
      recheck_ < kRecheckSteps ? kRecheckAfterWrite[recheck_++] : timeout;
  bool written = false;
  if (watcher_) {
    written = watcher_->Wait(delay);
  } else {
    // Sleep in short steps so that Interrupt ends it soon.
    auto until = std::chrono::steady_clock::now() + delay;
    while (!interrupted_ && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (interrupted_) return std::vector<MailboxChange>();
  if (written) recheck_ = 0;
  auto changed = store_.MailboxesChangedSince(stamp_);
  if (!changed) return changed.status();
  stamp_ = changed->first;
  return std::move(changed->second);
}

void SqliteChangeListener::Interrupt() {
  interrupted_ = true;
  if (watcher_) watcher_->Interrupt();
}

Result<std::unique_ptr<ChangeListener>> SqliteStore::Listen() {
  auto stamp = ChangeStamp();
  if (!stamp) return stamp.status();
  auto watcher = ChangeWatcher::Open(path_);
  if (!watcher)
    Poco::Logger::get("store").warning(
        "change notification falls back to reading the store "
        "every second: " +
        watcher.error());
  return std::unique_ptr<ChangeListener>(std::make_unique<SqliteChangeListener>(
      *this, watcher ? std::move(watcher.value()) : nullptr, *stamp));
}

}  // namespace mailsuite::store
