// The store's metrics: how long transactions take as their callers see them (waits for a busy
// database and reruns included), and how often one had to run again.
#pragma once

#include <chrono>

namespace mailsuite::store {

// Observes the time from its construction to its end in
// mailsuite_store_transaction_duration_seconds{backend, kind="read"|"write"}.
class TransactionTimer {
 public:
  TransactionTimer(const char* backend, bool write);
  ~TransactionTimer();
  TransactionTimer(const TransactionTimer&) = delete;
  TransactionTimer& operator=(const TransactionTimer&) = delete;

 private:
  const char* backend_;
  bool write_;
  std::chrono::steady_clock::time_point start_;
};

// mailsuite_store_retries_total{backend}: a transaction rolled back and run again, because
// another process held SQLite's write lock, or PostgreSQL reported a serialization failure, a
// deadlock or a lost connection.
void CountRetry(const char* backend);

}  // namespace mailsuite::store
