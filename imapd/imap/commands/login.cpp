// LOGIN (RFC 3501 6.2.3) and AUTHENTICATE (6.2.2) with PLAIN (RFC 4616) and LOGIN, with the
// "+ " continuations or a SASL-IR initial response (RFC 4959); "*" cancels. Both are refused
// before TLS unless the peer is on loopback or auth.allow_cleartext is set (LOGINDISABLED).
// Every failure waits the AuthFailureTracker's growing delay and logs one fail2ban-friendly
// "auth failed user=… rip=…" line. Credentials are never logged.

#include "../format.h"
#include "../session.h"
#include "shared/auth/password.h"
#include "shared/auth/sasl.h"
#include "store/authenticate.h"

namespace mailsuite::imapd {
namespace {

void Fail(ImapSession& s, const Command& c, const std::string& user, const std::string& why,
          std::chrono::milliseconds delay) {
  s.log().Warning("auth failed user=" + Printable(user, 80) + " reason=" + why +
                  " rip=" + s.info().peer_address);
  s.conn().HoldOutput(delay);  // the session waits without a thread (issue #14)
  s.No(c, "[AUTHENTICATIONFAILED] Authentication failed");
  s.CountError();
}

bool CheckAllowed(ImapSession& s, const Command& c) {
  if (s.AuthAllowedNow()) return true;
  s.No(c, "[PRIVACYREQUIRED] Plaintext authentication disallowed, use STARTTLS");
  s.CountError();
  return false;
}

void VerifyAndLogin(ImapSession& s, const Command& c, const std::string& authzid,
                    const std::string& login, const std::string& password) {
  store::LoginCheck check = store::CheckLogin("imap", s.store(), s.services.auth_failures,
                                              s.info().peer_address, login, password, authzid);
  if (check.outcome == store::LoginCheck::Outcome::kThrottled) {
    s.log().Warning("auth refused user=" + Printable(login, 80) + " reason=" + check.reason +
                    " rip=" + s.info().peer_address);
    s.CountError();
    return s.No(c, "[UNAVAILABLE] Too many failed logins; try again later");
  }
  if (check.outcome == store::LoginCheck::Outcome::kTemporary) {
    s.log().Error("auth " + check.reason);
    return s.No(c, "[UNAVAILABLE] Temporary authentication failure");
  }
  if (check.outcome == store::LoginCheck::Outcome::kRefused)
    return Fail(s, c, login, check.reason, check.delay);
  s.ProceedToAuthenticated(c, *check.user);
}

void Malformed(ImapSession& s, const Command& c) { s.Bad(c, "Malformed SASL response"); }

// Acts on the exchange's next step. A challenge leaves the exchange in the session, which
// reads the client's answer like its next command; every other step ends it.
void ContinueSasl(ImapSession& s, const auth::SaslStep& step) {
  if (step.kind == auth::SaslStep::Kind::kChallenge) return s.Write("+ " + step.challenge + "\r\n");
  const Command c = std::move(s.authenticating->command);
  s.authenticating.reset();
  switch (step.kind) {
    case auth::SaslStep::Kind::kChallenge:
      break;
    case auth::SaslStep::Kind::kCancelled:
      return s.Bad(c, "Authentication cancelled");  // RFC 9051 6.2.2: BAD on "*"
    case auth::SaslStep::Kind::kMalformed:
      return Malformed(s, c);
    case auth::SaslStep::Kind::kUnknownMechanism:
      s.No(c, "Unsupported authentication mechanism");
      return s.CountError();
    case auth::SaslStep::Kind::kCredentials:
      return VerifyAndLogin(s, c, step.credentials.authzid, step.credentials.authcid,
                            step.credentials.password);
  }
}

}  // namespace

void HandleLogin(ImapSession& s, const Command& c) {
  if (c.args.size() != 2 || !c.args[0].IsAstring() || !c.args[1].IsAstring())
    return s.Bad(c, "Syntax: LOGIN user password");
  if (!CheckAllowed(s, c)) return;
  if (c.args[0].text.size() > auth::kMaxSaslFieldLength ||
      c.args[1].text.size() > auth::kMaxSaslFieldLength)
    return Fail(s, c, c.args[0].text, "over-long credentials",
                s.services.auth_failures.RecordFailure(s.info().peer_address));
  VerifyAndLogin(s, c, "", c.args[0].text, c.args[1].text);
}

void HandleAuthenticate(ImapSession& s, const Command& c) {
  if (c.args.empty() || c.args.size() > 2 || c.args[0].kind != Arg::Kind::kAtom)
    return s.Bad(c, "Syntax: AUTHENTICATE mechanism [initial-response]");
  if (!CheckAllowed(s, c)) return;
  std::optional<std::string_view> initial;
  if (c.args.size() == 2) {
    if (!c.args[1].IsAstring()) return Malformed(s, c);
    initial = c.args[1].text;  // SASL-IR (RFC 4959)
  }
  s.authenticating.emplace(ImapSession::PendingAuthenticate{c, {c.args[0].text, initial}});
  ContinueSasl(s, s.authenticating->exchange.Start());
}

void HandleSaslResponse(ImapSession& s, const std::string* line) {
  if (!line) {
    const Command c = std::move(s.authenticating->command);
    s.authenticating.reset();
    return s.Bad(c, "Authentication exchange failed");
  }
  ContinueSasl(s, s.authenticating->exchange.Respond(*line));
}

}  // namespace mailsuite::imapd
