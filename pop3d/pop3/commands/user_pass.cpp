// USER and PASS (RFC 1939 7): the name, then the password on the next command. Both are
// refused before TLS unless the peer is on loopback or auth.allow_cleartext is set, so a client
// is stopped before it sends the password. The password is never logged.
#include "login.h"
#include "shared/auth/sasl.h"

namespace mailsuite::pop3d {

void HandleUser(Pop3Session& s, const std::string& argument) {
  if (!CheckPasswordsAllowed(s)) return;
  if (argument.empty() || argument.size() > auth::kMaxSaslFieldLength ||
      argument.find(' ') != std::string::npos) {
    s.Err("Syntax: USER name");
    s.EnterState(Pop3State::kAuthorization);
    s.CountError();
    return;
  }
  s.pending_user = argument;
  s.EnterState(Pop3State::kUserGiven);
  s.Ok("Send your password");
}

// RFC 1939 7: "the server may treat spaces in the argument as part of the password".
void HandlePass(Pop3Session& s, const std::string& argument) {
  if (!CheckPasswordsAllowed(s)) return;
  std::string user = std::move(s.pending_user);
  s.pending_user.clear();
  if (argument.empty() || argument.size() > auth::kMaxSaslFieldLength) {
    s.Err("Syntax: PASS password");
    s.EnterState(Pop3State::kAuthorization);
    s.CountError();
    return;
  }
  VerifyAndLogin(s, "", user, argument);
}

}  // namespace mailsuite::pop3d
