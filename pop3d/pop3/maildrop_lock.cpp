#include "maildrop_lock.h"

#include <fcntl.h>
#include <unistd.h>

namespace mailsuite::pop3d {

MaildropLocks::MaildropLocks(const std::string& lock_file) {
  if (!lock_file.empty()) fd_ = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
}

MaildropLocks::~MaildropLocks() {
  if (fd_ >= 0) ::close(fd_);
}

bool MaildropLocks::SetRecordLock(store::UserId user, bool lock) {
  if (fd_ < 0) return true;
  struct flock fl {};
  fl.l_type = lock ? F_WRLCK : F_UNLCK;
  fl.l_whence = SEEK_SET;
  fl.l_start = static_cast<off_t>(user);  // one byte per user id; the file stays empty
  fl.l_len = 1;
  return ::fcntl(fd_, F_SETLK, &fl) == 0;
}

bool MaildropLocks::TryLock(store::UserId user) {
  std::lock_guard<std::mutex> lock(mu_);
  if (locked_.count(user)) return false;
  if (!SetRecordLock(user, true)) return false;
  locked_.insert(user);
  return true;
}

void MaildropLocks::Unlock(store::UserId user) {
  std::lock_guard<std::mutex> lock(mu_);
  if (locked_.erase(user)) SetRecordLock(user, false);
}

bool MaildropLockGuard::Acquire(MaildropLocks& locks, store::UserId user) {
  Release();
  if (!locks.TryLock(user)) return false;
  locks_ = &locks;
  user_ = user;
  return true;
}

void MaildropLockGuard::Release() {
  if (locks_) locks_->Unlock(user_);
  locks_ = nullptr;
}

}  // namespace mailsuite::pop3d
