#include "maildrop_lock.h"

#include <Poco/Logger.h>
#include <fcntl.h>
#include <unistd.h>

#include <functional>

namespace mailsuite::store {
namespace {

class HeldMaildropLock final : public MaildropLock {
 public:
  explicit HeldMaildropLock(std::function<void()> release) : release_(std::move(release)) {}
  ~HeldMaildropLock() override { release_(); }

 private:
  std::function<void()> release_;
};

}  // namespace

MaildropLockTable::~MaildropLockTable() {
  if (fd_ >= 0) ::close(fd_);
}

bool MaildropLockTable::SetRecordLock(UserId user, bool lock) {
  if (!opened_) {
    opened_ = true;
    fd_ = ::open(lock_file_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0)
      Poco::Logger::get("store").warning("cannot open " + lock_file_ +
                                         ": maildrops are locked within this process only");
  }
  if (fd_ < 0) return true;
  struct flock fl {};
  fl.l_type = lock ? F_WRLCK : F_UNLCK;
  fl.l_whence = SEEK_SET;
  fl.l_start = static_cast<off_t>(user);  // one byte per user id; the file stays empty
  fl.l_len = 1;
  return ::fcntl(fd_, F_SETLK, &fl) == 0;
}

std::unique_ptr<MaildropLock> MaildropLockTable::TryLock(UserId user) {
  std::lock_guard<std::mutex> lock(mu_);
  if (locked_.count(user)) return nullptr;
  if (!SetRecordLock(user, true)) return nullptr;
  locked_.insert(user);
  return std::make_unique<HeldMaildropLock>([this, user] { Unlock(user); });
}

void MaildropLockTable::Unlock(UserId user) {
  std::lock_guard<std::mutex> lock(mu_);
  if (locked_.erase(user)) SetRecordLock(user, false);
}

}  // namespace mailsuite::store
