// STLS (RFC 2595 4): upgrade in place, in AUTHORIZATION only. Anything the client pipelined after
// the command is discarded before the handshake (CVE-2011-0411); a USER given before TLS is
// forgotten, so the login happens entirely under TLS.
#include "../session.h"

namespace mailsuite::pop3d {

void HandleStls(Pop3Session& s, const std::string& argument) {
  if (!argument.empty()) {
    s.Err("Syntax: STLS");
    s.CountError();
    return;
  }
  if (!s.conn().CanStartTls()) {
    s.Err(s.conn().IsTls() ? "TLS already active" : "[SYS/PERM] TLS not available");
    s.CountError();
    return;
  }
  s.Ok("Begin TLS negotiation");
  size_t discarded = 0;
  if (!s.conn().StartTls(&discarded)) {
    s.log().Info("TLS handshake failed");
    s.Close();
    return;
  }
  if (discarded > 0)
    s.log().Warning("discarded " + std::to_string(discarded) +
                    " plaintext bytes pipelined after STLS");
  s.log().Info("TLS started");
  s.pending_user.clear();
  s.EnterState(Pop3State::kAuthorization);
}

}  // namespace mailsuite::pop3d
