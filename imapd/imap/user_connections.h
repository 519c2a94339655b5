// UserConnections: how many logged-in sessions each user holds in this imapd process, bounded
// by imap.max_connections_per_user. A session takes a Slot when its login succeeds and owns it
// until the session object is destroyed, however the session ends (LOGOUT, timeout, dropped
// connection, shutdown, an exception): the count cannot leak. Counts are per process, not
// across several imapd processes on one store. Thread-safe; shared by all sessions through
// ImapServices and outlives them.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>

#include "store/types.h"

namespace mailsuite::imapd {

class UserConnections {
 public:
  // One counted session of one user; releases its count when destroyed. Move-only.
  class Slot {
   public:
    Slot(Slot&& other) noexcept : owner_(other.owner_), user_(other.user_) {
      other.owner_ = nullptr;
    }
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot();

   private:
    friend class UserConnections;
    Slot(UserConnections* owner, store::UserId user) : owner_(owner), user_(user) {}
    UserConnections* owner_;
    store::UserId user_;
  };

  UserConnections() = default;
  UserConnections(const UserConnections&) = delete;
  UserConnections& operator=(const UserConnections&) = delete;

  // A slot for `user`, or nullopt when the user already holds `limit` of them.
  std::optional<Slot> TryAcquire(store::UserId user, int limit);
  // Sessions `user` holds now (for tests and logs).
  int Count(store::UserId user) const;

 private:
  void Release(store::UserId user);

  mutable std::mutex mu_;
  std::map<store::UserId, int> counts_;  // only users with at least one session
};

}  // namespace mailsuite::imapd
