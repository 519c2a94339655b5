// ParkingLot: where connections that wait with nothing to do (a client that has not sent its
// next command, IMAP IDLE) spend the wait without a thread of their own — Dovecot's
// hibernation, done in-process. One thread watches every parked socket with epoll; a parked
// connection gets a thread again (from the lot's own elastic pool) when its client sends
// something, when Wake(key) names it, at its deadline, or when the server stops. 10,000 silent
// connections then cost memory, not 10,000 threads. The pool's threads exit after a minute
// without work, so a burst does not leave its stacks behind.
//
// Lost wake-ups: a session reads Generation(key) BEFORE it looks at the store for the last
// time, and parks with that number; if Wake(key) ran in between, Park resumes it at once.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace mailsuite::net {

// Why a session runs (again): first start, or why its park ended.
enum class WakeReason { kStart, kReadable, kNotified, kDeadline, kStopping };
const char* WakeReasonName(WakeReason reason);

// Who can be told about changes: the part of the lot a session sees.
class Waker {
 public:
  virtual ~Waker() = default;
  // A number that grows with every Wake(key).
  virtual uint64_t Generation(const std::string& key) const = 0;
  // Resumes everything parked under `key` (kNotified).
  virtual void Wake(const std::string& key) = 0;
  // True while resumes wait for a thread, or the threads at work reach the lot's comfortable
  // number: a session about to wait for its client should then park at once rather than keep
  // a thread others need.
  virtual bool Busy() const = 0;
};

class ParkingLot : public Waker {
 public:
  using Clock = std::chrono::steady_clock;
  // Something parked: owns its socket (and whatever else the connection needs later).
  class Item {
   public:
    virtual ~Item() = default;
    virtual int fd() const = 0;
  };
  // Runs on a pool thread for each item leaving the lot; it owns the item from then on.
  using ResumeFn = std::function<void(std::unique_ptr<Item>, WakeReason)>;

  // Runs resumes on up to `comfortable_threads` threads, and on up to `max_threads` while
  // queued resumes stall behind busy ones; Busy() from `comfortable_threads` at work on.
  ParkingLot(ResumeFn resume, int comfortable_threads, int max_threads);
  ~ParkingLot();
  ParkingLot(const ParkingLot&) = delete;
  ParkingLot& operator=(const ParkingLot&) = delete;

  // Queues `item` for a pool thread at once (a connection just accepted).
  void Run(std::unique_ptr<Item> item, WakeReason reason);

  // What ends a park besides a wake-up, the deadline and stopping: the client's input, or
  // room for output the client has not taken yet (both resume with kReadable), or nothing
  // (a reply held back until the deadline).
  enum class Await { kInput, kOutputRoom, kDeadlineOnly };
  // Parks `item` under `key` (empty: never notified) until `deadline`. Resumes it at once
  // when Generation(key) is no longer `generation`, when the lot is stopping, or when the fd
  // cannot be watched (kReadable: the read then tells what happened).
  void Park(std::unique_ptr<Item> item, const std::string& key, uint64_t generation,
            Clock::time_point deadline, Await await = Await::kInput);

  uint64_t Generation(const std::string& key) const override;
  void Wake(const std::string& key) override;
  bool Busy() const override;

  // Resumes every parked item with kStopping; later Park calls resume at once with kStopping.
  void StopAll();
  // StopAll, then waits for queued and running resumes to return and joins the threads.
  void Shutdown();

  size_t parked() const;
  int threads() const;
  // When the watch loop last turned (steady clock, milliseconds); it turns at least once a
  // second while it runs.
  int64_t turned_ms() const { return turned_ms_.load(std::memory_order_relaxed); }

 private:
  struct Entry {
    std::unique_ptr<Item> item;
    std::string key;
    std::multimap<Clock::time_point, uint64_t>::iterator deadline;
  };
  struct Job {
    std::unique_ptr<Item> item;
    WakeReason reason;
    Clock::time_point queued;
  };

  void WatchLoop();
  void WorkerLoop();
  // Joins the threads that left WorkerLoop after idling. Caller holds mu_.
  void JoinRetiredLocked();
  // Takes entry `id` out of the lot and queues its resume. Caller holds mu_.
  void ReleaseLocked(uint64_t id, WakeReason reason);
  void EnqueueLocked(std::unique_ptr<Item> item, WakeReason reason);
  // Starts a worker; false when the system refuses a thread. Caller holds mu_.
  bool AddWorkerLocked();
  // Past comfortable_threads_, the watch thread adds a worker only when the oldest queued job
  // has waited kStall: sessions are stuck on slow clients, not just many and quick.
  void GrowIfStalledLocked(Clock::time_point now);

  ResumeFn resume_;
  const int comfortable_threads_;
  const int max_threads_;
  int epoll_fd_ = -1;
  int event_fd_ = -1;  // interrupts epoll_wait (stop)

  mutable std::mutex mu_;
  bool stopping_ = false;
  bool shut_down_ = false;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, Entry> entries_;
  std::unordered_map<std::string, std::unordered_set<uint64_t>> by_key_;
  std::unordered_map<std::string, uint64_t> generations_;
  std::multimap<Clock::time_point, uint64_t> deadlines_;

  std::condition_variable work_cv_;  // jobs_ or stopping
  std::condition_variable done_cv_;  // a job finished
  std::deque<Job> jobs_;
  int idle_workers_ = 0;
  int running_jobs_ = 0;
  std::vector<std::thread> workers_;
  std::vector<std::thread> retired_;  // idle too long: returned (or returning), to be joined
  std::thread watcher_;
  std::atomic<int64_t> turned_ms_{0};
};

}  // namespace mailsuite::net
