#include "mailbox_notifier.h"

#include <Poco/Logger.h>

namespace mailsuite::imapd {
namespace {

// Without inotify (or when a wake-up was missed) the store is still read this often.
constexpr std::chrono::milliseconds kFallbackPoll{1000};
// A write seen by inotify becomes visible to readers only when its commit completes (after
// the log's fsync), and the events of commits still in flight are drained together with the
// first: so after a wake-up the store is read again on this schedule (64 ms in all, densest at
// first, when most commits land). Busy
// stretches (an SMTP burst) thus cost a few cheap reads per batch, not one per commit.
constexpr std::chrono::milliseconds kRecheckAfterWrite[] = {
    std::chrono::milliseconds(1), std::chrono::milliseconds(1), std::chrono::milliseconds(2),
    std::chrono::milliseconds(2), std::chrono::milliseconds(2), std::chrono::milliseconds(3),
    std::chrono::milliseconds(3), std::chrono::milliseconds(4), std::chrono::milliseconds(4),
    std::chrono::milliseconds(6), std::chrono::milliseconds(8), std::chrono::milliseconds(12),
    std::chrono::milliseconds(16)};

}  // namespace

std::string MailboxKey(store::MailboxId id) { return "mailbox:" + std::to_string(id); }

MailboxNotifier::MailboxNotifier(store::Store& store, std::unique_ptr<store::ChangeWatcher> watcher,
                                 net::Waker& waker)
    : store_(store), watcher_(std::move(watcher)), waker_(waker) {}

MailboxNotifier::~MailboxNotifier() { Stop(); }

void MailboxNotifier::Start() {
  CheckOnce();  // the first reading: nothing to wake yet
  thread_ = std::thread([this] { Loop(); });
}

void MailboxNotifier::Stop() {
  stop_ = true;
  if (watcher_) watcher_->Interrupt();
  if (thread_.joinable()) thread_.join();
}

bool MailboxNotifier::CheckOnce() {
  auto stamp = store_.ChangeStamp();
  if (!stamp) {
    Poco::Logger::get("notifier").error("change stamp: " + stamp.error());
    return false;
  }
  if (primed_ && *stamp == last_stamp_) return false;
  auto rows = store_.MailboxModseqs();
  if (!rows) {
    Poco::Logger::get("notifier").error("mailbox modseqs: " + rows.error());
    return false;
  }
  std::unordered_map<store::MailboxId, uint64_t> now;
  now.reserve(rows->size());
  for (const auto& [id, modseq] : *rows) {
    now.emplace(id, modseq);
    if (!primed_) continue;
    auto old = modseqs_.find(id);
    if (old == modseqs_.end() || old->second != modseq) waker_.Wake(MailboxKey(id));
  }
  if (primed_)
    for (const auto& [id, modseq] : modseqs_)
      if (!now.count(id)) waker_.Wake(MailboxKey(id));  // deleted
  modseqs_ = std::move(now);
  last_stamp_ = *stamp;
  primed_ = true;
  return true;
}

void MailboxNotifier::Loop() {
  while (!stop_) {
    bool written = watcher_ ? watcher_->Wait(kFallbackPoll)
                            : (std::this_thread::sleep_for(kFallbackPoll), false);
    if (stop_) break;
    CheckOnce();
    if (!written) continue;
    for (auto delay : kRecheckAfterWrite) {
      if (stop_) break;
      std::this_thread::sleep_for(delay);
      CheckOnce();
    }
  }
}

}  // namespace mailsuite::imapd
