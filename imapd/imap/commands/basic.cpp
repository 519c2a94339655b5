// CAPABILITY, NOOP and LOGOUT (RFC 3501 6.1): valid in every state. NOOP is how clients
// without IDLE poll, so it reports other sessions' changes (done by the tagged OK).
#include "../session.h"

namespace mailsuite::imapd {

void HandleCapability(ImapSession& s, const Command& c) {
  if (!c.args.empty()) return s.Bad(c, "Syntax: CAPABILITY");
  s.Untagged("CAPABILITY " + s.Capabilities());
  s.Ok(c, "CAPABILITY completed");
}

void HandleNoop(ImapSession& s, const Command& c) {
  if (!c.args.empty()) return s.Bad(c, "Syntax: NOOP");
  s.Ok(c, "NOOP completed");
}

void HandleLogout(ImapSession& s, const Command& c) {
  if (!c.args.empty()) return s.Bad(c, "Syntax: LOGOUT");
  s.Untagged("BYE mailsuite IMAP server logging out");
  s.selected.reset();
  s.EnterState(ImapState::kLogout);
  s.Ok(c, "LOGOUT completed");
}

}  // namespace mailsuite::imapd
