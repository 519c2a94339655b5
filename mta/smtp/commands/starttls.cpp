// STARTTLS (RFC 3207): upgrade in place. Anything the client pipelined after the command is
// discarded before the handshake (CVE-2011-0411), and the session forgets everything it knew
// from before TLS: the client must EHLO again (RFC 3207 4.2).
#include "../session.h"
#include "shared/net/tls_upgrade.h"

namespace mailsuite::mta {

void HandleStartTls(SmtpSession& s, const std::string& argument) {
  if (!argument.empty()) {
    s.Reply(501, "5.5.4", "Syntax: STARTTLS");
    s.CountError();
    return;
  }
  if (!s.conn().CanStartTls()) {
    s.Reply(s.conn().IsTls() ? 503 : 454, s.conn().IsTls() ? "5.5.1" : "4.7.0",
            s.conn().IsTls() ? "TLS already active" : "TLS not available");
    return;
  }
  s.Reply(220, "2.0.0", "Ready to start TLS");
  if (!net::BeginTls(s.conn(), s.log(), "STARTTLS")) {
    s.Close();
    return;
  }
  s.helo_name.clear();
  s.esmtp = false;
  s.authenticated_user.clear();
  s.authenticated_user_id = 0;
  s.ResetTransaction();
  s.EnterState(SmtpState::kConnected);
}

}  // namespace mailsuite::mta
