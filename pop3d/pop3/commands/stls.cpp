// STLS (RFC 2595 4): upgrade in place, in AUTHORIZATION only. Anything the client pipelined after
// the command is discarded before the handshake (CVE-2011-0411); a USER given before TLS is
// forgotten, so the login happens entirely under TLS.
#include "../session.h"
#include "shared/net/tls_upgrade.h"

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
  if (!net::BeginTls(s.conn(), s.log(), "STLS")) {
    s.Close();
    return;
  }
  s.pending_user.clear();
  s.EnterState(Pop3State::kAuthorization);
}

}  // namespace mailsuite::pop3d
