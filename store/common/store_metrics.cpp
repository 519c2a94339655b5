#include "store_metrics.h"

#include "shared/metrics/registry.h"

namespace mailsuite::store {

TransactionTimer::TransactionTimer(const char* backend, bool write)
    : backend_(backend), write_(write), start_(std::chrono::steady_clock::now()) {}

TransactionTimer::~TransactionTimer() {
  static metrics::Family<metrics::Histogram>& seconds = metrics::Default().AddHistogram(
      "mailsuite_store_transaction_duration_seconds",
      "Store transactions by backend and kind (read or write), as their callers wait for them: "
      "waits for a busy database, group commit and reruns included.",
      {"backend", "kind"}, metrics::LatencyBuckets());
  seconds.With({backend_, write_ ? "write" : "read"})
      .Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
}

void CountRetry(const char* backend) {
  static metrics::Family<metrics::Counter>& retries = metrics::Default().AddCounter(
      "mailsuite_store_retries_total",
      "Store transactions rolled back and run again: SQLite busy (another process writing), "
      "PostgreSQL serialization failures, deadlocks and lost connections.",
      {"backend"});
  retries.With({backend}).Inc();
}

}  // namespace mailsuite::store
