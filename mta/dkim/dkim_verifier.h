// DKIM verification (RFC 6376 6, RFC 8463) of inbound mail. The first kMaxDkimSignatures
// signatures are checked, top down (the rest are ignored, so that a message cannot make us do
// unbounded DNS lookups); each gets one RFC 8601 result. The body hash is checked before the
// key is fetched, so a broken message costs no lookup. Keys come from `lookup`, which the MTA
// answers from DNS (TXT at <selector>._domainkey.<domain>) and tests answer from a table.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace mailsuite::mta {

inline constexpr int kMaxDkimSignatures = 8;

enum class DkimOutcome { kPass, kFail, kNeutral, kTempError, kPermError };
const char* DkimOutcomeName(DkimOutcome outcome);  // "pass", "fail", ... (RFC 8601 2.7.1)

struct DkimResult {
  DkimOutcome outcome = DkimOutcome::kPermError;
  std::string domain;     // d=, lower case
  std::string selector;   // s=
  std::string algorithm;  // a=
  std::string b_prefix;   // the first 8 characters of b= (RFC 6008 header.b)
  std::string reason;     // for the log and the A-R comment: "bad signature", "no key"…
};

// One TXT answer: the records found (each the concatenation of its strings), or why not.
struct TxtLookupAnswer {
  enum class Status { kFound, kNotFound, kTemporary } status = Status::kTemporary;
  std::vector<std::string> records;
};
using TxtLookup = std::function<TxtLookupAnswer(const std::string& name)>;

// An empty result list means the message carries no DKIM signature (dkim=none). `now` (Unix
// time) judges x=; 0 takes the clock.
std::vector<DkimResult> VerifyDkim(std::string_view message, const TxtLookup& lookup,
                                   int64_t now = 0);

}  // namespace mailsuite::mta
