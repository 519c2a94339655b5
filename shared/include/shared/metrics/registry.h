// Metrics in the Prometheus text exposition format: counters, gauges and histograms that the
// daemons update as they work, and a registry that renders them for a scrape of /metrics.
//
// Updating is one relaxed atomic operation; finding a labelled series takes a shared lock and a
// map lookup, so code on a hot path keeps the reference it got (a series lives as long as its
// registry). Label values must come from a fixed set the code knows (command names, reasons),
// never from a client; a family holds at most kMaxSeries series, and values past that are
// counted in one series whose every label is "other", so a mistake cannot grow the output
// without bound.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mailsuite::metrics {

class Counter {
 public:
  void Inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void Add(int64_t d = 1) { value_.fetch_add(d, std::memory_order_relaxed); }
  void Sub(int64_t d = 1) { value_.fetch_sub(d, std::memory_order_relaxed); }
  int64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// One more on a gauge for as long as it lives (a session in IDLE): even a path that forgets
// to count down cannot leave the gauge high.
class GaugeHold {
 public:
  explicit GaugeHold(Gauge& gauge) : gauge_(&gauge) { gauge.Add(); }
  GaugeHold(GaugeHold&& other) noexcept : gauge_(std::exchange(other.gauge_, nullptr)) {}
  GaugeHold& operator=(GaugeHold&&) = delete;
  ~GaugeHold() {
    if (gauge_) gauge_->Sub();
  }

 private:
  Gauge* gauge_;
};

// Observations counted into fixed buckets by upper bound (Prometheus's cumulative "le").
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);  // ascending, without +Inf
  void Observe(double value);

  struct Snapshot {
    std::vector<uint64_t> cumulative;  // per bound, then +Inf (= count)
    double sum = 0;
  };
  Snapshot Read() const;
  const std::vector<double>& upper_bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1: the last is +Inf
  std::atomic<double> sum_{0};
};

// Bucket bounds for latencies in seconds, 0.5 ms to 10 s.
std::vector<double> LatencyBuckets();

enum class Type { kCounter, kGauge, kHistogram };

inline constexpr size_t kMaxSeries = 500;

// Label-value lists compared with the values a caller passes, without building strings.
struct LabelValuesLess {
  using is_transparent = void;
  bool operator()(const std::vector<std::string>& a, const std::vector<std::string>& b) const {
    return a < b;
  }
  bool operator()(const std::vector<std::string>& a, std::span<const std::string_view> b) const;
  bool operator()(std::span<const std::string_view> a, const std::vector<std::string>& b) const;
};

// The series of one metric name, one per combination of label values.
template <class Metric>
class Family {
 public:
  using Make = std::function<std::unique_ptr<Metric>()>;
  Family(size_t label_count, Make make) : label_count_(label_count), make_(std::move(make)) {}

  // The series for these values, in the order of the family's label names (created at 0).
  Metric& With(std::initializer_list<std::string_view> values) {
    return With(std::span<const std::string_view>(values.begin(), values.size()));
  }
  Metric& With(std::span<const std::string_view> values);

  // Every series, sorted by its label values (for rendering).
  void ForEach(
      const std::function<void(const std::vector<std::string>&, const Metric&)>& fn) const {
    std::shared_lock lock(mu_);
    for (const auto& [labels, metric] : series_) fn(labels, *metric);
  }

 private:
  size_t label_count_;
  Make make_;
  mutable std::shared_mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>, LabelValuesLess> series_;
};

// Where a collector writes what it measures at scrape time.
class SampleWriter {
 public:
  explicit SampleWriter(std::string& out) : out_(out) {}
  // Starts a metric: its HELP and TYPE lines.
  void Begin(std::string_view name, std::string_view help, Type type);
  // One sample of the metric begun last; `labels` are name/value pairs.
  void Sample(std::string_view name, double value,
              std::initializer_list<std::pair<std::string_view, std::string_view>> labels = {});

 private:
  std::string& out_;
};

class Registry {
 public:
  // Registers a family, or returns the one already registered under `name` when type and label
  // names match. A name that is not a valid Prometheus name, a counter whose name does not end
  // in "_total", or a clash with an earlier registration throws std::invalid_argument: these
  // are programming errors, found by the first test that starts the daemon.
  Family<Counter>& AddCounter(const std::string& name, const std::string& help,
                              std::vector<std::string> label_names = {});
  Family<Gauge>& AddGauge(const std::string& name, const std::string& help,
                          std::vector<std::string> label_names = {});
  Family<Histogram>& AddHistogram(const std::string& name, const std::string& help,
                                  std::vector<std::string> label_names,
                                  std::vector<double> upper_bounds);

  // A function that writes metrics measured at scrape time (process figures, connections
  // parked right now). Its metric names must not be registered otherwise. The returned id
  // removes it (RemoveCollector) before what it reads goes away. Collectors run outside the
  // registry's lock, so one may register metrics or call code that does (a store read).
  using Collector = std::function<void(SampleWriter&)>;
  int AddCollector(Collector collector);
  void RemoveCollector(int id);

  // The text exposition format (version 0.0.4): registered families sorted by name, then what
  // the collectors write. RemoveCollector waits for a collector this is running.
  std::string Render() const;

 private:
  struct Entry {
    Type type;
    std::string help;
    std::vector<std::string> label_names;
    std::shared_ptr<void> family;  // Family<Counter|Gauge|Histogram>
  };
  Entry& Register(const std::string& name, const std::string& help, Type type,
                  std::vector<std::string> label_names,
                  const std::function<std::shared_ptr<void>()>& make);

  struct CollectorSlot {
    Collector collect;
    std::mutex running;    // held while it runs; RemoveCollector takes it to wait for the end
    bool removed = false;  // under `running`
  };

  mutable std::mutex mu_;
  std::map<std::string, Entry> families_;
  std::map<int, std::shared_ptr<CollectorSlot>> collectors_;
  int next_collector_ = 1;
};

// The process's registry, which the daemon's /metrics serves.
Registry& Default();

// For tests of names: [a-zA-Z_:][a-zA-Z0-9_:]*, and label names [a-zA-Z_][a-zA-Z0-9_]*.
bool IsValidMetricName(std::string_view name);
bool IsValidLabelName(std::string_view name);
// The exposition's escaping of a label value (\\, \" and \n) and of HELP text (\\ and \n).
std::string EscapeLabelValue(std::string_view value);
std::string EscapeHelp(std::string_view help);
// A sample value as Prometheus writes it: integers without a point, +Inf, -Inf, NaN.
std::string FormatValue(double value);
// A histogram bound, always in fixed notation ("0.0005", never "5e-04"): Prometheus before 3.0
// compares "le" as text, so a query for le="0.0005" must find it.
std::string FormatBound(double bound);

template <class Metric>
Metric& Family<Metric>::With(std::span<const std::string_view> values) {
  {
    std::shared_lock lock(mu_);
    auto it = series_.find(values);
    if (it != series_.end()) return *it->second;
  }
  std::unique_lock lock(mu_);
  auto it = series_.find(values);
  if (it != series_.end()) return *it->second;
  std::vector<std::string> key(values.begin(), values.end());
  key.resize(label_count_);  // a caller's missing values are empty, extra ones dropped
  if (series_.size() >= kMaxSeries) key.assign(label_count_, "other");
  auto [slot, inserted] = series_.try_emplace(std::move(key));
  if (inserted) slot->second = make_();
  return *slot->second;
}

}  // namespace mailsuite::metrics
