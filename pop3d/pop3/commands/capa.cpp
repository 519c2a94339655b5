// CAPA (RFC 2449 5). USER and SASL are listed only when passwords may be sent now (TLS, loopback
// or auth.allow_cleartext), as SMTP hides AUTH; STLS only before TLS and before login, so a
// client that asks again after STLS sees it gone (RFC 2595 4).
#include "../session.h"

namespace mailsuite::pop3d {

void HandleCapa(Pop3Session& s, const std::string& argument) {
  if (!argument.empty()) {
    s.Err("Syntax: CAPA");
    s.CountError();
    return;
  }
  std::string out = "+OK Capability list follows\r\nTOP\r\nUIDL\r\n";
  if (s.AuthAllowedNow()) out += "USER\r\nSASL PLAIN LOGIN\r\n";
  out += "RESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n";
  if (s.conn().CanStartTls() && s.state() != Pop3State::kTransaction) out += "STLS\r\n";
  out += "IMPLEMENTATION mailsuite\r\n.\r\n";
  s.Write(out);
}

}  // namespace mailsuite::pop3d
