// Commands for running mailsuite as a service: `check` (is this configuration ready to start?)
// and `backup FILE` (a consistent copy of the store while the daemons run).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>

#include "cli_common.h"
#include "dkim_records.h"
#include "shared/config.h"
#include "shared/mail/address.h"
#include "shared/mail/dkim_keys.h"
#include "shared/net/daemon_main.h"
#include "shared/net/dns_resolver.h"
#include "shared/net/line_server.h"
#include "shared/tls.h"

namespace mailsuite::cli {
namespace {

void Line(bool ok, const std::string& what, const std::string& detail) {
  std::cout << (ok ? "ok      " : "PROBLEM ") << what << (detail.empty() ? "" : ": " + detail)
            << "\n";
}

// Every local domain should sign its mail: a key file the MTA cannot read is a problem, a domain
// without keys a warning (mail still flows, but big providers will distrust it).
bool CheckDkimKeys(const Config& config, store::Store& store) {
  std::vector<std::string> problems;
  auto keys = mail::ListDkimKeys(config.dkim.key_dir, &problems);
  if (!keys) {
    Line(false, "DKIM keys " + config.dkim.key_dir, keys.error());
    return false;
  }
  for (const std::string& p : problems) Line(false, "DKIM key", p);
  auto domains = store.ListDomains();
  if (!domains) return problems.empty();
  for (const std::string& domain : *domains) {
    std::string signing;
    for (const mail::DkimKey& k : *keys)
      if (k.domain == domain && k.active)
        signing +=
            (signing.empty() ? "" : ", ") + k.selector + " (" + mail::DkimKeyTypeName(k.type) + ")";
    if (signing.empty())
      std::cout << "warning DKIM for " << domain << ": no signing key; mail from " << domain
                << " leaves unsigned (mailsuite dkim keygen " << domain << ")\n";
    else
      Line(true, "DKIM for " + domain, "signs with " + signing);
  }
  return problems.empty();
}

std::string Squeeze(const std::string& s) {
  std::string out;
  for (char c : s)
    if (c != ' ' && c != '\t') out += c;
  return out;
}

// The DNS records `init` asked for, as the resolver sees them now: each is there, differs, or is
// missing. Warnings only: DNS is published elsewhere and may lag, so the exit code stays.
void CheckDnsRecords(const Config& config, const std::vector<std::string>& domains) {
  dns::Resolver resolver(config.dns.servers,
                         std::chrono::milliseconds(std::min(config.dns.timeout_ms, 2000)));
  for (const std::string& domain : domains) {
    for (const DnsRecord& r : DomainDnsRecords(config, domain)) {
      std::string name = r.name.substr(0, r.name.size() - 1);  // without the root dot
      std::string what = "DNS " + r.name + " " + r.type;
      std::string found;  // what is published, for "differs"
      bool ok = false, answered = true;
      if (r.type == "MX") {
        dns::MxAnswer mx = resolver.LookupMx(name);
        answered = mx.outcome != dns::DnsOutcome::kTemporary;
        std::string want = config.general.hostname;
        for (const dns::MxHost& h : mx.hosts) {
          ok = ok || mail::ToLower(h.name) == mail::ToLower(want);
          found += (found.empty() ? "" : ", ") + h.name;
        }
      } else if (r.type == "TXT") {
        dns::TxtAnswer txt = resolver.LookupTxt(name);
        answered = txt.outcome != dns::DnsOutcome::kTemporary;
        std::string kind = r.value.substr(0, r.value.find(';'));  // "v=DKIM1", "v=DMARC1"...
        if (kind.rfind("v=spf1", 0) == 0) kind = "v=spf1";
        for (const std::string& t : txt.records) {
          if (t.rfind(kind, 0) != 0) continue;
          found = t;
          // A DKIM key must be exactly ours; the policies may be the operator's own.
          ok = kind == "v=DKIM1" ? Squeeze(t) == Squeeze(r.value) : true;
          if (ok) break;
        }
      } else {  // CNAME: mta-sts.<domain> must lead to an address
        dns::AddressAnswer a = resolver.LookupAddresses(name);
        answered = a.outcome != dns::DnsOutcome::kTemporary;
        ok = a.outcome == dns::DnsOutcome::kOk;
      }
      if (!answered) {
        std::cout << "skip    DNS checks: no DNS server answered for " << name << "\n";
        return;
      }
      if (ok)
        Line(true, what, found.empty() ? "published" : found);
      else
        std::cout << "warning " << what << ": "
                  << (found.empty() ? "missing" : "differs (published: " + found + ")")
                  << "; publish " << FormatDnsRecord(r) << "\n";
    }
  }
}

}  // namespace

int RunCheckCommand(const GlobalOptions& options, const std::vector<std::string>& words) {
  if (!words.empty()) return UsageError("usage: check");
  auto config = LoadConfig(options.config_path, options.overrides);
  if (!config) {
    Line(false, "configuration", config.error());
    return kExitError;
  }
  bool ok = true;
  Line(true, "configuration", options.config_path);

  auto store = store::OpenStore(config->store, false);
  ok = ok && store.ok();
  Line(store.ok(), store::DescribeStore(config->store),
       store.ok() ? "opens, schema current" : store.error());
  if (store.ok()) {
    auto health = (*store)->CheckHealth();
    if (!health) {
      Line(false, "store health", health.error());
      ok = false;
    } else {
      for (const std::string& problem : health->problems) Line(false, "store", problem);
      ok = ok && health->problems.empty();
      const int64_t mb = 1024 * 1024;
      Line(health->problems.empty(), "store",
           std::to_string(health->messages) + " messages, " + std::to_string(health->contents) +
               " bodies, fullest mailbox " + std::to_string(health->largest_mailbox) + ", " +
               std::to_string(health->file_bytes / mb) + " MB (" +
               std::to_string(health->free_bytes / mb) + " MB free for reuse), expunge log " +
               std::to_string(health->expunge_log) + " entries");
    }
    ok = CheckDkimKeys(*config, **store) && ok;
    if (auto domains = (*store)->ListDomains(); domains) CheckDnsRecords(*config, *domains);
  }

  auto tls = MakeServerTlsContext(config->tls);
  Line(tls.ok(), "certificate " + config->tls.certificate,
       tls.ok() ? "readable, matches " + config->tls.private_key : tls.error());
  ok = ok && tls.ok();

  std::vector<net::ListenerSpec> listeners;
  net::AddListeners(listeners, "smtp", config->smtp.listen, false);
  net::AddListeners(listeners, "submission", config->smtp.submission_listen, false);
  net::AddListeners(listeners, "submissions", config->smtp.submissions_listen, true);
  net::AddListeners(listeners, "pop3", config->pop3.listen, false);
  net::AddListeners(listeners, "pop3s", config->pop3.tls_listen, true);
  net::AddListeners(listeners, "imap", config->imap.listen, false);
  net::AddListeners(listeners, "imaps", config->imap.tls_listen, true);
  for (const auto& l : listeners) {
    std::string what = "port " + l.endpoint.ToString() + " (" + l.name + ")";
    if (l.endpoint.port != 0 && l.endpoint.port < 1024 && ::geteuid() != 0) {
      std::cout << "skip    " << what << ": only root can try a port below 1024\n";
      continue;
    }
    auto bound = net::BindListeners({l});  // released again at once
    Line(bound.ok(), what,
         bound.ok() ? "free" : bound.error() + " (is mailsuite already running?)");
    ok = ok && bound.ok();
  }
  return ok ? kExitOk : kExitError;
}

int RunBackupCommand(const GlobalOptions& options, const std::vector<std::string>& words) {
  if (words.size() != 1) return UsageError("usage: backup FILE");
  auto store = OpenConfiguredStore(options);
  if (!store) return Fail(store.error());
  if (Status s = (*store)->BackupTo(words[0]); !s) return Fail(s.message());
  std::cout << "backed up to " << words[0] << "\n";
  return kExitOk;
}

}  // namespace mailsuite::cli
