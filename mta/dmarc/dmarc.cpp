#include "dmarc.h"

#include "../dkim/dkim_tags.h"
#include "shared/mail/address.h"

namespace mailsuite::mta::dmarc {
namespace {

std::optional<Policy> ParsePolicy(const std::string& v) {
  if (v == "none") return Policy::kNone;
  if (v == "quarantine") return Policy::kQuarantine;
  if (v == "reject") return Policy::kReject;
  return std::nullopt;
}

// RFC 7489 3.1.1/3.1.2: strict asks for the same name, relaxed for the same Organizational
// Domain.
bool Aligned(const std::string& a, const std::string& b, bool strict, const PublicSuffixList& psl) {
  if (a.empty() || b.empty()) return false;
  if (strict) return a == b;
  return psl.OrganizationalDomain(a) == psl.OrganizationalDomain(b);
}

// One policy discovery step: kFound with a record, kNone, kSeveral (6.6.3 step 5: DMARC does not
// apply, and discovery stops), or kTempError.
enum class Lookup { kFound, kNone, kSeveral, kTempError };
Lookup Discover(const std::string& domain, const TxtLookup& lookup, Record& out) {
  TxtLookupAnswer answer = lookup("_dmarc." + domain);
  if (answer.status == TxtLookupAnswer::Status::kTemporary) return Lookup::kTempError;
  std::vector<std::string> candidates;
  for (const std::string& r : answer.records)
    if (ParseRecord(r) || r.rfind("v=DMARC1", 0) == 0) candidates.push_back(r);
  if (candidates.empty()) return Lookup::kNone;
  if (candidates.size() > 1) return Lookup::kSeveral;
  auto record = ParseRecord(candidates[0]);
  if (!record) return Lookup::kNone;
  out = *record;
  return Lookup::kFound;
}

}  // namespace

const char* PolicyName(Policy p) {
  switch (p) {
    case Policy::kNone:
      return "none";
    case Policy::kQuarantine:
      return "quarantine";
    case Policy::kReject:
      return "reject";
  }
  return "none";
}

const char* OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kNone:
      return "none";
    case Outcome::kPass:
      return "pass";
    case Outcome::kFail:
      return "fail";
    case Outcome::kTempError:
      return "temperror";
    case Outcome::kPermError:
      return "permerror";
  }
  return "none";
}

std::optional<Record> ParseRecord(std::string_view text) {
  auto tags = dkim::ParseTagList(text);
  size_t first = text.find_first_not_of(" \t");
  if (!tags || first == std::string_view::npos || text[first] != 'v' ||
      (*tags)["v"] != "DMARC1")  // 6.4: v=DMARC1 comes first
    return std::nullopt;
  Record r;
  auto get = [&](const char* name) -> std::optional<std::string> {
    auto it = tags->find(name);
    if (it == tags->end()) return std::nullopt;
    return mail::ToLower(it->second);
  };
  auto p = get("p");
  std::optional<Policy> policy = p ? ParsePolicy(*p) : std::nullopt;
  if (!policy) {
    // 6.6.3: a record with a valid rua= and no usable p= is treated as p=none.
    if (!get("rua")) return std::nullopt;
    policy = Policy::kNone;
  }
  r.policy = *policy;
  if (auto sp = get("sp")) r.subdomain_policy = ParsePolicy(*sp);
  if (auto a = get("adkim")) r.strict_dkim = *a == "s";
  if (auto a = get("aspf")) r.strict_spf = *a == "s";
  if (auto pct = get("pct")) {
    int v = 0;
    bool ok = !pct->empty() && pct->size() <= 3;
    for (char c : *pct) ok = ok && c >= '0' && c <= '9' && ((v = v * 10 + (c - '0')), true);
    if (ok && v <= 100) r.percent = v;
  }
  return r;
}

Verdict Evaluate(const Input& in, const TxtLookup& lookup, const PublicSuffixList& psl,
                 const std::function<int()>& sample) {
  Verdict v;
  if (in.author_domain.empty()) {
    v.reason = "no single From: domain";
    return v;
  }
  Record record;
  Lookup found = Discover(in.author_domain, lookup, record);
  v.policy_domain = in.author_domain;
  std::string org = psl.OrganizationalDomain(in.author_domain);
  bool at_org = false;
  if (found == Lookup::kNone && org != in.author_domain) {
    found = Discover(org, lookup, record);
    v.policy_domain = org;
    at_org = true;
  }
  if (found == Lookup::kTempError) {
    v.outcome = Outcome::kTempError;
    v.reason = "DMARC record lookup failed";
    return v;
  }
  if (found == Lookup::kNone || found == Lookup::kSeveral) {
    v.reason = found == Lookup::kNone ? "no DMARC record" : "several DMARC records";
    return v;
  }

  bool dkim_aligned = false, dkim_temp = false;
  for (const DkimResult& r : in.dkim) {
    bool aligned = Aligned(r.domain, in.author_domain, record.strict_dkim, psl);
    dkim_aligned = dkim_aligned || (aligned && r.outcome == DkimOutcome::kPass);
    dkim_temp = dkim_temp || (aligned && r.outcome == DkimOutcome::kTempError);
  }
  bool spf_aligned_domain = Aligned(in.spf_domain, in.author_domain, record.strict_spf, psl);
  bool spf_aligned = spf_aligned_domain && in.spf == spf::Result::kPass;
  bool spf_temp = spf_aligned_domain && in.spf == spf::Result::kTempError;

  // 6.6.2 and 6.6.4: sp= for a subdomain whose record was found at the Organizational Domain.
  Policy asked = at_org && record.subdomain_policy ? *record.subdomain_policy : record.policy;
  v.policy = asked;  // what the domain publishes; acted on only for a failure
  if (dkim_aligned || spf_aligned) {
    v.outcome = Outcome::kPass;
    v.reason = dkim_aligned ? "aligned DKIM pass" : "aligned SPF pass";
    return v;
  }
  if (dkim_temp || spf_temp) {
    // A temporary DNS failure could have been a pass: not a failure to act on (RFC 7489 6.6.2).
    v.outcome = Outcome::kTempError;
    v.reason = "a DNS failure kept an aligned check from finishing";
    return v;
  }
  v.outcome = Outcome::kFail;
  // 6.6.4: outside the pct= sample, the policy is applied one step softer.
  if (record.percent < 100 && sample() >= record.percent)
    v.policy = asked == Policy::kReject ? Policy::kQuarantine : Policy::kNone;
  v.reason = "no aligned DKIM or SPF pass";
  return v;
}

}  // namespace mailsuite::mta::dmarc
