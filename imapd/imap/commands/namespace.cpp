// NAMESPACE (RFC 2342 5): one personal namespace, the root with "/" as delimiter; no other
// users' or shared namespaces.
#include "../session.h"

namespace mailsuite::imapd {

void HandleNamespace(ImapSession& s, const Command& c) {
  if (!c.args.empty()) return s.Bad(c, "Syntax: NAMESPACE");
  s.Untagged("NAMESPACE ((\"\" \"/\")) NIL NIL");
  s.Ok(c, "NAMESPACE completed");
}

}  // namespace mailsuite::imapd
