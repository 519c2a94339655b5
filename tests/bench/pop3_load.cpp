// pop3_load: a POP3 load generator in keep mode ("leave mail on server"). C concurrent sessions,
// each logged in as its own user (the maildrop lock allows one session per user): USER/PASS,
// STAT, LIST, then RETR of every message, QUIT, for R rounds. No DELE, so the mailboxes stay as
// they are. Prints messages per second and MB per second of message octets.
// Bounded by design: at most C*R sessions, and --max-seconds stops it early.
//
//   pop3_load --port 1100 -c 8 -r 3 --user-prefix load --domain example.test --password pw
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "bench_socket.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  int port = 110;
  int sessions = 8;
  int rounds = 3;
  int max_seconds = 120;
  std::string user_prefix = "load";  // users load1@domain .. loadC@domain
  std::string domain = "example.test";
  std::string password = "bench-password";
};

// POP3 on top of the shared socket: status lines and multi-line bodies.
class Conn : public BenchSocket {
 public:
  bool Open(const Options& o) { return BenchSocket::Open(o.host, o.port); }
  // A status line; true for "+OK".
  bool Ok(std::string* line_out = nullptr) {
    std::string line;
    if (!Line(line)) return false;
    if (line_out) *line_out = line;
    return line.compare(0, 3, "+OK") == 0;
  }
  // Reads a multi-line body up to the lone "."; returns the octets before dot-stuffing.
  long Multiline() {
    long octets = 0;
    std::string line;
    while (Line(line)) {
      if (line == ".") return octets;
      octets += static_cast<long>(line.size()) + 2 - (line.compare(0, 2, "..") == 0 ? 1 : 0);
    }
    return -1;
  }
};

int Usage() {
  std::fprintf(
      stderr,
      "usage: pop3_load [--host H] [--port P] [-c SESSIONS] [-r ROUNDS]\n"
      "                 [--user-prefix P] [--domain D] [--password PW] [--max-seconds N]\n");
  return 2;
}

// One session: login, STAT, LIST, RETR of every message, QUIT. Returns false on any error.
bool RunSession(const Options& o, const std::string& user, std::atomic<long>& messages,
                std::atomic<long>& octets, Clock::time_point deadline) {
  Conn c;
  std::string line;
  if (!c.Open(o) || !c.Ok() || !c.Send("USER " + user + "\r\n") || !c.Ok() ||
      !c.Send("PASS " + o.password + "\r\n") || !c.Ok())
    return false;
  if (!c.Send("STAT\r\n") || !c.Ok(&line)) return false;
  long count = std::atol(line.c_str() + 4);
  if (!c.Send("LIST\r\n") || !c.Ok() || c.Multiline() < 0) return false;
  for (long n = 1; n <= count && Clock::now() < deadline; ++n) {
    if (!c.Send("RETR " + std::to_string(n) + "\r\n") || !c.Ok(&line)) return false;
    long got = c.Multiline();
    if (got != std::atol(line.c_str() + 4)) return false;  // "+OK <octets> octets"
    ++messages;
    octets += got;
  }
  return c.Send("QUIT\r\n") && c.Ok();
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return Usage();
    std::string v = argv[++i];
    if (a == "--host")
      o.host = v;
    else if (a == "--port")
      o.port = std::atoi(v.c_str());
    else if (a == "-c")
      o.sessions = std::atoi(v.c_str());
    else if (a == "-r")
      o.rounds = std::atoi(v.c_str());
    else if (a == "--user-prefix")
      o.user_prefix = v;
    else if (a == "--domain")
      o.domain = v;
    else if (a == "--password")
      o.password = v;
    else if (a == "--max-seconds")
      o.max_seconds = std::atoi(v.c_str());
    else
      return Usage();
  }
  const auto deadline = Clock::now() + std::chrono::seconds(o.max_seconds);
  std::atomic<long> messages{0}, octets{0}, failed{0};
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < o.sessions; ++t) {
    threads.emplace_back([&, t] {
      std::string user = o.user_prefix + std::to_string(t + 1) + "@" + o.domain;
      for (int r = 0; r < o.rounds && Clock::now() < deadline; ++r)
        if (!RunSession(o, user, messages, octets, deadline)) ++failed;
    });
  }
  for (auto& th : threads) th.join();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("sessions=%d rounds=%d failed_sessions=%ld\n", o.sessions, o.rounds, failed.load());
  std::printf("retrieved=%ld messages, %.1f MB in %.2f s: %.0f messages/s, %.1f MB/s\n",
              messages.load(), octets.load() / 1e6, seconds, messages.load() / seconds,
              octets.load() / 1e6 / seconds);
  return failed.load() == 0 ? 0 : 1;
}
