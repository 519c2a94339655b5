// The outbound queue in /metrics: messages, recipients waiting (fresh or deferred) and the age
// of the oldest, read from the store at a scrape and kept for a few seconds, so that scrapes by
// several Prometheus servers cost one aggregate query between them.
#pragma once

#include <chrono>
#include <mutex>

#include "store/store.h"

namespace mailsuite::mta {

class QueueMetrics {
 public:
  explicit QueueMetrics(store::Store& store);
  ~QueueMetrics();  // removes the collector: none runs after this returns
  QueueMetrics(const QueueMetrics&) = delete;
  QueueMetrics& operator=(const QueueMetrics&) = delete;

 private:
  store::Store& store_;
  int collector_ = 0;
  std::mutex mu_;
  std::chrono::steady_clock::time_point read_at_;
  bool read_ok_ = false;
  store::QueueSummary summary_;
};

}  // namespace mailsuite::mta
