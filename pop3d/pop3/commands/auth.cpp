// AUTH (RFC 5034) with PLAIN (RFC 4616) and LOGIN, with or without an initial response.
// Thunderbird sends "AUTH PLAIN" and the token after the "+ " continuation. A bare "AUTH" lists
// the mechanisms (the pre-CAPA habit some clients still have). "*" cancels the exchange
// (RFC 5034 4). Credentials are never logged.
#include "login.h"
#include "shared/auth/sasl.h"

namespace mailsuite::pop3d {

namespace {

// Acts on the exchange's next step. A challenge leaves the exchange in the session, which
// reads the client's answer like its next command; every other step ends it.
void ContinueSasl(Pop3Session& s, const auth::SaslStep& step) {
  if (step.kind == auth::SaslStep::Kind::kChallenge) return s.Write("+ " + step.challenge + "\r\n");
  s.sasl.reset();
  switch (step.kind) {
    case auth::SaslStep::Kind::kChallenge:
      break;
    case auth::SaslStep::Kind::kCancelled:
      return s.Err("Authentication cancelled");
    case auth::SaslStep::Kind::kMalformed:
      s.Err("Malformed SASL response");
      return s.CountError();
    case auth::SaslStep::Kind::kUnknownMechanism:
      s.Err("Unrecognized authentication mechanism");
      return s.CountError();
    case auth::SaslStep::Kind::kCredentials:
      return VerifyAndLogin(s, step.credentials.authzid, step.credentials.authcid,
                            step.credentials.password);
  }
}

}  // namespace

void HandleAuth(Pop3Session& s, const std::string& argument) {
  s.pending_user.clear();
  s.EnterState(Pop3State::kAuthorization);
  if (argument.empty()) {
    s.Write("+OK Supported mechanisms follow\r\nPLAIN\r\nLOGIN\r\n.\r\n");
    return;
  }
  if (!CheckPasswordsAllowed(s)) return;
  size_t sp = argument.find(' ');
  std::optional<std::string_view> initial;
  if (sp != std::string::npos) initial = std::string_view(argument).substr(sp + 1);
  s.sasl.emplace(argument.substr(0, sp), initial);  // RFC 5034 4: case-insensitive
  ContinueSasl(s, s.sasl->Start());
}

void HandleSaslResponse(Pop3Session& s, const std::string* line) {
  if (!line) {
    s.sasl.reset();
    s.Err("Authentication exchange line too long");
    return s.CountError();
  }
  ContinueSasl(s, s.sasl->Respond(*line));
}

}  // namespace mailsuite::pop3d
