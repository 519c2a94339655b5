#include "shared/net/privileges.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mailsuite::net {

Status DropPrivileges(const std::string& user, const std::string& group) {
  if (user.empty() || ::geteuid() != 0) return Status::Ok();
  struct passwd* pw = ::getpwnam(user.c_str());
  if (!pw) return Status::Error("server.user: no user named '" + user + "'");
  gid_t gid = pw->pw_gid;
  if (!group.empty()) {
    struct group* gr = ::getgrnam(group.c_str());
    if (!gr) return Status::Error("server.group: no group named '" + group + "'");
    gid = gr->gr_gid;
  }
  uid_t uid = pw->pw_uid;
  if (uid == 0) return Status::Error("server.user '" + user + "' is root");
  // Order matters: supplementary groups and gid while we still may, uid last.
  if (::setgroups(1, &gid) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0)
    return Status::Error("cannot switch to user '" + user + "': " + std::strerror(errno));
  if (::setuid(0) == 0) return Status::Error("root could be regained after the switch");
  return Status::Ok();
}

}  // namespace mailsuite::net
