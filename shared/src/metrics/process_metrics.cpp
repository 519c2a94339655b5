#include "shared/metrics/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace mailsuite::metrics {
namespace {

std::string ReadSmallFile(const char* path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The boot time in seconds since the epoch ("btime" in /proc/stat).
std::optional<uint64_t> BootTime() {
  std::ifstream in("/proc/stat");
  std::string key;
  while (in >> key) {
    if (key == "btime") {
      uint64_t t = 0;
      if (in >> t) return t;
      return std::nullopt;
    }
    in.ignore(1 << 20, '\n');
  }
  return std::nullopt;
}

}  // namespace

std::optional<ProcStat> ParseProcStat(std::string_view text) {
  size_t paren = text.rfind(')');
  if (paren == std::string_view::npos) return std::nullopt;
  // Fields from the third (state) on, numbered as proc(5) numbers them.
  std::vector<std::string_view> fields;
  size_t pos = paren + 1;
  while (pos < text.size()) {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\n')) ++pos;
    size_t end = text.find_first_of(" \n", pos);
    if (end == std::string_view::npos) end = text.size();
    if (end > pos) fields.push_back(text.substr(pos, end - pos));
    pos = end;
  }
  auto field = [&](size_t number, auto& out) {
    size_t i = number - 3;
    if (i >= fields.size()) return false;
    auto [p, ec] = std::from_chars(fields[i].data(), fields[i].data() + fields[i].size(), out);
    return ec == std::errc() && p == fields[i].data() + fields[i].size();
  };
  ProcStat s;
  if (!field(14, s.utime_ticks) || !field(15, s.stime_ticks) || !field(20, s.threads) ||
      !field(22, s.start_ticks) || !field(23, s.virtual_bytes) || !field(24, s.resident_pages))
    return std::nullopt;
  return s;
}

int64_t CountOpenDescriptors() {
  struct stat st {};
  if (::stat("/proc/self/fd", &st) == 0 && st.st_size > 0) return st.st_size;
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return -1;
  int64_t n = 0;
  while (dirent* e = ::readdir(dir))
    if (e->d_name[0] != '.') ++n;
  ::closedir(dir);
  return n - 1;  // the descriptor opendir itself holds
}

void AddProcessCollector(Registry& registry) {
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  const std::optional<uint64_t> boot = BootTime();
  registry.AddCollector([=](SampleWriter& w) {
    std::optional<ProcStat> s = ParseProcStat(ReadSmallFile("/proc/self/stat"));
    if (s) {
      w.Begin("process_cpu_seconds_total", "User and system CPU time spent, in seconds.",
              Type::kCounter);
      w.Sample("process_cpu_seconds_total",
               static_cast<double>(s->utime_ticks + s->stime_ticks) / ticks);
      w.Begin("process_resident_memory_bytes", "Resident memory size in bytes.", Type::kGauge);
      w.Sample("process_resident_memory_bytes", static_cast<double>(s->resident_pages) * page);
      w.Begin("process_virtual_memory_bytes", "Virtual memory size in bytes.", Type::kGauge);
      w.Sample("process_virtual_memory_bytes", static_cast<double>(s->virtual_bytes));
      w.Begin("process_threads", "Threads of the process.", Type::kGauge);
      w.Sample("process_threads", static_cast<double>(s->threads));
      if (boot) {
        w.Begin("process_start_time_seconds",
                "Start time of the process since the Unix epoch, in seconds.", Type::kGauge);
        w.Sample("process_start_time_seconds",
                 static_cast<double>(*boot) + static_cast<double>(s->start_ticks) / ticks);
      }
    }
    w.Begin("process_open_fds", "Open file descriptors.", Type::kGauge);
    w.Sample("process_open_fds", static_cast<double>(CountOpenDescriptors()));
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
      w.Begin("process_max_fds", "The most file descriptors the process may open.", Type::kGauge);
      w.Sample("process_max_fds", limit.rlim_cur == RLIM_INFINITY
                                      ? static_cast<double>(INT64_MAX)
                                      : static_cast<double>(limit.rlim_cur));
    }
  });
}

}  // namespace mailsuite::metrics
