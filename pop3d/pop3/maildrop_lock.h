// MaildropLocks: the exclusive-access lock on a maildrop (RFC 1939 4: "the POP3 server then
// acquires an exclusive-access lock on the maildrop"). Within one process an in-memory set of
// locked users; across processes (two pop3d on one store) a one-byte POSIX record lock per user
// id in a lock file beside the database. POSIX record locks belong to the process, so the
// in-memory set is what keeps two sessions of one process apart. If the lock file cannot be
// opened, locking still works within the process. Thread-safe; owned by the daemon and
// outliving every session.
#pragma once

#include <mutex>
#include <set>
#include <string>

#include "store/types.h"

namespace mailsuite::pop3d {

class MaildropLocks {
 public:
  // `lock_file` empty: in-process locking only.
  explicit MaildropLocks(const std::string& lock_file = "");
  ~MaildropLocks();
  MaildropLocks(const MaildropLocks&) = delete;
  MaildropLocks& operator=(const MaildropLocks&) = delete;

  // False when another session (of any pop3d on the same lock file) holds the user's maildrop.
  bool TryLock(store::UserId user);
  void Unlock(store::UserId user);
  bool cross_process() const { return fd_ >= 0; }

 private:
  bool SetRecordLock(store::UserId user, bool lock);

  std::mutex mu_;
  std::set<store::UserId> locked_;
  int fd_ = -1;
};

// Holds one user's lock for a session; releases it when destroyed or reset.
class MaildropLockGuard {
 public:
  MaildropLockGuard() = default;
  ~MaildropLockGuard() { Release(); }
  MaildropLockGuard(const MaildropLockGuard&) = delete;
  MaildropLockGuard& operator=(const MaildropLockGuard&) = delete;

  bool Acquire(MaildropLocks& locks, store::UserId user);
  void Release();

 private:
  MaildropLocks* locks_ = nullptr;
  store::UserId user_ = 0;
};

}  // namespace mailsuite::pop3d
