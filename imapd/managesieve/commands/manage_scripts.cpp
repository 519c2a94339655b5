// SETACTIVE, DELETESCRIPT and RENAMESCRIPT (RFC 5804 2.8, 2.10, 2.11.1): which script runs at
// delivery, and the rules that keep it there (the active script cannot be deleted, a rename
// keeps it active and cannot overwrite another script).
#include "../session.h"
#include "script_common.h"

namespace mailsuite::managesieve {

void HandleSetActive(ManageSieveSession& s, const Arguments& args) {
  if (!ExpectStrings(s, args, 1, "SETACTIVE name")) return;
  const std::string& name = args[0].text;
  // RFC 5804 2.8: the empty name leaves no script active.
  if (!name.empty() && !ExistingScript(s, name)) return;
  Status set = s.store().ActivateSieveScript(s.user->id, name);
  if (!set.ok()) return StoreFailed(s, "activating a Sieve script", set.message());
  s.log().Info("script activated user=" + s.user->address + " name=" + Printable(name, 80));
  s.Ok(name.empty() ? "No script is active" : "Script activated");
}

void HandleDeleteScript(ManageSieveSession& s, const Arguments& args) {
  if (!ExpectStrings(s, args, 1, "DELETESCRIPT name")) return;
  auto script = ExistingScript(s, args[0].text);
  if (!script) return;
  if (script->active) return s.No("The active script cannot be deleted", "ACTIVE");
  Status deleted = s.store().DeleteSieveScript(s.user->id, args[0].text);
  if (!deleted.ok()) return StoreFailed(s, "deleting a Sieve script", deleted.message());
  s.Ok("Script deleted");
}

void HandleRenameScript(ManageSieveSession& s, const Arguments& args) {
  if (!ExpectStrings(s, args, 2, "RENAMESCRIPT old-name new-name")) return;
  const std::string& from = args[0].text;
  const std::string& to = args[1].text;
  if (!CheckScriptName(s, to) || !ExistingScript(s, from)) return;
  auto taken = s.store().GetSieveScript(s.user->id, to);
  if (!taken) return StoreFailed(s, "reading a Sieve script", taken.error());
  if (taken->has_value()) return s.No("A script by the new name exists", "ALREADYEXISTS");
  Status renamed = s.store().RenameSieveScript(s.user->id, from, to);
  if (!renamed.ok()) return StoreFailed(s, "renaming a Sieve script", renamed.message());
  s.Ok("Script renamed");
}

}  // namespace mailsuite::managesieve
