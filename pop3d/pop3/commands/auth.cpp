// AUTH (RFC 5034) with PLAIN (RFC 4616) and LOGIN, with or without an initial response.
// Thunderbird sends "AUTH PLAIN" and the token after the "+ " continuation. A bare "AUTH" lists
// the mechanisms (the pre-CAPA habit some clients still have). "*" cancels the exchange
// (RFC 5034 4). Credentials are never logged.
#include "login.h"
#include "shared/auth/sasl.h"
#include "shared/mail/address.h"

namespace mailsuite::pop3d {
namespace {

// The client's answer to a "+ challenge" line; nullopt when it cancelled (answered here), went
// away, or sent an over-long line.
std::optional<std::string> Challenge(Pop3Session& s, std::string_view challenge) {
  s.Write("+ ");
  s.Write(challenge);
  s.Write("\r\n");
  auto line = s.ReadAuthLine();
  if (line && auth::IsCancel(*line)) {
    s.Err("Authentication cancelled");
    return std::nullopt;
  }
  return line;
}

void Malformed(Pop3Session& s) {
  s.Err("Malformed SASL response");
  s.CountError();
}

void AuthPlain(Pop3Session& s, const std::optional<std::string>& initial) {
  std::string response;
  if (initial) {
    response = *initial == "=" ? "" : *initial;  // RFC 5034 4: "=" is an empty response
  } else {
    auto r = Challenge(s, "");
    if (!r) return;
    response = *r;
  }
  auto creds = auth::DecodePlain(response);
  if (!creds) return Malformed(s);
  VerifyAndLogin(s, creds->authzid, creds->authcid, creds->password);
}

void AuthLogin(Pop3Session& s, const std::optional<std::string>& initial) {
  std::string user_b64;
  if (initial) {
    user_b64 = *initial;
  } else {
    auto r = Challenge(s, auth::kLoginUsernamePrompt);
    if (!r) return;
    user_b64 = *r;
  }
  auto user = auth::DecodeLoginStep(user_b64);
  if (!user) return Malformed(s);
  auto r = Challenge(s, auth::kLoginPasswordPrompt);
  if (!r) return;
  auto password = auth::DecodeLoginStep(*r);
  if (!password) return Malformed(s);
  VerifyAndLogin(s, "", *user, *password);
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
  std::optional<std::string> initial;
  if (sp != std::string::npos) initial = argument.substr(sp + 1);
  std::string mechanism = mail::ToLower(argument.substr(0, sp));  // RFC 5034 4: case-insensitive
  if (mechanism == "plain") return AuthPlain(s, initial);
  if (mechanism == "login") return AuthLogin(s, initial);
  s.Err("Unrecognized authentication mechanism");
  s.CountError();
}

}  // namespace mailsuite::pop3d
