// HELO and EHLO (RFC 5321 4.1.1.1): name the client, reset any transaction, and for EHLO list
// the extensions this session can use now (AUTH only where AuthAllowedNow, STARTTLS only
// before TLS).
#include "../milter_events.h"
#include "../session.h"
#include "shared/logging.h"

namespace mailsuite::mta {
namespace {

// Keeps what we repeat in Received: and logs printable; no CR/LF can get into a header.
std::string CleanHeloName(const std::string& argument) {
  std::string out;
  for (char c : argument.substr(0, 255)) out += (c > 32 && c < 127) ? c : '_';
  return out;
}

bool Greet(SmtpSession& s, const std::string& argument, bool esmtp) {
  std::string name = argument;
  while (!name.empty() && name.back() == ' ') name.pop_back();
  if (name.empty()) {
    s.Reply(501, "5.5.4", esmtp ? "Syntax: EHLO hostname" : "Syntax: HELO hostname");
    s.CountError();
    return false;
  }
  // Clients send all kinds of names (Windows hosts with '_', address literals); RFC 5321
  // 4.1.4 says not to refuse a session over it. Judge only the syntax, and only for the log.
  if (!IsValidHeloArgument(name)) s.log().Debug("non-RFC HELO name " + Printable(name));
  s.helo_name = CleanHeloName(name);
  s.esmtp = esmtp;
  s.ResetTransaction();
  s.EnterState(SmtpState::kGreeted);
  return FilterHelo(s);
}

}  // namespace

void HandleHelo(SmtpSession& s, const std::string& argument) {
  if (!Greet(s, argument, false)) return;
  s.Reply("250 " + s.hostname() + " Hello " + s.helo_name);
}

void HandleEhlo(SmtpSession& s, const std::string& argument) {
  if (!Greet(s, argument, true)) return;
  const SmtpConfig& c = s.services.config.smtp;
  std::vector<std::string> lines = {
      s.hostname() + " Hello " + s.helo_name,
      "PIPELINING",
      "SIZE " + std::to_string(c.max_message_size),
      "8BITMIME",
      "ENHANCEDSTATUSCODES",
  };
  if (s.conn().CanStartTls()) lines.push_back("STARTTLS");
  if (s.AuthAllowedNow() && s.authenticated_user.empty()) lines.push_back("AUTH PLAIN LOGIN");
  lines.push_back("SMTPUTF8");
  lines.push_back("CHUNKING");
  lines.push_back("DSN");
  for (size_t i = 0; i < lines.size(); ++i)
    s.Reply((i + 1 < lines.size() ? "250-" : "250 ") + lines[i]);
}

}  // namespace mailsuite::mta
