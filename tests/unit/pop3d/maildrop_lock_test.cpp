// MaildropLocks: exclusive within one process, and across processes through the lock file.
#include "pop3/maildrop_lock.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

namespace mailsuite::pop3d {
namespace {

TEST(MaildropLocks, ExclusiveWithinAProcess) {
  MaildropLocks locks;
  EXPECT_FALSE(locks.cross_process());
  EXPECT_TRUE(locks.TryLock(1));
  EXPECT_FALSE(locks.TryLock(1));
  EXPECT_TRUE(locks.TryLock(2));
  locks.Unlock(1);
  EXPECT_TRUE(locks.TryLock(1));
  {
    MaildropLockGuard guard;
    EXPECT_TRUE(guard.Acquire(locks, 3));
    EXPECT_FALSE(locks.TryLock(3));
  }
  EXPECT_TRUE(locks.TryLock(3)) << "the guard released the lock";
}

// Whether another process can take `user`'s lock on `file` (exit status 0 = it could).
bool OtherProcessCanLock(const std::string& file, store::UserId user) {
  pid_t pid = fork();
  if (pid == 0) {
    MaildropLocks other(file);
    _exit(other.cross_process() && other.TryLock(user) ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST(MaildropLocks, ExclusiveAcrossProcessesThroughTheLockFile) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "ms-pop3lock-XXXXXX").string();
  ASSERT_TRUE(mkdtemp(tmpl.data()));
  std::string file = tmpl + "/m.db.pop3-lock";
  {
    MaildropLocks locks(file);
    ASSERT_TRUE(locks.cross_process());
    ASSERT_TRUE(locks.TryLock(42));
    EXPECT_FALSE(OtherProcessCanLock(file, 42));
    EXPECT_TRUE(OtherProcessCanLock(file, 43));
    locks.Unlock(42);
    EXPECT_TRUE(OtherProcessCanLock(file, 42));
  }
  std::filesystem::remove_all(tmpl);
}

}  // namespace
}  // namespace mailsuite::pop3d
