// The CPU cost of mail authentication per message, in the MTA's own code: DKIM signing with
// each key type (and both, as local mail is signed), DKIM verification of those signatures, and
// an SPF check_host() with an include: over table DNS (no network: the DNS wait is the
// receiver's, not ours). Prints microseconds per message for several message sizes.
//   build-test-plain/tests/bench/dkim_bench [--messages N]
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>

#include "dkim/dkim_signer.h"
#include "dkim/dkim_verifier.h"
#include "shared/mail/dkim_keys.h"
#include "spf/spf_check.h"

using namespace mailsuite;
using Clock = std::chrono::steady_clock;

namespace {

std::string Message(size_t body_size) {
  std::string m =
      "From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: benchmark\r\n"
      "Date: Sun, 06 Dec 2026 10:00:00 +0000\r\nMessage-ID: <1@example.org>\r\n"
      "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
  std::string line = "The quick brown fox jumps over the lazy dog, again and again.  \r\n";
  while (m.size() < body_size) m += line;
  return m;
}

double MicrosPer(int n, Clock::time_point start) {
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count() / n;
}

class TableDns : public mta::spf::SpfDns {
 public:
  mta::TxtAnswer Txt(const std::string& name) override {
    mta::TxtAnswer a;
    a.outcome = mta::DnsOutcome::kOk;
    if (name == "example.org")
      a.records = {"v=spf1 ip4:192.0.2.0/24 include:_spf.example.net mx -all"};
    else
      a.records = {"v=spf1 ip4:198.51.100.0/24 ip6:2001:db8::/32 ~all"};
    return a;
  }
  mta::AddressAnswer Addresses(const std::string&, bool) override {
    mta::AddressAnswer a;
    a.outcome = mta::DnsOutcome::kOk;
    a.addresses = {"203.0.113.1"};
    return a;
  }
  mta::MxAnswer Mx(const std::string&) override {
    mta::MxAnswer a;
    a.outcome = mta::DnsOutcome::kOk;
    a.hosts = {{"mx.example.org", 10}};
    return a;
  }
  mta::PtrAnswer Ptr(const std::string&) override { return {}; }
};

}  // namespace

int main(int argc, char** argv) {
  int n = 200;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--messages") == 0) n = std::atoi(argv[i + 1]);
  char tmpl[] = "/tmp/dkim-bench-XXXXXX";
  if (!mkdtemp(tmpl)) return 1;
  std::string dir = tmpl;
  std::map<std::string, std::string> dns;
  auto add = [&](const std::string& domain, const std::string& sel, mail::DkimKeyType type) {
    auto key = mail::GenerateDkimKey(dir + "/" + sel, domain, sel, type, true);
    dns[sel + "._domainkey." + domain] = *mail::DkimDnsRecord(*key);
  };
  add("example.org", "r", mail::DkimKeyType::kRsa);
  add("example.org", "e", mail::DkimKeyType::kEd25519);
  std::filesystem::create_directories(dir + "/both");
  std::filesystem::copy(dir + "/r", dir + "/both", std::filesystem::copy_options::recursive);
  std::filesystem::copy(dir + "/e", dir + "/both", std::filesystem::copy_options::recursive);
  mta::TxtLookup lookup = [&](const std::string& name) {
    mta::TxtLookupAnswer a;
    a.status = mta::TxtLookupAnswer::Status::kFound;
    a.records = {dns.at(name)};
    return a;
  };

  std::printf("DKIM and SPF cost per message, %d messages each (microseconds)\n", n);
  std::printf("%10s %10s %10s %10s %10s %10s %10s\n", "size", "sign rsa", "sign ed", "sign both",
              "verify rsa", "verify ed", "verify 2");
  for (size_t size : {2048u, 50u * 1024, 1024u * 1024}) {
    std::string message = Message(size);
    std::map<std::string, double> cost;
    std::map<std::string, std::string> signed_with;
    for (const char* which : {"r", "e", "both"}) {
      mta::DkimSigner signer(dir + "/" + which);
      signer.Reload();
      auto start = Clock::now();
      std::string fields;
      for (int i = 0; i < n; ++i) fields = *signer.Sign(message);
      cost[which] = MicrosPer(n, start);
      signed_with[which] = fields + message;
    }
    for (const char* which : {"r", "e", "both"}) {
      auto start = Clock::now();
      size_t passed = 0;
      for (int i = 0; i < n; ++i)
        for (const auto& r : mta::VerifyDkim(signed_with[which], lookup))
          passed += r.outcome == mta::DkimOutcome::kPass;
      cost[std::string("v") + which] = MicrosPer(n, start);
      if (passed != static_cast<size_t>(n) * (std::strcmp(which, "both") == 0 ? 2 : 1))
        std::printf("verification failed\n");
    }
    std::printf("%9zuK %10.0f %10.0f %10.0f %10.0f %10.0f %10.0f\n", size / 1024, cost["r"],
                cost["e"], cost["both"], cost["vr"], cost["ve"], cost["vboth"]);
  }
  TableDns table;
  auto start = Clock::now();
  int passes = 0;
  for (int i = 0; i < n * 10; ++i)
    passes +=
        mta::spf::CheckHost(table, "2001:db8::7", "example.org", "a@example.org", "mx").result ==
        mta::spf::Result::kPass;  // through the include's ip6:
  std::printf("SPF check_host, a pass through include: (table DNS): %.1f us (%d/%d pass)\n",
              MicrosPer(n * 10, start), passes, n * 10);
  std::filesystem::remove_all(dir);
  return 0;
}
