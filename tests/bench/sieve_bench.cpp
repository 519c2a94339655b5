// The CPU cost of a user's Sieve script per delivered message (shared/sieve): a typical
// 20-rule script (tests/bench/twenty_rules.sieve) compiled once, as delivery caches it, then
// run against messages of several sizes; the compile itself is timed too. Prints microseconds
// per message. smtp_bench.py --sieve measures the same script on the whole delivery path.
//   build-test-plain/tests/bench/sieve_bench [--messages N]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "shared/sieve/sieve.h"

using namespace mailsuite;
using Clock = std::chrono::steady_clock;

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Message(size_t body_size) {
  std::string m =
      "Received: from mx.example.org (mx.example.org [192.0.2.1])\r\n\tby mail.example.net "
      "(mailsuite) with ESMTPS id 1; Sun, 06 Dec 2026 10:00:00 +0000\r\n"
      "Received: from laptop (unknown [198.51.100.7])\r\n\tby mx.example.org; Sun, 06 Dec 2026 "
      "09:59:59 +0000\r\n"
      "From: Alice Example <alice@example.org>\r\nTo: Bob <bob@example.net>, carol@example.net\r\n"
      "Cc: team@example.net\r\nSubject: =?UTF-8?Q?Quarterly_report_=E2=80=93_draft?=\r\n"
      "Date: Sun, 06 Dec 2026 10:00:00 +0000\r\nMessage-ID: <1@example.org>\r\n"
      "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
      "X-Mailer: Thunderbird\r\nUser-Agent: Mozilla/5.0\r\n\r\n";
  std::string line = "The quick brown fox jumps over the lazy dog, again and again.  \r\n";
  while (m.size() < body_size) m += line;
  return m;
}

double MicrosPer(int n, Clock::time_point start) {
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count() / n;
}

}  // namespace

int main(int argc, char** argv) {
  int messages = 20000;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--messages") == 0) messages = std::atoi(argv[i + 1]);

  // Twenty rules of the kinds people write (lists, senders, subjects, sizes, envelope).
  const std::string script = ReadFile(MAILSUITE_SOURCE_DIR "/tests/bench/twenty_rules.sieve");
  auto start = Clock::now();
  const int compiles = 2000;
  sieve::CompileResult compiled;
  for (int i = 0; i < compiles; ++i) compiled = sieve::Compile(script);
  if (!compiled.ok()) {
    std::fprintf(stderr, "the script does not compile: %s\n", compiled.Describe().c_str());
    return 1;
  }
  std::printf("compile the 20-rule script: %.1f us\n", MicrosPer(compiles, start));

  for (size_t size : {2048u, 16384u, 262144u}) {
    std::string message = Message(size);
    sieve::MessageInput input{message, "alice@example.org", "bob@example.net"};
    size_t actions = 0;
    start = Clock::now();
    for (int i = 0; i < messages; ++i) {
      sieve::Outcome outcome = sieve::Execute(*compiled.script, input);
      actions += outcome.actions.size() + (outcome.implicit_keep ? 1 : 0);
    }
    std::printf("run it on a %zu KiB message: %.1f us (%zu deliveries decided)\n", size / 1024,
                MicrosPer(messages, start), actions);
  }
  return 0;
}
