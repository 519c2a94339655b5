// The process figures every Prometheus client exports (process_resident_memory_bytes,
// process_open_fds, …), read from /proc/self at each scrape.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "shared/metrics/registry.h"

namespace mailsuite::metrics {

// The fields of /proc/self/stat the metrics need (proc(5)).
struct ProcStat {
  uint64_t utime_ticks = 0;
  uint64_t stime_ticks = 0;
  int64_t threads = 0;
  uint64_t start_ticks = 0;  // after boot
  uint64_t virtual_bytes = 0;
  int64_t resident_pages = 0;
};

// Pure: the second field (the command name) may hold spaces and parentheses, so the fields are
// counted from its last ')'.
std::optional<ProcStat> ParseProcStat(std::string_view text);

// Descriptors open now: the size Linux 6.2 and later report for /proc/self/fd, or a count of
// its entries on older kernels.
int64_t CountOpenDescriptors();

// Registers the collector of process_* metrics with `registry` (once per process).
void AddProcessCollector(Registry& registry);

}  // namespace mailsuite::metrics
