// Group commit for Database::Write (the contract is in sqlite_db.h): the writers of one process
// that arrive while a commit is under way share the next transaction, so that N acknowledged
// writes cost one fsync instead of N. Nothing is acknowledged before its COMMIT returned.
#include <algorithm>
#include <random>
#include <thread>

#include "sqlite_db.h"
#include "store_metrics.h"

namespace mailsuite::store {
namespace {

using Clock = std::chrono::steady_clock;

enum class WorkOutcome { kOk, kFailed, kTransactionLost };

// Runs one work inside its own savepoint; a failed work's changes are undone, so the works after
// it never see them. A busy error propagates: the whole batch is rolled back and retried.
WorkOutcome RunInSavepoint(Connection& conn, const std::function<Status(Connection&)>& fn,
                           Status& status, std::exception_ptr& exception) {
  Execute(conn, "SAVEPOINT work");
  try {
    status = fn(conn);
    if (status.ok()) {
      Execute(conn, "RELEASE work");
      return WorkOutcome::kOk;
    }
  } catch (const SqlError& e) {
    if (e.busy()) throw;
    status = e.ToStatus();
  } catch (...) {
    exception = std::current_exception();
  }
  // After some errors (SQLITE_FULL, IOERR, NOMEM, ...) SQLite has already rolled back the
  // whole transaction, savepoint included: the works before this one lost their changes too.
  if (sqlite3_get_autocommit(conn.handle())) return WorkOutcome::kTransactionLost;
  Execute(conn, "ROLLBACK TO work");
  Execute(conn, "RELEASE work");
  return WorkOutcome::kFailed;
}

}  // namespace

struct Database::PendingWrite {
  PendingWrite(const Work& work, Clock::time_point busy_deadline)
      : fn(work), deadline(busy_deadline) {}
  const Work& fn;
  const Clock::time_point deadline;  // busy retries stop here, as for a lone transaction
  Status status = Status::Ok();
  std::exception_ptr exception;  // thrown by fn on the leader's thread, rethrown on the caller's
  bool done = false;             // guarded by queue_mu_
};

void Database::set_group_commit_limits(GroupCommitLimits limits) {
  std::lock_guard<std::mutex> lock(queue_mu_);
  limits_ = limits;
}

size_t Database::PendingWrites() {
  std::lock_guard<std::mutex> lock(queue_mu_);
  return pending_writes_;
}

Status Database::RunWrite(const Work& fn) {
  const TransactionTimer timed("sqlite", true);
  PendingWrite me(fn, Clock::now() + std::chrono::milliseconds(busy_timeout_ms_));
  std::unique_lock<std::mutex> lock(queue_mu_);
  ++pending_writes_;
  queue_.push_back(&me);
  while (!me.done) {
    if (leading_) {
      queue_cv_.wait(lock);
      continue;
    }
    // No batch under way: lead one. It takes works from the front of the queue, which may or
    // may not reach this one; if not, the loop leads (or follows) again.
    leading_ = true;
    lock.unlock();
    LeadBatch();
    lock.lock();
    leading_ = false;
    queue_cv_.notify_all();
  }
  --pending_writes_;
  lock.unlock();
  if (me.exception) std::rethrow_exception(me.exception);
  return me.status;
}

Database::PendingWrite* Database::TakeQueued() {
  std::lock_guard<std::mutex> lock(queue_mu_);
  if (queue_.empty()) return nullptr;
  PendingWrite* w = queue_.front();
  queue_.pop_front();
  return w;
}

void Database::Settle(PendingWrite* const* works, size_t count) {
  std::lock_guard<std::mutex> lock(queue_mu_);
  for (size_t i = 0; i < count; ++i) works[i]->done = true;  // from here on its caller may return
  queue_cv_.notify_all();
}

// Commits one batch, retrying it while another process holds the write lock, and settles every
// work it took.
void Database::LeadBatch() {
  thread_local std::minstd_rand jitter(std::random_device{}());
  size_t max_works;
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    max_works = std::max<size_t>(limits_.max_works, 1);
  }
  std::vector<PendingWrite*> batch;  // run (again) by the next attempt
  batch.reserve(max_works);          // so that no push_back throws and loses a work
  int backoff_ms = 1;
  for (;;) {
    Attempt attempt;
    std::string busy_error;
    try {
      attempt = TryBatch(batch, busy_error);
    } catch (...) {  // outside any work (say bad_alloc): nothing was committed
      for (PendingWrite* w : batch) w->exception = std::current_exception();
      attempt = Attempt::kFinished;
    }
    if (attempt == Attempt::kFinished) break;
    if (attempt == Attempt::kRerun) continue;
    // Busy: works past their deadline give up as a lone transaction would; the others wait
    // and run again, with the works that queued meanwhile.
    const Clock::time_point now = Clock::now();
    auto expired = std::stable_partition(batch.begin(), batch.end(),
                                         [&](const PendingWrite* w) { return w->deadline > now; });
    for (auto it = expired; it != batch.end(); ++it) {
      (*it)->status = Status::Error(busy_error);
      (*it)->exception = nullptr;
    }
    Settle(batch.data() + (expired - batch.begin()), static_cast<size_t>(batch.end() - expired));
    batch.erase(expired, batch.end());
    if (batch.empty()) return;
    CountRetry("sqlite");
    std::this_thread::sleep_for(std::chrono::milliseconds(jitter() % backoff_ms + 1));
    backoff_ms = std::min(backoff_ms * 2, 50);
  }
  Settle(batch.data(), batch.size());
}

// One attempt: BEGIN IMMEDIATE, run the works taken so far, take more from the queue while the
// limits allow, then one change-stamp bump and one COMMIT.
Database::Attempt Database::TryBatch(std::vector<PendingWrite*>& batch, std::string& busy_error) {
  GroupCommitLimits limits;
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    limits = limits_;
  }
  // The first work is taken before BEGIN so that a busy database has a deadline to stop at.
  if (batch.empty()) {
    PendingWrite* first = TakeQueued();
    if (!first) return Attempt::kFinished;
    batch.push_back(first);
  }
  for (PendingWrite* w : batch) {
    w->status = Status::Ok();
    w->exception = nullptr;
  }
  std::unique_ptr<Connection> conn;
  try {
    conn = Acquire();
    conn->Exec("BEGIN IMMEDIATE");
    const Clock::time_point started = Clock::now();
    bool any_ok = false;
    for (size_t i = 0;; ++i) {
      if (i == batch.size()) {
        if (batch.size() >= batch.capacity() || batch.size() >= limits.max_works ||
            Clock::now() - started >= limits.max_work_time) {
          break;
        }
        PendingWrite* next = TakeQueued();
        if (!next) break;
        batch.push_back(next);
      }
      PendingWrite& w = *batch[i];
      WorkOutcome outcome = RunInSavepoint(*conn, w.fn, w.status, w.exception);
      if (outcome == WorkOutcome::kOk) any_ok = true;
      if (outcome == WorkOutcome::kTransactionLost) {
        // This work keeps its error; the others run again in a new transaction.
        Release(std::move(conn));
        Settle(&batch[i], 1);
        batch.erase(batch.begin() + static_cast<std::ptrdiff_t>(i));
        return Attempt::kRerun;
      }
    }
    if (any_ok) {
      BumpChangeStamp(*conn);
      conn->Exec("COMMIT");
    } else {
      conn->Exec("ROLLBACK");  // every work failed: nothing to make durable
    }
    Release(std::move(conn));
    return Attempt::kFinished;
  } catch (const SqlError& e) {
    Abandon(std::move(conn));
    if (e.busy()) {
      busy_error = e.what();
      return Attempt::kBusy;
    }
    // Nothing of this batch was committed: the works that had not failed on their own fail
    // with it.
    for (PendingWrite* w : batch) {
      if (w->status.ok() && !w->exception) w->status = e.ToStatus();
    }
    return Attempt::kFinished;
  }
}

}  // namespace mailsuite::store
