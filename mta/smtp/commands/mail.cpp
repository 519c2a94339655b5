// MAIL FROM (RFC 5321 4.1.1.2) with SIZE (RFC 1870), BODY (RFC 6152), SMTPUTF8 (RFC 6531),
// DSN RET/ENVID (RFC 3461) and AUTH= (RFC 4954 5). Submission ports require AUTH first, and
// the sender must be an address the user owns when smtp.require_sender_ownership is set.
#include <algorithm>

#include "../milter_events.h"
#include "../session.h"

namespace mailsuite::mta {
namespace {

bool SenderOwnedBy(SmtpSession& s, const mail::Address& sender) {
  auto targets = s.services.store.ResolveRecipient(sender.ToString());
  if (!targets) return false;
  return std::find(targets->begin(), targets->end(), s.authenticated_user_id) != targets->end();
}

}  // namespace

void HandleMail(SmtpSession& s, const std::string& argument) {
  if (s.is_submission() && s.authenticated_user.empty()) {
    s.Reply(530, "5.7.0", "Authentication required");
    return;
  }
  auto parsed = ParseMailFrom(argument, s.esmtp);
  if (!parsed.value) {
    s.Reply(parsed.error.ToString());
    s.CountError();
    return;
  }
  MailFrom& m = *parsed.value;
  if (!s.esmtp && (m.size || m.body != BodyType::kUnset || !m.ret.empty() || !m.envid.empty())) {
    s.Reply(555, "5.5.4", "Parameters need EHLO");
    return;
  }
  const SmtpConfig& c = s.services.config.smtp;
  if (m.size && *m.size > c.max_message_size) {
    s.Reply(552, "5.3.4", "Message size exceeds fixed maximum message size");  // RFC 1870 6
    return;
  }
  if (!m.null_sender && s.is_submission() && c.require_sender_ownership &&
      !SenderOwnedBy(s, m.sender)) {
    s.Reply(553, "5.7.1", "Sender address rejected: not owned by user " + s.authenticated_user);
    s.log().Info("sender " + Printable(m.sender.ToString()) + " refused for user " +
                 s.authenticated_user);
    return;
  }
  s.ResetTransaction();
  s.transaction.mail = std::move(m);
  if (!FilterMail(s, argument)) {
    s.ResetTransaction();
    return;
  }
  s.EnterState(SmtpState::kMail);
  s.Reply(250, "2.1.0", "Ok");
}

}  // namespace mailsuite::mta
