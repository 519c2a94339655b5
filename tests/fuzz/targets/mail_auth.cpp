// The pure parsers of mail authentication: DKIM tag lists, signature fields, key records and
// canonicalization (RFC 6376), SPF records and macros (RFC 7208), MTA-STS records and policies
// (RFC 8461).
#include "../fuzz_target.h"
#include "dkim/dkim_canon.h"
#include "dkim/dkim_tags.h"
#include "spf/spf_record.h"
#include "sts/sts_policy.h"

namespace mailsuite::mta {
namespace {

MAILSUITE_FUZZ_TARGET(mail_auth) {
  (void)dkim::ParseTagList(input);
  (void)dkim::ParseSignature(input);
  (void)dkim::ParseKeyRecord(input);
  (void)dkim::WithoutSignatureValue(input);
  (void)dkim::CanonicalHeader(input, dkim::Canon::kRelaxed);
  for (dkim::Canon canon : {dkim::Canon::kSimple, dkim::Canon::kRelaxed}) {
    std::string once = dkim::CanonicalBody(input, canon);
    FUZZ_CHECK(dkim::CanonicalBody(once, canon) == once);  // canonical text is a fixed point
  }
  dkim::SplitMessage split = dkim::SplitHeader(input);
  (void)dkim::SelectHeaders(split.fields, {"from", "to", "from"});
  (void)spf::ParseRecord(input);
  (void)sts::ParseTxtRecord(input);
  if (auto policy = sts::ParsePolicy(input)) (void)sts::MxMatches(*policy, "mx.example.org");
  spf::MacroFacts facts{"a.b@example.org", "example.org", "2001:db8::1", "helo.example"};
  auto expanded = spf::ExpandMacros(input, facts);
  FUZZ_CHECK(!expanded.ok() || expanded->size() <= 253 || expanded->find('.') == std::string::npos);
}

}  // namespace
}  // namespace mailsuite::mta
