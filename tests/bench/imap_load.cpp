// imap_load: an IMAP load generator. C concurrent sessions, each logged in as its own user
// (prefix1@domain .. prefixC@domain), fill their INBOX up to N messages of about 4 KB with
// APPEND, then for R rounds: SELECT INBOX, UID FETCH 1:* (FLAGS RFC822.SIZE ENVELOPE) and a
// BODY.PEEK[] of every message, one command each. Prints operations (commands) per second, MB per
// second of literal data, and with --server-pid the daemon's RSS growth per open session. Bounded
// by design: C*R rounds, at most N appends per user, and --max-seconds stops it early.
//
//   imap_load --port 1143 -c 8 -r 3 -n 200 --password pw --server-pid 1234
#include <unistd.h>

#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_socket.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  int port = 143;
  int sessions = 8;
  int rounds = 3;
  int messages = 200;
  int max_seconds = 120;
  int server_pid = 0;
  std::string user_prefix = "load";
  std::string domain = "example.test";
  std::string password = "bench-password";
};

// IMAP on top of the shared socket: tagged replies, literals counted and skipped.
class Conn : public BenchSocket {
 public:
  bool Open(const Options& o) { return BenchSocket::Open(o.host, o.port); }
  // Reads to the tagged reply of `tag`; counts literal octets. Returns the tagged line.
  bool Reply(const std::string& tag, std::string& tagged, uint64_t* literal_bytes = nullptr,
             uint64_t* exists = nullptr) {
    std::string line;
    for (;;) {
      if (!Line(line)) return false;
      if (line.compare(0, tag.size() + 1, tag + " ") == 0) {
        tagged = line;
        return true;
      }
      if (exists && line.size() > 9 && line.compare(line.size() - 7, 7, " EXISTS") == 0)
        *exists = std::strtoull(line.c_str() + 2, nullptr, 10);
      size_t open = line.rfind('{');
      if (!line.empty() && line.back() == '}' && open != std::string::npos) {
        size_t n = std::strtoull(line.c_str() + open + 1, nullptr, 10);
        if (literal_bytes) *literal_bytes += n;
        if (!Skip(n)) return false;
      }
    }
  }
};

std::string Message(int i) {
  std::string m = "From: load@example.org\r\nTo: user@example.test\r\nSubject: load message " +
                  std::to_string(i) + "\r\nDate: Mon, 23 Nov 2026 05:43:13 +0000\r\n\r\n";
  while (m.size() < 4096) m += "The quick brown fox jumps over the lazy dog, again and again.\r\n";
  return m;
}

long RssKb(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (f >> key) {
    if (key == "VmRSS:") {
      long kb = 0;
      f >> kb;
      return kb;
    }
    std::getline(f, key);
  }
  return 0;
}

struct Totals {
  std::atomic<uint64_t> ops{0}, bytes{0}, errors{0};
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--host")
      o.host = v;
    else if (k == "--port")
      o.port = std::atoi(v.c_str());
    else if (k == "-c")
      o.sessions = std::atoi(v.c_str());
    else if (k == "-r")
      o.rounds = std::atoi(v.c_str());
    else if (k == "-n")
      o.messages = std::atoi(v.c_str());
    else if (k == "--max-seconds")
      o.max_seconds = std::atoi(v.c_str());
    else if (k == "--server-pid")
      o.server_pid = std::atoi(v.c_str());
    else if (k == "--user-prefix")
      o.user_prefix = v;
    else if (k == "--domain")
      o.domain = v;
    else if (k == "--password")
      o.password = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  Totals t;
  const auto deadline = Clock::now() + std::chrono::seconds(o.max_seconds);
  long rss_before = o.server_pid ? RssKb(o.server_pid) : 0;
  long rss_open = 0;
  Clock::time_point start;
  std::barrier sync(o.sessions, [&]() noexcept {
    if (o.server_pid) rss_open = RssKb(o.server_pid);
    start = Clock::now();
  });
  std::vector<std::thread> threads;
  for (int s = 0; s < o.sessions; ++s) {
    threads.emplace_back([&, s] {
      Conn c;
      std::string line, tagged;
      bool ok = c.Open(o) && c.Line(line);
      std::string user = o.user_prefix + std::to_string(s + 1) + "@" + o.domain;
      ok = ok && c.Send("l LOGIN \"" + user + "\" \"" + o.password + "\"\r\n") &&
           c.Reply("l", tagged) && tagged.rfind("l OK", 0) == 0;
      uint64_t exists = 0;
      ok = ok && c.Send("s SELECT INBOX\r\n") && c.Reply("s", tagged, nullptr, &exists);
      for (int i = static_cast<int>(exists); ok && i < o.messages; ++i) {
        std::string m = Message(i);
        ok = c.Send("a APPEND INBOX {" + std::to_string(m.size()) + "+}\r\n" + m + "\r\n") &&
             c.Reply("a", tagged) && tagged.rfind("a OK", 0) == 0;
      }
      if (!ok) t.errors++;
      sync.arrive_and_wait();  // all sessions open: measure RSS, start the clock
      for (int r = 0; ok && r < o.rounds && Clock::now() < deadline; ++r) {
        uint64_t bytes = 0;
        ok = c.Send("s SELECT INBOX\r\n") && c.Reply("s", tagged, &bytes, &exists) &&
             c.Send("f UID FETCH 1:* (FLAGS RFC822.SIZE ENVELOPE)\r\n") &&
             c.Reply("f", tagged, &bytes);
        t.ops += 2;
        // Bodies one message per command, the way a client opens mail.
        for (uint64_t n = 1; ok && n <= exists; ++n) {
          ok = c.Send("b FETCH " + std::to_string(n) + " (BODY.PEEK[])\r\n") &&
               c.Reply("b", tagged, &bytes) && tagged.rfind("b OK", 0) == 0;
          t.ops += 1;
        }
        t.bytes += bytes;
        if (!ok) t.errors++;
      }
      c.Send("z LOGOUT\r\n");
    });
  }
  for (auto& th : threads) th.join();
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("sessions=%d rounds=%d messages=%d seconds=%.2f ops/s=%.1f MB/s=%.1f errors=%llu\n",
              o.sessions, o.rounds, o.messages, secs, static_cast<double>(t.ops) / secs,
              static_cast<double>(t.bytes) / secs / 1e6,
              static_cast<unsigned long long>(t.errors.load()));
  if (o.server_pid)
    std::printf("server rss: before=%ld KB with-sessions=%ld KB per-session=%.1f KB\n", rss_before,
                rss_open, static_cast<double>(rss_open - rss_before) / o.sessions);
  return t.errors ? 1 : 0;
}
