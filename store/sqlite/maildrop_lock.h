// MaildropLockTable: the SQLite backend's POP3 maildrop locks (Store::LockMaildrop; RFC 1939 4:
// "the POP3 server then acquires an exclusive-access lock on the maildrop"). Within one process
// an in-memory set of locked users; across processes (two pop3d on one database) a one-byte
// POSIX record lock per user id in a lock file beside the database, which the kernel drops when
// its process dies. POSIX record locks belong to the process, so the in-memory set is what keeps
// two sessions of one process apart. The file is opened at the first lock (the MTA and imapd
// never create it); if it cannot be opened, locking still works within the process.
#pragma once

#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "store/store.h"

namespace mailsuite::store {

class MaildropLockTable {
 public:
  explicit MaildropLockTable(std::string lock_file) : lock_file_(std::move(lock_file)) {}
  ~MaildropLockTable();
  MaildropLockTable(const MaildropLockTable&) = delete;
  MaildropLockTable& operator=(const MaildropLockTable&) = delete;

  // The held lock, or nullptr when another session (of any process on the same file) holds it.
  // The table must outlive the lock.
  std::unique_ptr<MaildropLock> TryLock(UserId user);

 private:
  void Unlock(UserId user);
  bool SetRecordLock(UserId user, bool lock);  // under mu_

  const std::string lock_file_;
  std::mutex mu_;
  std::set<UserId> locked_;
  int fd_ = -1;
  bool opened_ = false;
};

}  // namespace mailsuite::store
