// AUTH (RFC 5034) with PLAIN (RFC 4616) and LOGIN, with or without an initial response.
// Thunderbird sends "AUTH PLAIN" and the token after the "+ " continuation. A bare "AUTH" lists
// the mechanisms (the pre-CAPA habit some clients still have). "*" cancels the exchange
// (RFC 5034 4). Credentials are never logged.
#include "login.h"
#include "shared/auth/sasl.h"

namespace mailsuite::pop3d {

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
  auth::SaslExchange sasl(argument.substr(0, sp), initial);  // RFC 5034 4: case-insensitive
  for (auth::SaslStep step = sasl.Start();;) {
    switch (step.kind) {
      case auth::SaslStep::Kind::kChallenge: {
        s.Write("+ " + step.challenge + "\r\n");
        auto line = s.ReadAuthLine();  // over-long lines are answered there
        if (!line) return;
        step = sasl.Respond(*line);
        continue;
      }
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
}

}  // namespace mailsuite::pop3d
