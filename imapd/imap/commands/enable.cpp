// ENABLE (RFC 5161): after authentication. "* ENABLED" lists what this command newly turned on
// (3.2); names the server does not know are ignored (3.1). Enableable here: UTF8=ACCEPT
// (RFC 6855 3: UTF-8 mailbox names, APPEND UTF8, no SEARCH CHARSET).
#include "../session.h"

namespace mailsuite::imapd {

void HandleEnable(ImapSession& s, const Command& c) {
  if (c.args.empty()) return s.Bad(c, "Syntax: ENABLE capability …");
  for (const Arg& a : c.args)
    if (a.kind != Arg::Kind::kAtom) return s.Bad(c, "Syntax: ENABLE capability …");
  std::string enabled;
  for (const Arg& a : c.args) {
    if (a.IsAtom("UTF8=ACCEPT") && !s.utf8_accept) {
      s.utf8_accept = true;
      enabled += " UTF8=ACCEPT";
    }
  }
  s.Untagged("ENABLED" + enabled);
  s.Ok(c, "ENABLE completed");
}

}  // namespace mailsuite::imapd
