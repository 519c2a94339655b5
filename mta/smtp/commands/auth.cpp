// AUTH (RFC 4954) with PLAIN (RFC 4616) and LOGIN. Refused before TLS unless the peer is on
// loopback or auth.allow_cleartext is set. A failure is answered after a per-address delay that
// grows with each failure, and logged with the peer address (one line, fail2ban-friendly).
// Credentials are never logged.

#include "../session.h"
#include "shared/auth/password.h"
#include "shared/auth/sasl.h"
#include "store/authenticate.h"

namespace mailsuite::mta {
namespace {

void Fail(SmtpSession& s, const std::string& user, const std::string& why,
          std::chrono::milliseconds delay) {
  s.log().Warning("auth failed user=" + Printable(user, 80) + " reason=" + why +
                  " rip=" + s.info().peer_address);
  s.conn().HoldOutput(delay);  // the session waits without a thread (issue #14)
  s.Reply(535, "5.7.8", "Authentication credentials invalid");
  s.CountError();
}

void Verify(SmtpSession& s, const std::string& mechanism, const std::string& authzid,
            const std::string& login, const std::string& password) {
  store::LoginCheck check = store::CheckLogin("smtp", s.services.store, s.services.auth_failures,
                                              s.info().peer_address, login, password, authzid);
  if (check.outcome == store::LoginCheck::Outcome::kThrottled) {
    s.log().Warning("auth refused user=" + Printable(login, 80) + " reason=" + check.reason +
                    " rip=" + s.info().peer_address);
    s.Reply(454, "4.7.0", "Too many failed logins; try again later");
    s.CountError();
    return;
  }
  if (check.outcome == store::LoginCheck::Outcome::kTemporary) {
    s.log().Error("auth " + check.reason);
    s.Reply(454, "4.7.0", "Temporary authentication failure");
    return;
  }
  if (check.outcome == store::LoginCheck::Outcome::kRefused) {
    Fail(s, login, check.reason, check.delay);
    return;
  }
  s.authenticated_user = check.user->address;
  s.authenticated_user_id = check.user->id;
  s.auth_mechanism = mechanism;
  s.log().Info("auth ok user=" + s.authenticated_user);
  s.Reply(235, "2.7.0", "Authentication successful");
}

// Acts on the exchange's next step. A challenge leaves the exchange in the session, which
// reads the client's answer like its next command; every other step ends it.
void ContinueSasl(SmtpSession& s, const auth::SaslStep& step) {
  if (step.kind == auth::SaslStep::Kind::kChallenge) {
    s.Reply("334 " + step.challenge);
    return;
  }
  const std::string mechanism = s.sasl->mechanism();
  s.sasl.reset();
  switch (step.kind) {
    case auth::SaslStep::Kind::kChallenge:
      break;
    case auth::SaslStep::Kind::kCancelled:
      s.Reply(501, "5.0.0", "Authentication cancelled");
      return;
    case auth::SaslStep::Kind::kMalformed:
      s.Reply(501, "5.5.2", "Malformed " + mechanism + " response");
      s.CountError();
      return;
    case auth::SaslStep::Kind::kUnknownMechanism:
      s.Reply(504, "5.5.4", "Unrecognized authentication mechanism");
      s.CountError();
      return;
    case auth::SaslStep::Kind::kCredentials:
      return Verify(s, mechanism, step.credentials.authzid, step.credentials.authcid,
                    step.credentials.password);
  }
}

}  // namespace

void HandleAuth(SmtpSession& s, const std::string& argument) {
  if (!s.authenticated_user.empty()) {
    s.Reply(503, "5.5.1", "Already authenticated");
    return;
  }
  if (!s.AuthAllowedNow()) {
    s.Reply(538, "5.7.11", "Encryption required for requested authentication mechanism");
    s.CountError();
    return;
  }
  size_t sp = argument.find(' ');
  std::string mech = SplitCommand(argument.substr(0, sp)).verb;
  std::optional<std::string_view> initial;
  if (sp != std::string::npos) initial = std::string_view(argument).substr(sp + 1);
  s.sasl.emplace(mech, initial);
  ContinueSasl(s, s.sasl->Start());
}

void HandleSaslResponse(SmtpSession& s, const std::string* line) {
  if (!line) {
    s.sasl.reset();
    s.Reply(500, "5.5.6", "Authentication exchange line too long");
    return;
  }
  ContinueSasl(s, s.sasl->Respond(*line));
}

}  // namespace mailsuite::mta
