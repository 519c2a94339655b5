#include "spf_check.h"

#include <arpa/inet.h>

#include <optional>
#include <variant>

#include "shared/mail/address.h"
#include "shared/net/cidr.h"

namespace mailsuite::mta::spf {
namespace {

constexpr int kMaxDnsTerms = 10;
constexpr int kMaxVoidLookups = 2;
constexpr size_t kMaxNames = 10;

struct Failure {
  Result result;
  std::string reason;
};

class Evaluator {
 public:
  Evaluator(SpfDns& dns, std::string ip, std::string sender, std::string helo,
            std::chrono::milliseconds budget)
      : dns_(dns),
        ip_(std::move(ip)),
        sender_(std::move(sender)),
        helo_(std::move(helo)),
        deadline_(std::chrono::steady_clock::now() + budget) {
    unsigned char b[16];
    v6_ = inet_pton(AF_INET, ip_.c_str(), b) != 1;
  }

  Outcome Check(const std::string& domain) {
    Outcome o;
    if (!mail::IsValidDomain(domain, false) || domain.find('.') == std::string::npos) {
      o.reason = "no valid domain to check";  // 4.3: none
      return o;
    }
    return Evaluate(mail::ToLower(domain));
  }

 private:
  // One DNS term more (4.6.4), or the permerror that ends the check.
  std::optional<Failure> CountTerm() {
    if (++terms_ > kMaxDnsTerms) return Failure{Result::kPermError, "more than 10 DNS lookups"};
    return Expired();
  }
  std::optional<Failure> Expired() {
    if (std::chrono::steady_clock::now() > deadline_)
      return Failure{Result::kTempError, "SPF check took too long"};
    return std::nullopt;
  }
  // A query answered with no record (NXDOMAIN or NODATA) counts as void.
  std::optional<Failure> Void(DnsOutcome outcome) {
    if ((outcome == DnsOutcome::kNoDomain || outcome == DnsOutcome::kNoRecords) &&
        ++voids_ > kMaxVoidLookups)
      return Failure{Result::kPermError, "more than 2 void DNS lookups"};
    return std::nullopt;
  }

  bool Inside(const std::string& address, int cidr4, int cidr6) const {
    bool v6 = address.find(':') != std::string::npos;
    if (v6 != v6_) return false;
    auto net = net::ParseNetworks(address + "/" + std::to_string(v6 ? cidr6 : cidr4));
    return net.ok() && net::InNetworks(ip_, *net);
  }

  // Does one address lookup match? nullopt: no; a Failure: the check ends.
  std::variant<bool, Failure> AddressesMatch(const std::string& name, int cidr4, int cidr6,
                                             bool count_void) {
    if (auto e = Expired()) return *e;
    AddressAnswer a = dns_.Addresses(name, v6_);
    if (a.outcome == DnsOutcome::kTemporary)
      return Failure{Result::kTempError, "DNS lookup of " + name + " failed"};
    if (count_void)
      if (auto e = Void(a.outcome)) return *e;
    for (const std::string& address : a.addresses)
      if (Inside(address, cidr4, cidr6)) return true;
    return false;
  }

  std::variant<bool, Failure> Matches(const Term& t, const std::string& domain) {
    MacroFacts facts{sender_, domain, ip_, helo_};
    std::string target = domain;
    if (!t.domain_spec.empty()) {
      auto expanded = ExpandMacros(t.domain_spec, facts);
      if (!expanded) return Failure{Result::kPermError, expanded.error()};
      target = mail::ToLower(*expanded);
    }
    switch (t.mechanism) {
      case Mechanism::kAll:
        return true;
      case Mechanism::kIp4:
      case Mechanism::kIp6:
        return Inside(t.address, t.cidr4, t.cidr6);
      case Mechanism::kA:
        if (auto e = CountTerm()) return *e;
        return AddressesMatch(target, t.cidr4, t.cidr6, true);
      case Mechanism::kExists: {
        if (auto e = CountTerm()) return *e;
        AddressAnswer a = dns_.Addresses(target, false);  // 5.7: always an A query
        if (a.outcome == DnsOutcome::kTemporary)
          return Failure{Result::kTempError, "DNS lookup of " + target + " failed"};
        if (auto e = Void(a.outcome)) return *e;
        return !a.addresses.empty();
      }
      case Mechanism::kMx: {
        if (auto e = CountTerm()) return *e;
        MxAnswer mx = dns_.Mx(target);
        if (mx.outcome == DnsOutcome::kTemporary)
          return Failure{Result::kTempError, "MX lookup of " + target + " failed"};
        if (auto e = Void(mx.outcome)) return *e;
        if (mx.hosts.size() > kMaxNames)
          return Failure{Result::kPermError, "more than 10 MX names"};  // 4.6.4
        for (const MxHost& h : mx.hosts) {
          auto m = AddressesMatch(h.name, t.cidr4, t.cidr6, false);
          if (!std::holds_alternative<bool>(m) || std::get<bool>(m)) return m;
        }
        return false;
      }
      case Mechanism::kPtr: {  // 5.5, deprecated but still published
        if (auto e = CountTerm()) return *e;
        PtrAnswer ptr = dns_.Ptr(ip_);
        if (ptr.outcome == DnsOutcome::kTemporary) return false;  // 5.5: no match on errors
        if (auto e = Void(ptr.outcome)) return *e;
        for (size_t i = 0; i < ptr.names.size() && i < kMaxNames; ++i) {
          std::string name = mail::ToLower(ptr.names[i]);
          bool under = name == target ||
                       (name.size() > target.size() &&
                        name.compare(name.size() - target.size(), std::string::npos, target) == 0 &&
                        name[name.size() - target.size() - 1] == '.');
          if (!under) continue;
          auto m = AddressesMatch(name, 32, 128, false);
          if (std::holds_alternative<bool>(m) && std::get<bool>(m)) return true;
        }
        return false;
      }
      case Mechanism::kInclude: {
        if (auto e = CountTerm()) return *e;
        Outcome inner = Evaluate(target);
        switch (inner.result) {  // 5.2
          case Result::kPass:
            return true;
          case Result::kFail:
          case Result::kSoftFail:
          case Result::kNeutral:
            return false;
          case Result::kTempError:
            return Failure{Result::kTempError, inner.reason};
          case Result::kNone:
            return Failure{Result::kPermError, "include:" + target + " has no SPF record"};
          case Result::kPermError:
            return Failure{Result::kPermError, inner.reason};
        }
        return false;
      }
    }
    return false;
  }

  Outcome Evaluate(const std::string& domain) {
    if (++depth_ > kMaxDnsTerms + 1) return {Result::kPermError, "SPF records nest too deep"};
    if (auto e = Expired()) return {e->result, e->reason};
    TxtAnswer txt = dns_.Txt(domain);
    if (txt.outcome == DnsOutcome::kTemporary)
      return {Result::kTempError, "DNS lookup of " + domain + " failed"};
    std::vector<std::string> spf;
    for (const std::string& r : txt.records)
      if (IsSpfRecord(r)) spf.push_back(r);
    if (spf.empty()) return {Result::kNone, "no SPF record for " + domain};
    if (spf.size() > 1) return {Result::kPermError, "several SPF records for " + domain};
    auto record = ParseRecord(spf[0]);
    if (!record) return {Result::kPermError, domain + ": " + record.error()};
    for (const Term& t : record->terms) {
      auto m = Matches(t, domain);
      if (auto* f = std::get_if<Failure>(&m)) return {f->result, f->reason};
      if (std::get<bool>(m)) return {t.qualifier, domain + " matched"};
    }
    if (record->redirect) {
      if (auto e = CountTerm()) return {e->result, e->reason};
      auto target = ExpandMacros(*record->redirect, MacroFacts{sender_, domain, ip_, helo_});
      if (!target) return {Result::kPermError, target.error()};
      Outcome o = Evaluate(mail::ToLower(*target));
      if (o.result == Result::kNone)  // 6.1
        return {Result::kPermError, "redirect=" + *target + " has no SPF record"};
      return o;
    }
    return {Result::kNeutral, domain + ": nothing matched"};  // 4.7
  }

  SpfDns& dns_;
  std::string ip_;
  std::string sender_;
  std::string helo_;
  std::chrono::steady_clock::time_point deadline_;
  bool v6_ = false;
  int terms_ = 0;
  int voids_ = 0;
  int depth_ = 0;
};

}  // namespace

Outcome CheckHost(SpfDns& dns, const std::string& ip_in, const std::string& domain,
                  const std::string& sender, const std::string& helo,
                  std::chrono::milliseconds budget) {
  // An IPv4 client seen through an IPv6 socket is checked as IPv4 (RFC 7208 5.6).
  std::string ip = ip_in;
  if (ip.rfind("::ffff:", 0) == 0 && ip.find('.') != std::string::npos) ip = ip.substr(7);
  return Evaluator(dns, ip, sender, helo, budget).Check(domain);
}

}  // namespace mailsuite::mta::spf
