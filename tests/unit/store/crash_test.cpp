// Crash and reopen: a writer process killed with SIGKILL in the middle of its writes leaves a
// database that opens, passes the consistency check, and holds exactly the committed messages.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "store/testing.h"
#include "store_test_util.h"

namespace mailsuite::store::test {
namespace {

TEST(StoreCrash, KilledWriterLeavesConsistentDatabase) {
  TempDir dir;
  TestStoreLocation place(dir);
  std::string path = place.location();
  MailboxId inbox = 0, trash = 0;
  {
    auto store = MustOpen(path);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->AddDomain("example.test").ok());
    auto user = store->AddUser("alice@example.test", "h").value();
    inbox = store->GetMailbox(user.id, "INBOX").value()->id;
    trash = store->GetMailbox(user.id, "Trash").value()->id;
  }
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto store = OpenStore(path, 30000);
    if (!store.ok()) _exit(1);
    for (uint32_t i = 0;; ++i) {  // deliver, copy, expunge until killed
      auto uids = (*store)->Deliver({inbox}, "message " + std::to_string(i % 50), i);
      if (!uids.ok()) _exit(2);
      if (i % 3 == 0 && !(*store)->Copy(inbox, {(*uids)[0]}, trash).ok()) _exit(3);
      if (i % 4 == 0 && !(*store)->Expunge(inbox, {(*uids)[0]}).ok()) _exit(4);
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "writer exited early with " << WEXITSTATUS(status);

  Status consistent = testing::CheckConsistency(path);
  EXPECT_TRUE(consistent.ok()) << consistent.message();
  auto store = MustOpen(path);
  ASSERT_TRUE(store);
  auto box = store->GetMailboxById(inbox).value();
  ASSERT_TRUE(box.has_value());
  EXPECT_GT(box->uid_next, 1u);
  // Every UID below uid_next is either present or in the expunge log: none lost, none reused.
  auto present = store->ListMessages(inbox).value();
  auto gone = store->ExpungedSince(inbox, 0).value();
  EXPECT_EQ(present.size() + gone.size(), box->uid_next - 1);
  // Writing continues where the killed writer stopped.
  auto next = store->Deliver({inbox}, "after the crash", 1);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ((*next)[0], box->uid_next);
  EXPECT_TRUE(testing::CheckConsistency(path).ok());
}

}  // namespace
}  // namespace mailsuite::store::test
