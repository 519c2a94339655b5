// ENABLE (RFC 5161): after authentication. "* ENABLED" lists what this command turned on;
// unknown capabilities are ignored (3.1). CONDSTORE and QRESYNC (RFC 7162 3.1, 3.2.3; QRESYNC
// implies CONDSTORE) are kept in the session.
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
    }
  }
  s.Untagged(enabled);
  s.Ok(c, "ENABLE completed");
}

}  // namespace mailsuite::imapd
