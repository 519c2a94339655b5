// SASL decoding as the three daemons use it (RFC 4422, RFC 4616 PLAIN, LOGIN): base64, initial
// responses, PLAIN's three fields, LOGIN steps, the "*" cancel.
#include "shared/auth/sasl.h"
#include "../fuzz_target.h"

namespace mailsuite::auth {
namespace {

MAILSUITE_FUZZ_TARGET(sasl) {
  (void)IsCancel(input);
  (void)DecodeInitialResponse(input);
  (void)DecodePlain(input);
  (void)DecodeLoginStep(input);
  (void)ParsePlain(input);
  auto decoded = Base64Decode(Base64Encode(input));
  FUZZ_CHECK(decoded.ok() && *decoded == input);
}

}  // namespace
}  // namespace mailsuite::auth
