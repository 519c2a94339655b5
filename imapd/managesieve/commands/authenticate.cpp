// AUTHENTICATE (RFC 5804 2.1) with SASL PLAIN (RFC 4616), with or without an initial response.
// Challenges and answers are ManageSieve strings holding base64; the answer "*" cancels. A
// password is refused outright on a cleartext connection from another host (ENCRYPT-NEEDED),
// failures are answered after the per-address delay and logged in the words fail2ban matches.
// Credentials are never logged.
#include "store/authenticate.h"
#include "../responses.h"
#include "../session.h"

namespace mailsuite::managesieve {
namespace {

void Login(ManageSieveSession& s, const auth::PlainCredentials& c) {
  store::LoginCheck check =
      store::CheckLogin("managesieve", s.store(), s.services.auth_failures, s.info().peer_address,
                        c.authcid, c.password, c.authzid);
  switch (check.outcome) {
    case store::LoginCheck::Outcome::kThrottled:
      s.log().Warning("auth refused user=" + Printable(c.authcid, 80) + " reason=" + check.reason +
                      " rip=" + s.info().peer_address);
      s.No("Too many failed logins; try again later", "TRYLATER");
      return s.CountError();
    case store::LoginCheck::Outcome::kTemporary:
      s.log().Error("auth " + check.reason);
      return s.No("Temporary authentication failure", "TRYLATER");
    case store::LoginCheck::Outcome::kRefused:
      s.log().Warning("auth failed user=" + Printable(c.authcid, 80) + " reason=" + check.reason +
                      " rip=" + s.info().peer_address);
      s.conn().HoldOutput(check.delay);  // the session waits without a thread
      s.No("Authentication failed");
      return s.CountError();
    case store::LoginCheck::Outcome::kOk:
      break;
  }
  s.user = *check.user;
  s.log().Info("login user=" + s.user->address);
  s.EnterState(State::kAuthenticated);
  s.Ok("Logged in");
}

// Acts on the exchange's next step: a challenge waits for the client's answer, anything else
// ends the exchange.
void Continue(ManageSieveSession& s, const auth::SaslStep& step) {
  if (step.kind == auth::SaslStep::Kind::kChallenge)
    return s.Write(EncodeString(step.challenge) + "\r\n");
  s.sasl.reset();
  switch (step.kind) {
    case auth::SaslStep::Kind::kChallenge:
      break;
    case auth::SaslStep::Kind::kCancelled:
      return s.No("Authentication cancelled");
    case auth::SaslStep::Kind::kMalformed:
      s.No("Malformed SASL response");
      return s.CountError();
    case auth::SaslStep::Kind::kUnknownMechanism:
      s.No("Unsupported authentication mechanism (use PLAIN)");
      return s.CountError();
    case auth::SaslStep::Kind::kCredentials:
      return Login(s, step.credentials);
  }
}

}  // namespace

void HandleAuthenticate(ManageSieveSession& s, const Arguments& args) {
  if (args.empty() || args.size() > 2 ||
      (args.size() == 2 && args[1].kind != Token::Kind::kString)) {
    s.No("Syntax: AUTHENTICATE \"PLAIN\" [initial-response]");
    return s.CountError();
  }
  if (!s.AuthAllowedNow()) {
    s.No("Use STARTTLS before sending a password", "ENCRYPT-NEEDED");
    return s.CountError();
  }
  std::optional<std::string_view> initial;
  // An empty initial response is "" here; the shared exchange spells it "=" (RFC 4954).
  if (args.size() == 2) initial = args[1].text.empty() ? std::string_view("=") : args[1].text;
  s.sasl.emplace(args[0].text, initial);
  Continue(s, s.sasl->Start());
}

void HandleSaslResponse(ManageSieveSession& s, const Arguments* answer) {
  if (!answer) {
    s.sasl.reset();
    s.No("Expected a string answering the challenge");
    return s.CountError();
  }
  Continue(s, s.sasl->Respond((*answer)[0].text));
}

}  // namespace mailsuite::managesieve
