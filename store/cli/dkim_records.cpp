#include "dkim_records.h"

#include <ctime>

#include "shared/mail/address.h"

namespace mailsuite::cli {

std::string DefaultDkimSelector(mail::DkimKeyType type) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y%m", &tm);
  return std::string(buf) + (type == mail::DkimKeyType::kRsa ? "r" : "e");
}

std::string FormatDnsRecord(const DnsRecord& r) {
  std::string value = r.type == "TXT" ? mail::QuoteTxtRecord(r.value) : r.value;
  return r.name + "  " + r.type + "  " + value;
}

Result<std::string> RenderDkimRecord(const mail::DkimKey& key) {
  auto value = mail::DkimDnsRecord(key);
  if (!value) return value.status();
  return FormatDnsRecord({key.selector + "._domainkey." + key.domain + ".", "TXT", *value, ""});
}

std::string MtaStsPolicy(const Config& config) {
  // Starts in testing: senders report failures (TLS-RPT) but still deliver. Switch to
  // "mode: enforce" once the reports are clean, and change the id in _mta-sts.
  return "version: STSv1\nmode: testing\nmx: " + config.general.hostname + "\nmax_age: 604800\n";
}

std::vector<DnsRecord> DomainDnsRecords(const Config& config, const std::string& domain_in) {
  std::string domain = mail::ToLower(domain_in);
  const std::string& host = config.general.hostname;
  std::string d = domain + ".";
  std::vector<DnsRecord> out;
  out.push_back({d, "MX", "10 " + host + ".", "mail for " + domain + " goes to this host"});
  out.push_back({d, "TXT", "v=spf1 mx -all", "SPF: only the MX hosts send as " + domain});
  auto keys = mail::ListDkimKeys(config.dkim.key_dir);
  if (keys)
    for (const mail::DkimKey& k : *keys) {
      if (k.domain != domain) continue;
      auto value = mail::DkimDnsRecord(k);
      if (value)
        out.push_back({k.selector + "._domainkey." + d, "TXT", *value,
                       std::string("DKIM ") + mail::DkimKeyTypeName(k.type) +
                           (k.active ? " key (signs)" : " key (standby)")});
    }
  out.push_back({"_dmarc." + d, "TXT", "v=DMARC1; p=quarantine; rua=mailto:postmaster@" + domain,
                 "DMARC: unaligned mail claiming " + domain +
                     " goes to spam; reports to "
                     "postmaster"});
  out.push_back({"_mta-sts." + d, "TXT", "v=STSv1; id=1",
                 "MTA-STS: change id whenever the policy file changes"});
  out.push_back(
      {"mta-sts." + d, "CNAME", host + ".",
       "serve the MTA-STS policy at https://mta-sts." + domain + "/.well-known/mta-sts.txt"});
  out.push_back({"_smtp._tls." + d, "TXT", "v=TLSRPTv1; rua=mailto:postmaster@" + domain,
                 "TLS-RPT: where senders report TLS failures"});
  return out;
}

}  // namespace mailsuite::cli
