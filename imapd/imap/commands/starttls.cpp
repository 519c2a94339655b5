// STARTTLS (RFC 3501 6.2.1): upgrade in place, before authentication only. Anything the client
// pipelined after the command is discarded before the handshake (CVE-2011-0411); the client
// must ask for CAPABILITY again, which then no longer lists STARTTLS or LOGINDISABLED.
#include "../session.h"
#include "shared/net/tls_upgrade.h"

namespace mailsuite::imapd {

void HandleStartTls(ImapSession& s, const Command& c) {
  if (!c.args.empty()) return s.Bad(c, "Syntax: STARTTLS");
  if (!s.conn().CanStartTls())
    return s.Bad(c, s.conn().IsTls() ? "TLS already active" : "TLS not available");
  s.Ok(c, "Begin TLS negotiation now");
  if (!net::BeginTls(s.conn(), s.log(), "STARTTLS")) s.Close();
}

}  // namespace mailsuite::imapd
