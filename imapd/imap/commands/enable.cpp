// ENABLE (RFC 5161): only in the authenticated state, before a mailbox is selected (3.1; the
// command table answers BAD in the selected state). "* ENABLED" lists what this command newly
// turned on (3.2); names the server does not know are ignored (3.1). Enableable here: CONDSTORE
// and QRESYNC (RFC 7162 3.1, 3.2.3; QRESYNC implies CONDSTORE) and UTF8=ACCEPT (RFC 6855 3:
// UTF-8 mailbox names, APPEND UTF8, no SEARCH CHARSET).
#include "../session.h"

namespace mailsuite::imapd {

void HandleEnable(ImapSession& s, const Command& c) {
  if (c.args.empty()) return s.Bad(c, "Syntax: ENABLE capability …");
  for (const Arg& a : c.args)
    if (a.kind != Arg::Kind::kAtom) return s.Bad(c, "Syntax: ENABLE capability …");
  std::string enabled = "ENABLED";
  for (const Arg& a : c.args) {
    if (a.IsAtom("CONDSTORE") && !s.condstore()) {
      s.EnableCondstore();
      enabled += " CONDSTORE";
    } else if (a.IsAtom("QRESYNC") && !s.qresync()) {
      s.EnableQresync();
      enabled += " QRESYNC";
    } else if (a.IsAtom("IMAP4REV2") && !s.rev2) {
      s.rev2 = true;
      enabled += " IMAP4rev2";
    } else if (a.IsAtom("UTF8=ACCEPT") && !s.utf8_accept) {
      s.utf8_accept = true;
      enabled += " UTF8=ACCEPT";
    }
  }
  s.Untagged(enabled);
  s.Ok(c, "ENABLE completed");
}

}  // namespace mailsuite::imapd
