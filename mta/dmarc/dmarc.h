// DMARC (RFC 7489): the policy record (6.3), discovery at the author domain and then its
// Organizational Domain (6.6.3), identifier alignment (3.1) and the result (4.2).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../dkim/dkim_verifier.h"
#include "../spf/spf_record.h"
#include "public_suffix.h"

namespace mailsuite::mta::dmarc {

enum class Policy { kNone, kQuarantine, kReject };
const char* PolicyName(Policy p);

struct Record {
  Policy policy = Policy::kNone;
  std::optional<Policy> subdomain_policy;  // sp=
  bool strict_dkim = false;                // adkim=s
  bool strict_spf = false;                 // aspf=s
  int percent = 100;                       // pct=
};

// The record's text; nullopt when it is not a usable DMARC record (6.6.3: then it is ignored).
std::optional<Record> ParseRecord(std::string_view text);

enum class Outcome { kNone, kPass, kFail, kTempError, kPermError };
const char* OutcomeName(Outcome o);  // as in Authentication-Results

struct Input {
  std::string author_domain;  // RFC5322.From domain, lower case ("" when there is none)
  spf::Result spf = spf::Result::kNone;
  std::string spf_domain;  // the MAIL FROM domain (or the HELO name for the null sender)
  std::vector<DkimResult> dkim;
};

struct Verdict {
  Outcome outcome = Outcome::kNone;
  Policy policy = Policy::kNone;  // the domain's policy for this message (sp=; pct= on failure)
  std::string policy_domain;      // where the record was found
  std::string reason;
};

// `lookup` answers TXT queries; `sample` returns a number in [0, 100) for pct=.
Verdict Evaluate(const Input& input, const TxtLookup& lookup, const PublicSuffixList& psl,
                 const std::function<int()>& sample);

}  // namespace mailsuite::mta::dmarc
