// Header and text decoding used by SEARCH and FETCH: address lists as ENVELOPE sees them,
// RFC 2047 encoded words, charset conversion, quoted-printable and base64.
#include "../fuzz_target.h"
#include "shared/mail/mime.h"
#include "shared/mail/text_decode.h"
#include "shared/mail/transfer_encoding.h"

namespace mailsuite::mail {
namespace {

MAILSUITE_FUZZ_TARGET(header_text) {
  for (const EnvelopeAddress& a : ParseAddresses(input)) (void)a.mailbox;
  (void)DecodeHeaderText(input);
  (void)CharsetToUtf8(input, "iso-8859-1");
  (void)CharsetToUtf8(input, "koi8-r");
  (void)DecodeQuotedPrintable(input);
  auto decoded = DecodeTransferEncoding("base64", EncodeBase64Lines(input));
  FUZZ_CHECK(decoded && *decoded == input);  // base64 lines decode to what they encode
}

}  // namespace
}  // namespace mailsuite::mail
