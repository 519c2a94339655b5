// DKIM verification of a whole message against a fixed key: whatever the header and the
// signature fields say, the verifier gives one result per signature (at most 8) and never
// crashes or asks for more than 8 keys.
#include "../fuzz_target.h"
#include "dkim/dkim_verifier.h"

namespace mailsuite::mta {
namespace {

MAILSUITE_FUZZ_TARGET(dkim_verify) {
  int lookups = 0;
  TxtLookup lookup = [&](const std::string&) {
    ++lookups;
    TxtLookupAnswer a;
    a.status = TxtLookupAnswer::Status::kFound;
    a.records.push_back("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
    return a;
  };
  auto results = VerifyDkim(input, lookup, 1800000000);
  FUZZ_CHECK(results.size() <= static_cast<size_t>(kMaxDkimSignatures));
  FUZZ_CHECK(lookups <= kMaxDkimSignatures);
}

}  // namespace
}  // namespace mailsuite::mta
