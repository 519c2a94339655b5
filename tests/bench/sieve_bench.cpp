// The CPU cost of a user's Sieve script per delivered message (shared/sieve): a typical
// 20-rule script (lists, senders, subjects, sizes, envelope) compiled once, as delivery caches
// it, then run against messages of several sizes; the compile itself is timed too. Prints
// microseconds per message.
//   build-test-plain/tests/bench/sieve_bench [--messages N]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "shared/sieve/sieve.h"

using namespace mailsuite;
using Clock = std::chrono::steady_clock;

namespace {

// Twenty rules of the kinds people write: most do not match, so every test runs.
const char kScript[] = R"(require ["fileinto", "envelope", "mailbox", "copy"];
if header :contains "List-Id" "<dev.lists.example.org>" { fileinto :create "Lists/dev"; stop; }
if header :contains "List-Id" "<announce.example.org>" { fileinto :create "Lists/announce"; stop; }
if header :contains "List-Id" "<users.example.net>" { fileinto :create "Lists/users"; stop; }
if exists "List-Unsubscribe" { fileinto :create "Newsletters"; stop; }
if address :domain :is "From" ["github.com", "gitlab.com"] { fileinto :create "Code"; stop; }
if address :is "From" "boss@example.org" { fileinto :copy "Important"; }
if address :localpart :is ["To", "Cc"] "billing" { fileinto "Billing"; stop; }
if header :matches "Subject" "*[SPAM]*" { fileinto "Junk"; stop; }
if header :matches "Subject" "*invoice*" { fileinto :create "Invoices"; stop; }
if header :contains "Subject" ["lottery", "winner", "prize"] { discard; stop; }
if anyof (header :contains "X-Mailer" "BulkMailer", header :is "Precedence" "bulk") {
  fileinto "Bulk"; stop;
}
if envelope :domain :is "from" "bounces.example.com" { fileinto "Bounces"; stop; }
if size :over 10M { fileinto :create "Large"; stop; }
if address :domain :matches "From" "*.example.edu" { fileinto :create "School"; stop; }
if header :is "X-Priority" "1" { fileinto :copy "Important"; }
if allof (address :is "To" "me@example.net", header :contains "Subject" "family") {
  fileinto :create "Family"; stop;
}
if header :contains "Received" "mail.partner.example" { fileinto :create "Partners"; stop; }
if not exists "Date" { fileinto "Junk"; stop; }
if header :matches "From" "*noreply*" { fileinto :create "Notifications"; stop; }
if address :all :is "Reply-To" "support@example.org" { fileinto :create "Support"; stop; }
)";

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

  auto start = Clock::now();
  const int compiles = 2000;
  sieve::CompileResult compiled;
  for (int i = 0; i < compiles; ++i) compiled = sieve::Compile(kScript);
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
