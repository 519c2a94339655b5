#include "shared/metrics/registry.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace mailsuite::metrics {
namespace {

const char* TypeName(Type type) {
  switch (type) {
    case Type::kCounter:
      return "counter";
    case Type::kGauge:
      return "gauge";
    case Type::kHistogram:
      return "histogram";
  }
  return "untyped";
}

bool IsNameChar(char c, bool first, bool colon) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return true;
  if (colon && c == ':') return true;
  return !first && c >= '0' && c <= '9';
}

void AppendLabels(std::string& out, const std::vector<std::string>& names,
                  const std::vector<std::string>& values, std::string_view extra_name = {},
                  std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return;
  out += '{';
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out += ',';
    out += names[i];
    out += "=\"";
    out += EscapeLabelValue(values[i]);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!names.empty()) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

void AppendSample(std::string& out, std::string_view name, const std::vector<std::string>& names,
                  const std::vector<std::string>& values, const std::string& value,
                  std::string_view extra_name = {}, std::string_view extra_value = {}) {
  out += name;
  AppendLabels(out, names, values, extra_name, extra_value);
  out += ' ';
  out += value;
  out += '\n';
}

void AppendHeader(std::string& out, std::string_view name, std::string_view help, Type type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += EscapeHelp(help);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += TypeName(type);
  out += '\n';
}

template <class A, class B>
bool LexicographicLess(const A& a, const B& b) {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                      [](std::string_view x, std::string_view y) { return x < y; });
}

}  // namespace

bool LabelValuesLess::operator()(const std::vector<std::string>& a,
                                 std::span<const std::string_view> b) const {
  return LexicographicLess(a, b);
}

bool LabelValuesLess::operator()(std::span<const std::string_view> a,
                                 const std::vector<std::string>& b) const {
  return LexicographicLess(a, b);
}

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {
  if (!std::is_sorted(bounds_.begin(), bounds_.end()))
    throw std::invalid_argument("histogram bounds must ascend");
}

void Histogram::Observe(double value) {
  // Few buckets: a linear scan beats a binary search's branches.
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot s;
  s.cumulative.resize(bounds_.size() + 1);
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    total += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative[i] = total;
  }
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

std::vector<double> LatencyBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

bool IsValidMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i)
    if (!IsNameChar(name[i], i == 0, true)) return false;
  return true;
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty() || name.starts_with("__")) return false;  // reserved for Prometheus itself
  for (size_t i = 0; i < name.size(); ++i)
    if (!IsNameChar(name[i], i == 0, false)) return false;
  return true;
}

namespace {

// The text format's escapes (backslash, newline, and in label values the double quote).
std::string Escape(std::string_view text, bool quote) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"' && quote)
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) { return Escape(value, true); }

std::string EscapeHelp(std::string_view help) { return Escape(help, false); }

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);  // shortest exact form
  return std::string(buf, end);
}

std::string FormatBound(double bound) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, bound, std::chars_format::fixed);
  return std::string(buf, end);
}

void SampleWriter::Begin(std::string_view name, std::string_view help, Type type) {
  AppendHeader(out_, name, help, type);
}

void SampleWriter::Sample(
    std::string_view name, double value,
    std::initializer_list<std::pair<std::string_view, std::string_view>> labels) {
  out_ += name;
  if (labels.size()) {
    out_ += '{';
    bool first = true;
    for (const auto& [label, label_value] : labels) {
      if (!first) out_ += ',';
      first = false;
      out_ += label;
      out_ += "=\"";
      out_ += EscapeLabelValue(label_value);
      out_ += '"';
    }
    out_ += '}';
  }
  out_ += ' ';
  out_ += FormatValue(value);
  out_ += '\n';
}

Registry::Entry& Registry::Register(const std::string& name, const std::string& help, Type type,
                                    std::vector<std::string> label_names,
                                    const std::function<std::shared_ptr<void>()>& make) {
  if (!IsValidMetricName(name)) throw std::invalid_argument("bad metric name: " + name);
  if (type == Type::kCounter && !name.ends_with("_total"))
    throw std::invalid_argument("a counter's name ends in _total: " + name);
  for (const std::string& l : label_names)
    if (!IsValidLabelName(l) || (type == Type::kHistogram && l == "le"))
      throw std::invalid_argument("bad label name '" + l + "' of " + name);
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it != families_.end()) {
    if (it->second.type != type || it->second.label_names != label_names)
      throw std::invalid_argument("metric registered twice, differently: " + name);
    return it->second;
  }
  Entry e{type, help, std::move(label_names), make()};
  return families_.emplace(name, std::move(e)).first->second;
}

Family<Counter>& Registry::AddCounter(const std::string& name, const std::string& help,
                                      std::vector<std::string> label_names) {
  size_t n = label_names.size();
  Entry& e = Register(name, help, Type::kCounter, std::move(label_names), [n] {
    return std::make_shared<Family<Counter>>(n, [] { return std::make_unique<Counter>(); });
  });
  return *static_cast<Family<Counter>*>(e.family.get());
}

Family<Gauge>& Registry::AddGauge(const std::string& name, const std::string& help,
                                  std::vector<std::string> label_names) {
  size_t n = label_names.size();
  Entry& e = Register(name, help, Type::kGauge, std::move(label_names), [n] {
    return std::make_shared<Family<Gauge>>(n, [] { return std::make_unique<Gauge>(); });
  });
  return *static_cast<Family<Gauge>*>(e.family.get());
}

Family<Histogram>& Registry::AddHistogram(const std::string& name, const std::string& help,
                                          std::vector<std::string> label_names,
                                          std::vector<double> upper_bounds) {
  size_t n = label_names.size();
  Histogram probe(upper_bounds);  // checks the bounds before anything is registered
  Entry& e = Register(name, help, Type::kHistogram, std::move(label_names), [&] {
    return std::make_shared<Family<Histogram>>(
        n, [upper_bounds] { return std::make_unique<Histogram>(upper_bounds); });
  });
  return *static_cast<Family<Histogram>*>(e.family.get());
}

int Registry::AddCollector(Collector collector) {
  auto slot = std::make_shared<CollectorSlot>();
  slot->collect = std::move(collector);
  std::lock_guard lock(mu_);
  int id = next_collector_++;
  collectors_.emplace(id, std::move(slot));
  return id;
}

void Registry::RemoveCollector(int id) {
  std::shared_ptr<CollectorSlot> slot;
  {
    std::lock_guard lock(mu_);
    auto it = collectors_.find(id);
    if (it == collectors_.end()) return;
    slot = std::move(it->second);
    collectors_.erase(it);
  }
  std::lock_guard running(slot->running);  // a scrape running it finishes first
  slot->removed = true;
}

std::string Registry::Render() const {
  std::string out;
  out.reserve(16384);
  std::vector<std::shared_ptr<CollectorSlot>> collectors;
  std::unique_lock lock(mu_);
  for (const auto& [id, slot] : collectors_) collectors.push_back(slot);
  for (const auto& family : families_) {
    // Named, not structured bindings: lambdas capture them (clang before 16 cannot).
    const std::string& name = family.first;
    const Entry& e = family.second;
    AppendHeader(out, name, e.help, e.type);
    switch (e.type) {
      case Type::kCounter:
        static_cast<const Family<Counter>*>(e.family.get())
            ->ForEach([&](const std::vector<std::string>& values, const Counter& c) {
              AppendSample(out, name, e.label_names, values, std::to_string(c.Value()));
            });
        break;
      case Type::kGauge:
        static_cast<const Family<Gauge>*>(e.family.get())
            ->ForEach([&](const std::vector<std::string>& values, const Gauge& g) {
              AppendSample(out, name, e.label_names, values, std::to_string(g.Value()));
            });
        break;
      case Type::kHistogram: {
        const std::string bucket = name + "_bucket";
        static_cast<const Family<Histogram>*>(e.family.get())
            ->ForEach([&](const std::vector<std::string>& values, const Histogram& h) {
              Histogram::Snapshot s = h.Read();
              const auto& bounds = h.upper_bounds();
              for (size_t i = 0; i <= bounds.size(); ++i)
                AppendSample(out, bucket, e.label_names, values, std::to_string(s.cumulative[i]),
                             "le", i < bounds.size() ? FormatBound(bounds[i]) : "+Inf");
              AppendSample(out, name + "_sum", e.label_names, values, FormatValue(s.sum));
              AppendSample(out, name + "_count", e.label_names, values,
                           std::to_string(s.cumulative.back()));
            });
        break;
      }
    }
  }
  lock.unlock();
  SampleWriter writer(out);
  for (const auto& slot : collectors) {
    std::lock_guard running(slot->running);
    if (!slot->removed) slot->collect(writer);
  }
  return out;
}

Registry& Default() {
  static Registry* registry = new Registry;  // never destroyed: threads may count to the end
  return *registry;
}

}  // namespace mailsuite::metrics
