// ENABLE (RFC 5161): after authentication. No capability this server offers is enableable
// yet, so every request is answered with an empty "* ENABLED" (3.1: unknown ones are ignored).
#include "../session.h"

namespace mailsuite::imapd {

void HandleEnable(ImapSession& s, const Command& c) {
  if (c.args.empty()) return s.Bad(c, "Syntax: ENABLE capability …");
  for (const Arg& a : c.args)
    if (a.kind != Arg::Kind::kAtom) return s.Bad(c, "Syntax: ENABLE capability …");
  s.Untagged("ENABLED");
  s.Ok(c, "ENABLE completed");
}

}  // namespace mailsuite::imapd
