// smtp_load: an SMTP load generator. C persistent connections each send M messages of S bytes to
// local recipients over one session (MAIL, RCPT, DATA per message) and time each message from
// the end of DATA to the 250. Prints accepted messages per second and latency percentiles.
// Bounded by design: C*M messages at most, and --max-seconds stops it early.
//
//   smtp_load --port 2525 -c 16 -m 500 -s 4096 --rcpt bob@example.test
#include <algorithm>
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
  int port = 2525;
  int connections = 16;
  int messages = 500;
  int size = 4096;
  int max_seconds = 120;
  std::string rcpt = "bob@example.test";
  std::string from = "load@bench.example";
};

// SMTP on top of the shared socket: whole replies, continuation lines skipped.
class Conn : public BenchSocket {
 public:
  bool Open(const Options& o) { return BenchSocket::Open(o.host, o.port, 120); }
  // Reads one whole reply; returns its code, or -1.
  int Reply() {
    std::string line;
    do {
      if (!Line(line)) return -1;
    } while (line.size() >= 4 && line[3] == '-');
    return line.size() >= 3 ? std::atoi(line.substr(0, 3).c_str()) : -1;
  }
};

std::string MakeBody(int size) {
  std::string body = "Subject: load test\r\nFrom: <load@bench.example>\r\n\r\n";
  std::string line(76, 'x');
  while (static_cast<int>(body.size()) + 78 < size) body += line + "\r\n";
  return body + ".\r\n";
}

int Usage() {
  std::fprintf(stderr,
               "usage: smtp_load [--host H] [--port P] [-c CONNS] [-m MSGS_PER_CONN] [-s BYTES]\n"
               "                 [--rcpt ADDR] [--from ADDR] [--max-seconds N]\n");
  return 2;
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
      o.connections = std::atoi(v.c_str());
    else if (a == "-m")
      o.messages = std::atoi(v.c_str());
    else if (a == "-s")
      o.size = std::atoi(v.c_str());
    else if (a == "--rcpt")
      o.rcpt = v;
    else if (a == "--from")
      o.from = v;
    else if (a == "--max-seconds")
      o.max_seconds = std::atoi(v.c_str());
    else
      return Usage();
  }
  const std::string body = MakeBody(o.size);
  const auto deadline = Clock::now() + std::chrono::seconds(o.max_seconds);
  std::atomic<long> accepted{0}, failed{0};
  std::vector<std::vector<double>> latencies(static_cast<size_t>(o.connections));

  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < o.connections; ++t) {
    threads.emplace_back([&, t] {
      Conn c;
      if (!c.Open(o) || c.Reply() != 220 || !c.Send("EHLO bench.example\r\n") || c.Reply() != 250) {
        failed += o.messages;
        return;
      }
      auto& lat = latencies[static_cast<size_t>(t)];
      for (int m = 0; m < o.messages && Clock::now() < deadline; ++m) {
        // MAIL and RCPT pipelined (PIPELINING), then DATA.
        if (!c.Send("MAIL FROM:<" + o.from + ">\r\nRCPT TO:<" + o.rcpt + ">\r\nDATA\r\n") ||
            c.Reply() != 250 || c.Reply() != 250 || c.Reply() != 354) {
          ++failed;
          return;
        }
        auto sent = Clock::now();
        if (!c.Send(body)) {
          ++failed;
          return;
        }
        int code = c.Reply();
        lat.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
        if (code == 250)
          ++accepted;
        else
          ++failed;
      }
      c.Send("QUIT\r\n");
      c.Reply();
    });
  }
  for (auto& th : threads) th.join();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();

  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<size_t>(p * all.size()))];
  };
  std::printf("connections=%d messages_per_connection=%d size=%d\n", o.connections, o.messages,
              o.size);
  std::printf("accepted=%ld failed=%ld seconds=%.2f rate=%.0f msg/s\n", accepted.load(),
              failed.load(), seconds, accepted.load() / seconds);
  std::printf("latency_ms p50=%.2f p90=%.2f p99=%.2f max=%.2f\n", pct(0.50), pct(0.90), pct(0.99),
              all.empty() ? 0.0 : all.back());
  return failed.load() == 0 ? 0 : 1;
}
