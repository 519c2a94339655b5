// ID (RFC 2971): the client's NIL or (field value …) list in, ours out. Valid in every state.
// The client's name and version are logged (made printable); nothing else is kept.
#include "../format.h"
#include "../session.h"

namespace mailsuite::imapd {

void HandleId(ImapSession& s, const Command& c) {
  if (c.args.size() != 1 || !(c.args[0].IsNil() || c.args[0].kind == Arg::Kind::kList))
    return s.Bad(c, "Syntax: ID NIL|(field value …)");
  const std::vector<Arg>& items = c.args[0].items;
  // RFC 2971 3.3: at most 30 pairs, fields of up to 30 octets, values of up to 1024.
  if (items.size() % 2 != 0 || items.size() > 60) return s.Bad(c, "Invalid ID parameter list");
  std::string name, version;
  for (size_t i = 0; i < items.size(); i += 2) {
    const Arg& field = items[i];
    const Arg& value = items[i + 1];
    if (field.kind != Arg::Kind::kString || field.text.size() > 30 ||
        !(value.IsNil() || value.kind == Arg::Kind::kString) || value.text.size() > 1024)
      return s.Bad(c, "Invalid ID parameter list");
    if (value.IsNil()) continue;
    if (EqualsNoCase(field.text, "name")) name = value.text;
    if (EqualsNoCase(field.text, "version")) version = value.text;
  }
  if (!name.empty() || !version.empty())
    s.log().Info("client id name=" + Printable(name, 64) + " version=" + Printable(version, 64));
  s.Untagged("ID (\"name\" \"mailsuite\")");
  s.Ok(c, "ID completed");
}

}  // namespace mailsuite::imapd
