// What the script commands share: name checks and the answer to a store failure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "../session.h"

namespace mailsuite::managesieve {

// Answers NO and returns false when `name` is not a valid script name (RFC 5804 1.6).
bool CheckScriptName(ManageSieveSession& s, const std::string& name);
// Logs a store error and answers NO (TRYLATER): the command may work when retried.
void StoreFailed(ManageSieveSession& s, const std::string& what, const std::string& error);
// The user's script named `name`; nullopt after answering NO (NONEXISTENT) or a store failure.
std::optional<store::SieveScript> ExistingScript(ManageSieveSession& s, const std::string& name);
// Whether the user may keep one script more than now unless `name` is one of them; answers
// NO (QUOTA/MAXSCRIPTS) or a store failure and returns false otherwise.
bool RoomForScript(ManageSieveSession& s, const std::string& name);

}  // namespace mailsuite::managesieve
