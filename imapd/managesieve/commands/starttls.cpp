// STARTTLS (RFC 5804 2.2): upgrade in place before AUTHENTICATE. Plaintext pipelined after the
// command is discarded (CVE-2011-0411); once TLS is up the server sends its capabilities again,
// unasked, and the client must forget the ones it had.
#include "../session.h"
#include "shared/net/tls_upgrade.h"

namespace mailsuite::managesieve {

void HandleStartTls(ManageSieveSession& s, const Arguments& args) {
  if (!ExpectStrings(s, args, 0, "STARTTLS")) return;
  if (!s.conn().CanStartTls()) {
    s.No(s.conn().IsTls() ? "TLS already active" : "TLS not available");
    return s.CountError();
  }
  s.Ok("Begin TLS negotiation now");
  if (!net::BeginTls(s.conn(), s.log(), "STARTTLS")) return s.Close();
  s.CapabilitiesAfterTls();
}

}  // namespace mailsuite::managesieve
