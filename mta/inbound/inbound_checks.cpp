#include "inbound_checks.h"

#include <strings.h>

#include <random>

#include "../dkim/dkim_canon.h"
#include "shared/mail/address.h"
#include "shared/mail/header_scan.h"

namespace mailsuite::mta {
namespace {

std::string DomainOf(const std::string& address) {
  size_t at = address.rfind('@');
  return mail::ToLower(at == std::string::npos ? address : address.substr(at + 1));
}

// A comment of ours for the A-R field: printable ASCII without parentheses or backslashes, short
// (reasons can quote DNS text, and a header line must stay under 998 octets).
std::string Comment(const std::string& text) {
  std::string out;
  for (char c : text)
    if (c >= 0x20 && c < 0x7f && c != '(' && c != ')' && c != '\\' && out.size() < 80) out += c;
  return out.empty() ? "" : " (" + out + ")";
}

// A property value (RFC 8601 2.2 pvalue): a domain is a token; anything else is dropped.
bool IsToken(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
          c == '+' || c == '/' || c == '='))
      return false;
  return true;
}

std::string Property(const char* name, const std::string& value) {
  return IsToken(value) ? std::string(" ") + name + "=" + value : "";
}

// The authserv-id of an A-R field value: its first token (comments skipped).
std::string AuthservId(std::string_view value) {
  size_t i = 0;
  while (i < value.size()) {
    char c = value[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++i;
    } else if (c == '(') {  // a comment, possibly nested
      int depth = 0;
      for (; i < value.size(); ++i) {
        if (value[i] == '(') ++depth;
        if (value[i] == ')' && --depth == 0) break;
      }
      ++i;
    } else {
      break;
    }
  }
  if (i < value.size() && value[i] == '"') {  // a quoted-string (RFC 8601 2.2, RFC 5322 3.2.4)
    std::string id;
    for (++i; i < value.size() && value[i] != '"'; ++i) {
      if (value[i] == '\\' && i + 1 < value.size()) ++i;
      id += value[i];
    }
    return id;
  }
  size_t end = value.find_first_of(" \t\r\n;(", i);
  return std::string(value.substr(i, end == std::string_view::npos ? value.size() - i : end - i));
}

constexpr size_t kMaxAuthorDomains = 4;

// How bad a DMARC verdict is for the message: a failure under a stricter policy is worse.
int Severity(const dmarc::Verdict& v) {
  switch (v.outcome) {
    case dmarc::Outcome::kFail:
      return 10 + static_cast<int>(v.policy);
    case dmarc::Outcome::kTempError:
      return 5;
    case dmarc::Outcome::kPass:
      return 2;
    case dmarc::Outcome::kNone:
      return 1;
    case dmarc::Outcome::kPermError:
      return 0;
  }
  return 0;
}

}  // namespace

InboundResults CheckInbound(std::string_view message, const InboundFacts& f, spf::SpfDns& dns,
                            const TxtLookup& txt, const dmarc::PublicSuffixList& psl) {
  InboundResults r;
  bool helo_is_domain = mail::IsValidDomain(f.helo, false) && f.helo.find('.') != std::string::npos;
  if (helo_is_domain) {
    r.helo_domain = mail::ToLower(f.helo);
    r.helo_spf = spf::CheckHost(dns, f.ip, r.helo_domain, "postmaster@" + f.helo, f.helo);
  }
  if (f.mail_from.empty()) {
    r.spf = r.helo_spf;
    r.spf_domain = r.helo_domain;
    r.spf_of_helo = true;
  } else {
    r.spf_domain = DomainOf(f.mail_from);
    r.spf = spf::CheckHost(dns, f.ip, r.spf_domain, f.mail_from, f.helo);
  }
  r.dkim = VerifyDkim(message, txt);
  auto authors = mail::AuthorDomains(message);
  if (!authors || authors->size() > kMaxAuthorDomains) {
    // RFC 7489 6.6.1: such a From: is how a forger hides the real author; treated as a failure
    // of the strictest policy (smtp.dmarc_reject_policy decides what that means).
    r.author_unusable = true;
    r.dmarc.outcome = dmarc::Outcome::kFail;
    r.dmarc.policy = dmarc::Policy::kReject;
    r.dmarc.reason = "the From: field names no single author";
    return r;
  }
  if (authors->empty()) r.dmarc.reason = "no From: field";
  thread_local std::mt19937 rng(std::random_device{}());
  for (const std::string& domain : *authors) {  // several mailboxes: the strictest result wins
    dmarc::Input in{domain, r.spf.result, r.spf_domain, r.dkim};
    dmarc::Verdict v = dmarc::Evaluate(in, txt, psl, [] { return static_cast<int>(rng() % 100); });
    if (r.author_domain.empty() || Severity(v) > Severity(r.dmarc)) {
      r.dmarc = v;
      r.author_domain = domain;
    }
  }
  return r;
}

InboundResults InboundChecker::Check(std::string_view message, const InboundFacts& facts) const {
  spf::ResolverSpfDns dns(resolver_);
  TxtLookup txt = [this](const std::string& name) {
    TxtAnswer a = resolver_.LookupTxt(name);
    TxtLookupAnswer out;
    out.records = std::move(a.records);
    out.status = a.outcome == DnsOutcome::kOk          ? TxtLookupAnswer::Status::kFound
                 : a.outcome == DnsOutcome::kTemporary ? TxtLookupAnswer::Status::kTemporary
                                                       : TxtLookupAnswer::Status::kNotFound;
    return out;
  };
  return CheckInbound(message, facts, dns, txt, psl_);
}

InboundAction DecideInbound(const InboundResults& r, DmarcRejectAction on_reject) {
  using dmarc::Outcome;
  using dmarc::Policy;
  if (r.dmarc.outcome == Outcome::kTempError &&
      (r.dmarc.policy != Policy::kNone || r.dmarc.policy_domain.empty() ||
       r.dmarc.reason == "DMARC record lookup failed"))
    return InboundAction::kDefer;  // never a silent pass when the DNS did not answer
  if (r.dmarc.outcome != Outcome::kFail) return InboundAction::kDeliver;
  if (r.dmarc.policy == Policy::kQuarantine) return InboundAction::kJunk;
  if (r.dmarc.policy == Policy::kReject) {
    switch (on_reject) {
      case DmarcRejectAction::kReject:
        return InboundAction::kReject;
      case DmarcRejectAction::kJunk:
        return InboundAction::kJunk;
      case DmarcRejectAction::kNone:
        return InboundAction::kDeliver;
    }
  }
  return InboundAction::kDeliver;
}

std::string FormatAuthenticationResults(const std::string& authserv_id, const InboundResults& r) {
  std::string out = "Authentication-Results: " + authserv_id +
                    ";\r\n\tspf=" + spf::ResultName(r.spf.result) + Comment(r.spf.reason) +
                    Property(r.spf_of_helo ? "smtp.helo" : "smtp.mailfrom", r.spf_domain);
  if (!r.spf_of_helo && !r.helo_domain.empty())
    out += ";\r\n\tspf=" + std::string(spf::ResultName(r.helo_spf.result)) +
           Comment(r.helo_spf.reason) + Property("smtp.helo", r.helo_domain);
  if (r.dkim.empty()) out += ";\r\n\tdkim=none";
  for (const DkimResult& d : r.dkim)
    out += ";\r\n\tdkim=" + std::string(DkimOutcomeName(d.outcome)) + Comment(d.reason) +
           Property("header.d", d.domain) + Property("header.s", d.selector) +
           Property("header.a", d.algorithm) + Property("header.b", d.b_prefix);
  out += ";\r\n\tdmarc=" + std::string(dmarc::OutcomeName(r.dmarc.outcome));
  if (r.author_unusable) out += Comment(r.dmarc.reason);
  if (!r.dmarc.policy_domain.empty() && r.dmarc.outcome != dmarc::Outcome::kNone)
    out += " (p=" + std::string(dmarc::PolicyName(r.dmarc.policy)) + ")";
  out += Property("header.from", r.author_domain) + "\r\n";
  return out;
}

std::string RemoveOurAuthenticationResults(std::string_view message, const std::string& authserv_id,
                                           int* removed) {
  dkim::SplitMessage split = dkim::SplitHeader(message);
  std::string out;
  out.reserve(message.size());
  int count = 0;
  size_t copied = 0;  // fields are views into `message`, in order
  for (const dkim::HeaderField& f : split.fields) {
    bool ours =
        f.name.size() == 22 && strncasecmp(f.name.data(), "Authentication-Results", 22) == 0 &&
        strcasecmp(AuthservId(f.raw.substr(f.raw.find(':') + 1)).c_str(), authserv_id.c_str()) == 0;
    size_t start = static_cast<size_t>(f.raw.data() - message.data());
    if (!ours) continue;
    out.append(message.substr(copied, start - copied));
    copied = start + f.raw.size();
    ++count;
  }
  out.append(message.substr(copied));
  if (removed) *removed = count;
  return out;
}

}  // namespace mailsuite::mta
