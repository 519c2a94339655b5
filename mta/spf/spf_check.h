// SPF's check_host() (RFC 7208 4): is the client's address allowed to send for a domain? The
// DNS answers come through SpfDns (the c-ares resolver in the MTA, a table in tests). The limits
// of RFC 7208 4.6.4 hold across include: and redirect=: 10 terms that query DNS, 2 void lookups,
// 10 names per mx or ptr, and 20 seconds in all.
#pragma once

#include <chrono>
#include <string>

#include "../dns/resolver.h"
#include "spf_record.h"

namespace mailsuite::mta::spf {

class SpfDns {
 public:
  virtual ~SpfDns() = default;
  virtual TxtAnswer Txt(const std::string& name) = 0;
  virtual AddressAnswer Addresses(const std::string& name, bool ipv6) = 0;  // A or AAAA only
  virtual MxAnswer Mx(const std::string& name) = 0;
  virtual PtrAnswer Ptr(const std::string& address) = 0;
};

// The MTA's SpfDns: the resolver's lookups, one query each.
class ResolverSpfDns : public SpfDns {
 public:
  explicit ResolverSpfDns(const Resolver& resolver) : resolver_(resolver) {}
  TxtAnswer Txt(const std::string& name) override { return resolver_.LookupTxt(name); }
  AddressAnswer Addresses(const std::string& name, bool ipv6) override {
    return resolver_.LookupAddressFamily(name, ipv6);
  }
  MxAnswer Mx(const std::string& name) override { return resolver_.LookupMx(name); }
  PtrAnswer Ptr(const std::string& address) override { return resolver_.LookupPtr(address); }

 private:
  const Resolver& resolver_;
};

struct Outcome {
  Result result = Result::kNone;
  std::string reason;  // for the log and the A-R comment
};

// `sender` is MAIL FROM, or postmaster@<helo> for the null sender and the HELO check (2.4).
Outcome CheckHost(SpfDns& dns, const std::string& ip, const std::string& domain,
                  const std::string& sender, const std::string& helo,
                  std::chrono::milliseconds budget = std::chrono::seconds(20));

}  // namespace mailsuite::mta::spf
