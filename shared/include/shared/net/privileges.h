// Dropping root: a daemon started as root binds its ports, then becomes the configured
// unprivileged user before it reads from any client or opens the store.
#pragma once

#include <string>

#include "shared/result.h"

namespace mailsuite::net {

// When running as root and `user` is set: switches groups, gid and uid to `user` (and `group`,
// or the user's primary group), and checks that root cannot be regained. Otherwise does
// nothing. Errors name the user or group.
Status DropPrivileges(const std::string& user, const std::string& group);

}  // namespace mailsuite::net
