// LISTSCRIPTS and GETSCRIPT (RFC 5804 2.7, 2.9).
#include "../responses.h"
#include "../session.h"
#include "script_common.h"

namespace mailsuite::managesieve {

void HandleListScripts(ManageSieveSession& s, const Arguments& args) {
  if (!ExpectStrings(s, args, 0, "LISTSCRIPTS")) return;
  auto scripts = s.store().ListSieveScripts(s.user->id);
  if (!scripts) return StoreFailed(s, "listing Sieve scripts", scripts.error());
  std::string out;
  for (const store::SieveScript& script : *scripts)
    out += EncodeString(script.name) + (script.active ? " ACTIVE\r\n" : "\r\n");
  s.Write(out);
  s.Ok();
}

void HandleGetScript(ManageSieveSession& s, const Arguments& args) {
  if (!ExpectStrings(s, args, 1, "GETSCRIPT name")) return;
  auto script = ExistingScript(s, args[0].text);
  if (!script) return;
  // Always a literal: a script has line ends, and clients expect one here.
  s.Write("{" + std::to_string(script->content.size()) + "}\r\n" + script->content + "\r\n");
  s.Ok();
}

}  // namespace mailsuite::managesieve
