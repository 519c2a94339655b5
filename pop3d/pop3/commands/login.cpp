#include "login.h"

#include "shared/auth/password.h"
#include "store/authenticate.h"

namespace mailsuite::pop3d {
namespace {

void Fail(Pop3Session& s, const std::string& user, const std::string& why,
          std::chrono::milliseconds delay) {
  s.log().Warning("auth failed user=" + Printable(user, 80) + " reason=" + why +
                  " rip=" + s.info().peer_address);
  s.conn().HoldOutput(delay);             // the session waits without a thread (issue #14)
  s.Err("[AUTH] Authentication failed");  // RFC 3206 4: the credentials are at fault
  s.EnterState(Pop3State::kAuthorization);
  s.CountError();
}

}  // namespace

bool CheckPasswordsAllowed(Pop3Session& s) {
  if (s.AuthAllowedNow()) return true;
  s.Err("[AUTH] Plaintext authentication disallowed on non-secure connections, use STLS");
  s.EnterState(Pop3State::kAuthorization);
  s.CountError();
  return false;
}

void VerifyAndLogin(Pop3Session& s, const std::string& authzid, const std::string& login,
                    const std::string& password) {
  store::LoginCheck check = store::CheckLogin("pop3", s.store(), s.services.auth_failures,
                                              s.info().peer_address, login, password, authzid);
  if (check.outcome == store::LoginCheck::Outcome::kThrottled) {
    s.log().Warning("auth refused user=" + Printable(login, 80) + " reason=" + check.reason +
                    " rip=" + s.info().peer_address);
    s.Err("[SYS/TEMP] Too many failed logins; try again later");
    s.EnterState(Pop3State::kAuthorization);
    s.CountError();
    return;
  }
  if (check.outcome == store::LoginCheck::Outcome::kTemporary) {
    s.log().Error("auth " + check.reason);
    s.Err("[SYS/TEMP] Temporary authentication failure");
    s.EnterState(Pop3State::kAuthorization);
    return;
  }
  if (check.outcome == store::LoginCheck::Outcome::kRefused) {
    Fail(s, login, check.reason, check.delay);
    return;
  }
  s.ProceedToTransaction(*check.user);
}

}  // namespace mailsuite::pop3d
