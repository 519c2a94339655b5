// Store::LockMaildrop: exclusive within one process, across processes on one database, and
// released when the holder is destroyed or its process dies.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store_test_util.h"

namespace mailsuite::store::test {
namespace {

std::unique_ptr<MaildropLock> Lock(Store& store, UserId user) {
  auto r = store.LockMaildrop(user);
  EXPECT_TRUE(r.ok()) << r.error();
  return r.ok() ? std::move(r).value() : nullptr;
}

TEST_F(StoreTest, MaildropLockIsExclusiveWithinAProcess) {
  auto a = Lock(*store_, alice_);
  ASSERT_TRUE(a);
  EXPECT_FALSE(Lock(*store_, alice_));
  auto b = Lock(*store_, bob_);
  EXPECT_TRUE(b) << "one user's lock does not hold another's";
  a.reset();
  EXPECT_TRUE(Lock(*store_, alice_)) << "destroying the lock released it";
}

// Whether another process, with its own store on the same database, can lock `user`'s
// maildrop (exit status 0 = it could).
bool OtherProcessCanLock(const std::string& db, UserId user) {
  pid_t pid = fork();
  if (pid == 0) {
    auto other = OpenStore(db, 5000, false);
    if (!other.ok()) _exit(2);
    auto lock = (*other)->LockMaildrop(user);
    _exit(lock.ok() && *lock ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST_F(StoreTest, MaildropLockIsExclusiveAcrossProcesses) {
  auto held = Lock(*store_, alice_);
  ASSERT_TRUE(held);
  EXPECT_FALSE(OtherProcessCanLock(db_path_, alice_));
  EXPECT_TRUE(OtherProcessCanLock(db_path_, bob_));
  held.reset();
  EXPECT_TRUE(OtherProcessCanLock(db_path_, alice_));
}

}  // namespace
}  // namespace mailsuite::store::test
