#include "shared/net/parking_lot.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>
#include <system_error>

#include <Poco/Logger.h>

namespace mailsuite::net {
namespace {

constexpr uint64_t kEventFdId = 0;  // entry ids start at 1
constexpr int kMaxEvents = 256;
// The watch thread looks at deadlines at least this often. Deadlines are autologout times
// (30 minutes and more), so a second of lateness is harmless.
constexpr int kMaxWaitMs = 1000;
// A pool thread that found no work for this long returns, down to kMinWorkers.
constexpr std::chrono::seconds kWorkerIdleExit{60};
// How long the oldest queued resume may wait, with comfortable_threads_ all at work, before the
// watch thread adds a worker; and how often it looks while resumes are queued.
constexpr std::chrono::milliseconds kStall{25};
constexpr int kStallCheckMs = 10;
constexpr size_t kMinWorkers = 2;

}  // namespace

const char* WakeReasonName(WakeReason reason) {
  switch (reason) {
    case WakeReason::kStart:
      return "start";
    case WakeReason::kReadable:
      return "readable";
    case WakeReason::kNotified:
      return "notified";
    case WakeReason::kDeadline:
      return "deadline";
    case WakeReason::kStopping:
      return "stopping";
  }
  return "?";
}

ParkingLot::ParkingLot(ResumeFn resume, int comfortable_threads, int max_threads)
    : resume_(std::move(resume)),
      comfortable_threads_(std::max(1, comfortable_threads)),
      max_threads_(std::max(comfortable_threads_, max_threads)) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  event_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (epoll_fd_ < 0 || event_fd_ < 0)
    throw std::system_error(errno, std::generic_category(), "parking lot");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kEventFdId;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, event_fd_, &ev);
  watcher_ = std::thread([this] { WatchLoop(); });
}

ParkingLot::~ParkingLot() {
  Shutdown();
  ::close(epoll_fd_);
  ::close(event_fd_);
}

void ParkingLot::Run(std::unique_ptr<Item> item, WakeReason reason) {
  std::lock_guard<std::mutex> lock(mu_);
  EnqueueLocked(std::move(item), stopping_ ? WakeReason::kStopping : reason);
}

void ParkingLot::Park(std::unique_ptr<Item> item, const std::string& key, uint64_t generation,
                      Clock::time_point deadline, Await await) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return EnqueueLocked(std::move(item), WakeReason::kStopping);
  if (!key.empty()) {
    auto g = generations_.find(key);
    if ((g == generations_.end() ? 0 : g->second) != generation)
      return EnqueueLocked(std::move(item), WakeReason::kNotified);
  }
  const uint64_t id = next_id_++;
  epoll_event ev{};
  // Not EPOLLRDHUP for output: a client that half-closed and does not read would wake it
  // forever (EPOLLERR and EPOLLHUP come either way).
  ev.events = await == Await::kInput ? EPOLLIN | EPOLLRDHUP : EPOLLOUT;
  ev.data.u64 = id;
  if (await != Await::kDeadlineOnly && ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, item->fd(), &ev) != 0)
    return EnqueueLocked(std::move(item), WakeReason::kReadable);
  Entry entry{std::move(item), key, deadlines_.emplace(deadline, id)};
  if (!key.empty()) by_key_[key].insert(id);
  entries_.emplace(id, std::move(entry));
}

uint64_t ParkingLot::Generation(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto g = generations_.find(key);
  return g == generations_.end() ? 0 : g->second;
}

void ParkingLot::Wake(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  ++generations_[key];
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return;
  std::vector<uint64_t> ids(it->second.begin(), it->second.end());
  for (uint64_t id : ids) ReleaseLocked(id, WakeReason::kNotified);
}

bool ParkingLot::Busy() const {
  std::lock_guard<std::mutex> lock(mu_);
  return !jobs_.empty() || running_jobs_ >= comfortable_threads_;
}

void ParkingLot::StopAll() {
  std::lock_guard<std::mutex> lock(mu_);
  stopping_ = true;
  std::vector<uint64_t> ids;
  ids.reserve(entries_.size());
  for (const auto& [id, entry] : entries_) ids.push_back(id);
  for (uint64_t id : ids) ReleaseLocked(id, WakeReason::kStopping);
}

void ParkingLot::Shutdown() {
  StopAll();
  std::unique_lock<std::mutex> lock(mu_);
  if (shut_down_) return;
  done_cv_.wait(lock, [this] { return jobs_.empty() && running_jobs_ == 0; });
  shut_down_ = true;
  work_cv_.notify_all();
  lock.unlock();
  uint64_t one = 1;
  if (::write(event_fd_, &one, sizeof one) < 0) {
    // The watch thread still ends within kMaxWaitMs.
  }
  for (std::thread& t : workers_) t.join();
  lock.lock();
  JoinRetiredLocked();
  lock.unlock();
  if (watcher_.joinable()) watcher_.join();
}

size_t ParkingLot::parked() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

int ParkingLot::threads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(workers_.size());
}

void ParkingLot::ReleaseLocked(uint64_t id, WakeReason reason) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;  // already resumed for another reason
  Entry& entry = it->second;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, entry.item->fd(), nullptr);  // ENOENT: deadline only
  if (!entry.key.empty()) {
    auto k = by_key_.find(entry.key);
    if (k != by_key_.end()) {
      k->second.erase(id);
      if (k->second.empty()) by_key_.erase(k);
    }
  }
  deadlines_.erase(entry.deadline);
  std::unique_ptr<Item> item = std::move(entry.item);
  entries_.erase(it);
  EnqueueLocked(std::move(item), reason);
}

void ParkingLot::JoinRetiredLocked() {
  // A retired thread lists itself and returns, releasing mu_ for good; whoever holds mu_ now
  // joins it without a deadlock.
  for (std::thread& t : retired_) t.join();
  retired_.clear();
}

void ParkingLot::EnqueueLocked(std::unique_ptr<Item> item, WakeReason reason) {
  jobs_.push_back(Job{std::move(item), reason, Clock::now()});
  JoinRetiredLocked();
  const bool waits = static_cast<int>(jobs_.size()) > idle_workers_;
  // Grow to the comfortable number at once while queued jobs outnumber idle workers.
  if (waits && static_cast<int>(workers_.size()) < comfortable_threads_ && !shut_down_ &&
      AddWorkerLocked())
    return;
  work_cv_.notify_one();
  // Past it, growth waits for a stall: a crowd of quick resumes (10,000 clients closing at
  // once) is served by the threads there are; sessions stuck on slow clients are not waited
  // behind for long. The watch thread may be in a long epoll_wait: wake it to look.
  if (waits && jobs_.size() == 1 && static_cast<int>(workers_.size()) < max_threads_) {
    uint64_t one = 1;
    if (::write(event_fd_, &one, sizeof one) < 0) {
      // Already signalled (the counter is full): it wakes anyway.
    }
  }
}

bool ParkingLot::AddWorkerLocked() {
  try {
    workers_.emplace_back([this] { WorkerLoop(); });
    return true;
  } catch (const std::system_error& e) {
    // Out of threads (a pids limit): the job waits for a worker that exists.
    Poco::Logger::get("server").error(std::string("parking lot: no new thread: ") + e.what());
    return false;
  }
}

void ParkingLot::GrowIfStalledLocked(Clock::time_point now) {
  if (jobs_.empty() || shut_down_ || idle_workers_ > 0) return;
  if (static_cast<int>(workers_.size()) >= max_threads_) return;
  if (now - jobs_.front().queued < kStall) return;
  AddWorkerLocked();
}

void ParkingLot::WorkerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    bool timed_out = false;
    while (jobs_.empty() && !shut_down_ && !timed_out) {
      ++idle_workers_;
      timed_out = work_cv_.wait_for(lock, kWorkerIdleExit) == std::cv_status::timeout;
      --idle_workers_;
    }
    if (jobs_.empty() && shut_down_) return;
    if (jobs_.empty() && workers_.size() > kMinWorkers) {
      // Retire: move this thread's handle out of workers_ for the next Enqueue or Shutdown to
      // join. The thread touches nothing of the lot after the lock is released below.
      auto self = std::find_if(workers_.begin(), workers_.end(), [](const std::thread& t) {
        return t.get_id() == std::this_thread::get_id();
      });
      if (self != workers_.end()) {
        retired_.push_back(std::move(*self));
        workers_.erase(self);
        return;
      }
    }
    if (jobs_.empty()) continue;
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    ++running_jobs_;
    lock.unlock();
    try {
      resume_(std::move(job.item), job.reason);
    } catch (const std::exception& e) {
      Poco::Logger::get("server").error(std::string("resuming a parked session: ") + e.what());
    }
    lock.lock();
    --running_jobs_;
    done_cv_.notify_all();
  }
}

void ParkingLot::WatchLoop() {
  epoll_event events[kMaxEvents];
  for (;;) {
    turned_ms_.store(
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
            .count(),
        std::memory_order_relaxed);
    int timeout_ms = kMaxWaitMs;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (shut_down_) return;
      if (!deadlines_.empty()) {
        auto until = std::chrono::duration_cast<std::chrono::milliseconds>(
                         deadlines_.begin()->first - Clock::now())
                         .count();
        timeout_ms = static_cast<int>(std::clamp<long long>(until, 0, kMaxWaitMs));
      }
      if (!jobs_.empty()) timeout_ms = std::min(timeout_ms, kStallCheckMs);
    }
    int n = ::epoll_wait(epoll_fd_, events, kMaxEvents, timeout_ms);
    std::lock_guard<std::mutex> lock(mu_);
    if (shut_down_) return;
    for (int i = 0; i < n; ++i) {
      if (events[i].data.u64 == kEventFdId) {
        uint64_t drained;
        if (::read(event_fd_, &drained, sizeof drained) < 0) {
          // Nothing to drain (EAGAIN): another wake-up already did.
        }
        continue;
      }
      ReleaseLocked(events[i].data.u64, WakeReason::kReadable);
    }
    const Clock::time_point now = Clock::now();
    while (!deadlines_.empty() && deadlines_.begin()->first <= now)
      ReleaseLocked(deadlines_.begin()->second, WakeReason::kDeadline);
    GrowIfStalledLocked(now);
  }
}

}  // namespace mailsuite::net
