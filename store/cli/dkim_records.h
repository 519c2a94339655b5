// The DNS records a domain served by mailsuite publishes (MX, SPF, DKIM, DMARC, MTA-STS,
// TLS-RPT), as `mailsuite init --domain`, `dkim keygen` and `check` print them, and the MTA-STS
// policy file (RFC 8461 3.2) to serve over HTTPS.
#pragma once

#include <string>
#include <vector>

#include "shared/config.h"
#include "shared/mail/dkim_keys.h"
#include "shared/result.h"

namespace mailsuite::cli {

struct DnsRecord {
  std::string name;   // "example.org.", "s._domainkey.example.org."
  std::string type;   // "MX", "TXT", "CNAME"
  std::string value;  // unquoted TXT text, or the MX/CNAME data
  std::string note;   // a line of explanation, or ""
};

// Every record for `domain`, the DKIM ones for its keys under dkim.key_dir (problems skipped).
std::vector<DnsRecord> DomainDnsRecords(const Config& config, const std::string& domain);

// "name  TYPE  value" as in a zone file (TXT values quoted and split at 255 octets).
std::string FormatDnsRecord(const DnsRecord& record);

// The DKIM record of one key in zone-file form.
Result<std::string> RenderDkimRecord(const mail::DkimKey& key);

// RFC 8461 3.2's policy file, mode testing, for https://mta-sts.<domain>/.well-known/mta-sts.txt.
std::string MtaStsPolicy(const Config& config);

// "202612r" / "202612e": this month and the key type, so that a rotation next month gets a new
// selector by itself.
std::string DefaultDkimSelector(mail::DkimKeyType type);

int RunDkimCommand(int argc, char** argv);

}  // namespace mailsuite::cli
