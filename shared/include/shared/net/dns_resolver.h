// DNS lookups for the MTA (relay, SPF, DKIM, DMARC, MTA-STS) and `mailsuite check`, with c-ares: MX
// records (RFC 5321 5.1, RFC 7505 null MX), a host's A/AAAA addresses, and TXT records (DKIM keys,
// SPF, DMARC). Each lookup uses its own c-ares channel, so a Resolver may be used from any number
// of threads. Outcomes separate "the name does not exist" (permanent) from "the DNS did not answer"
// (temporary), because that decides between a bounce and a retry.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "shared/config.h"

namespace mailsuite::dns {

enum class DnsOutcome {
  kOk,         // records found
  kNoRecords,  // the name exists but has no record of that type (NODATA)
  kNoDomain,   // NXDOMAIN: permanent
  kTemporary,  // SERVFAIL, timeout, refused, no server reachable
};

struct MxHost {
  std::string name;
  int preference = 0;
};

struct MxAnswer {
  DnsOutcome outcome = DnsOutcome::kTemporary;
  std::vector<MxHost> hosts;  // ascending preference, equal preferences shuffled
  bool null_mx = false;       // RFC 7505: "MX 0 ." — the domain accepts no mail
  std::string error;          // for logs and DSNs
};

struct AddressAnswer {
  DnsOutcome outcome = DnsOutcome::kTemporary;
  std::vector<std::string> addresses;  // IPv4 and IPv6 literals
  std::string error;
};

struct TxtAnswer {
  DnsOutcome outcome = DnsOutcome::kTemporary;
  std::vector<std::string> records;  // each record's character-strings joined (RFC 7208 3.3)
  std::string error;
};

struct PtrAnswer {
  DnsOutcome outcome = DnsOutcome::kTemporary;
  std::vector<std::string> names;
  std::string error;
};

class Resolver {
 public:
  // `servers` empty uses the system configuration.
  Resolver(std::vector<Endpoint> servers, std::chrono::milliseconds timeout);
  MxAnswer LookupMx(const std::string& domain) const;
  AddressAnswer LookupAddresses(const std::string& host) const;
  TxtAnswer LookupTxt(const std::string& name) const;
  // A (or, with `ipv6`, AAAA) records only, as SPF asks (RFC 7208 5.3).
  AddressAnswer LookupAddressFamily(const std::string& name, bool ipv6) const;
  PtrAnswer LookupPtr(const std::string& address) const;

 private:
  std::vector<Endpoint> servers_;
  std::chrono::milliseconds timeout_;
};

// Sorts MX hosts by preference and shuffles equal preferences (RFC 5321 5.1). Exposed for tests.
void OrderMxHosts(std::vector<MxHost>& hosts);

}  // namespace mailsuite::dns
