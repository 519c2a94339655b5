#include "script_common.h"

#include "shared/sieve/script_name.h"

namespace mailsuite::managesieve {

bool CheckScriptName(ManageSieveSession& s, const std::string& name) {
  std::string problem = sieve::ScriptNameProblem(name);
  if (problem.empty()) return true;
  s.No("Bad script name: " + problem);
  return false;
}

void StoreFailed(ManageSieveSession& s, const std::string& what, const std::string& error) {
  s.log().Error(what + " for " + s.user->address + ": " + error);
  s.No("Temporary failure, try again later", "TRYLATER");
}

std::optional<store::SieveScript> ExistingScript(ManageSieveSession& s, const std::string& name) {
  auto script = s.store().GetSieveScript(s.user->id, name);
  if (!script) {
    StoreFailed(s, "reading a Sieve script", script.error());
    return std::nullopt;
  }
  if (!script->has_value()) s.No("There is no script by that name", "NONEXISTENT");
  return std::move(script).value();
}

bool RoomForScript(ManageSieveSession& s, const std::string& name) {
  auto scripts = s.store().ListSieveScripts(s.user->id);
  if (!scripts) {
    StoreFailed(s, "listing Sieve scripts", scripts.error());
    return false;
  }
  for (const store::SieveScript& script : *scripts)
    if (script.name == name) return true;  // a replacement takes no more room
  if (scripts->size() < kMaxScriptsPerUser) return true;
  s.No("At most " + std::to_string(kMaxScriptsPerUser) + " scripts; delete one first",
       "QUOTA/MAXSCRIPTS");
  return false;
}

}  // namespace mailsuite::managesieve
