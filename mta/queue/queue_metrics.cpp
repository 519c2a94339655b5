#include "queue_metrics.h"

#include <algorithm>
#include <ctime>

#include "shared/metrics/registry.h"

namespace mailsuite::mta {
namespace {

constexpr std::chrono::seconds kCacheFor{5};

}  // namespace

QueueMetrics::QueueMetrics(store::Store& store) : store_(store) {
  collector_ = metrics::Default().AddCollector([this](metrics::SampleWriter& w) {
    std::lock_guard lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    // A failed read is kept as long as a good one: a store that does not answer is not asked
    // again by every scrape (/readyz says what is wrong).
    if (read_at_ == std::chrono::steady_clock::time_point{} || now - read_at_ >= kCacheFor) {
      auto summary = store_.SummarizeQueue();
      read_ok_ = summary.ok();
      read_at_ = now;
      if (read_ok_) summary_ = *summary;
    }
    if (!read_ok_) return;
    const auto age = [](int64_t oldest) {
      return oldest == 0 ? 0.0 : std::max(0.0, static_cast<double>(std::time(nullptr) - oldest));
    };
    w.Begin("mailsuite_queue_messages", "Messages in the outbound queue.", metrics::Type::kGauge);
    w.Sample("mailsuite_queue_messages", static_cast<double>(summary_.messages));
    w.Begin("mailsuite_queue_recipients",
            "Recipients in the outbound queue still to be delivered: fresh (not tried yet) or "
            "deferred (tried, waiting to be tried again).",
            metrics::Type::kGauge);
    w.Sample("mailsuite_queue_recipients", static_cast<double>(summary_.fresh_recipients),
             {{"state", "fresh"}});
    w.Sample("mailsuite_queue_recipients", static_cast<double>(summary_.deferred_recipients),
             {{"state", "deferred"}});
    w.Begin("mailsuite_queue_oldest_age_seconds",
            "Age of the oldest message with a recipient in this state (0: none).",
            metrics::Type::kGauge);
    w.Sample("mailsuite_queue_oldest_age_seconds", age(summary_.oldest_fresh),
             {{"state", "fresh"}});
    w.Sample("mailsuite_queue_oldest_age_seconds", age(summary_.oldest_deferred),
             {{"state", "deferred"}});
  });
}

QueueMetrics::~QueueMetrics() { metrics::Default().RemoveCollector(collector_); }

}  // namespace mailsuite::mta
