// STARTTLS (RFC 3501 6.2.1): upgrade in place, before authentication only. Anything the client
// pipelined after the command is discarded before the handshake (CVE-2011-0411); the client
// must ask for CAPABILITY again, which then no longer lists STARTTLS or LOGINDISABLED.
#include "../session.h"

namespace mailsuite::imapd {

void HandleStartTls(ImapSession& s, const Command& c) {
  if (!c.args.empty()) return s.Bad(c, "Syntax: STARTTLS");
  if (!s.conn().CanStartTls())
    return s.Bad(c, s.conn().IsTls() ? "TLS already active" : "TLS not available");
  s.Ok(c, "Begin TLS negotiation now");
  size_t discarded = 0;
  if (!s.conn().StartTls(&discarded)) {
    s.log().Info("TLS handshake failed");
    s.Close();
    return;
  }
  if (discarded > 0)
    s.log().Warning("discarded " + std::to_string(discarded) +
                    " plaintext bytes pipelined after STARTTLS");
  s.log().Info("TLS started");
}

}  // namespace mailsuite::imapd
