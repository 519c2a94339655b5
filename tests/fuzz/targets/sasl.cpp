// SASL as the three daemons use it (RFC 4422, RFC 4616 PLAIN, LOGIN): base64, initial responses,
// PLAIN's three fields, LOGIN steps, the "*" cancel, and whole exchanges (SaslExchange).
#include "shared/auth/sasl.h"
#include <algorithm>

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
  // A whole exchange: "MECHANISM [initial]" CRLF, then one response per line.
  size_t eol = input.find("\r\n");
  std::string_view first = input.substr(0, eol);
  size_t sp = first.find(' ');
  std::optional<std::string_view> initial;
  if (sp != std::string_view::npos) initial = first.substr(sp + 1);
  SaslExchange sasl(first.substr(0, sp), initial);
  SaslStep step = sasl.Start();
  size_t pos = eol == std::string_view::npos ? input.size() : eol + 2;
  for (int round = 0; round < 10 && step.kind == SaslStep::Kind::kChallenge; ++round) {
    size_t end = input.find("\r\n", pos);
    step = sasl.Respond(input.substr(std::min(pos, input.size()), end == input.npos ? input.npos : end - pos));
    pos = end == std::string_view::npos ? input.size() : end + 2;
  }
  if (step.kind == SaslStep::Kind::kCredentials) {
    FUZZ_CHECK(!step.credentials.authcid.empty() && !step.credentials.password.empty());
    FUZZ_CHECK(step.credentials.password.size() <= kMaxSaslFieldLength);
  }
}

}  // namespace
}  // namespace mailsuite::auth
