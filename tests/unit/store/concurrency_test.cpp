// Stress: 3 processes x 8 threads append to one mailbox and deliver to INBOX at once. Every
// write must succeed (no "database is locked"), UIDs must be unique, strictly ascending per
// writer, and gap-free in total.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "store/testing.h"
#include "store_test_util.h"

namespace mailsuite::store::test {
namespace {

constexpr int kProcesses = 3;
constexpr int kThreads = 8;

int MessagesPerThread() {
  const char* env = std::getenv("MAILSUITE_STRESS_N");
  return env ? std::max(1, std::atoi(env)) : 50;
}

// Runs in a forked child: returns the number of failures.
int ChildWork(const std::string& path, MailboxId shared, MailboxId inbox, int child) {
  auto opened = OpenStore(path, 60000);
  if (!opened.ok()) {
    std::fprintf(stderr, "child %d: %s\n", child, opened.error().c_str());
    return 1;
  }
  Store& store = **opened;
  const int n = MessagesPerThread();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      uint32_t last_shared = 0, last_inbox = 0;
      for (int i = 0; i < n; ++i) {
        std::string body = "From: p" + std::to_string(child) + "t" + std::to_string(t) +
                           "\r\n\r\n" + std::to_string(i) + "\r\n";
        auto uid = store.Append(shared, body, Flags{kFlagSeen, {}}, i);
        if (!uid.ok() || *uid <= last_shared) {
          std::fprintf(stderr, "append: %s\n",
                       uid.ok() ? "UID not ascending" : uid.error().c_str());
          ++failures;
        } else {
          last_shared = *uid;
        }
        auto uids = store.Deliver({inbox}, "delivered " + body, i);
        if (!uids.ok() || uids->size() != 1 || (*uids)[0] <= last_inbox) {
          std::fprintf(stderr, "deliver: %s\n",
                       uids.ok() ? "UID not ascending" : uids.error().c_str());
          ++failures;
        } else {
          last_inbox = (*uids)[0];
        }
        if (i % 10 == 0) {
          // Readers run alongside the writers.
          if (!store.ListMessages(inbox).ok() || !store.ChangeStamp().ok()) ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  return failures.load();
}

void ExpectDense(Store& store, MailboxId box, int total) {
  auto messages = store.ListMessages(box);
  ASSERT_TRUE(messages.ok()) << messages.error();
  ASSERT_EQ(static_cast<int>(messages->size()), total);
  for (int i = 0; i < total; ++i) {
    EXPECT_EQ((*messages)[i].uid, static_cast<uint32_t>(i + 1));  // unique, ascending, no gaps
  }
  EXPECT_EQ(store.GetMailboxById(box).value()->uid_next, static_cast<uint32_t>(total + 1));
}

TEST(StoreConcurrency, ProcessesAndThreadsWriteOneMailbox) {
  TempDir dir;
  TestStoreLocation place(dir);
  std::string path = place.location();
  MailboxId shared = 0, inbox = 0;
  {
    auto store = MustOpen(path);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->AddDomain("example.test").ok());
    auto user = store->AddUser("alice@example.test", "h");
    ASSERT_TRUE(user.ok());
    shared = store->GetMailbox(user->id, "Archive").value()->id;
    inbox = store->GetMailbox(user->id, "INBOX").value()->id;
  }  // closed before fork: children must not inherit open connections

  std::vector<pid_t> children;
  for (int c = 0; c < kProcesses; ++c) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int failures = ChildWork(path, shared, inbox, c);
      std::fflush(stderr);
      _exit(failures == 0 ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child failed, status " << status;
  }

  const int total = kProcesses * kThreads * MessagesPerThread();
  auto store = MustOpen(path);
  ASSERT_TRUE(store);
  ExpectDense(*store, shared, total);
  ExpectDense(*store, inbox, total);
  auto stats = store->Stats().value();
  EXPECT_EQ(stats.messages, 2 * total);
  EXPECT_EQ(stats.contents, 2 * total);
  Status consistent = testing::CheckConsistency(path);
  EXPECT_TRUE(consistent.ok()) << consistent.message();
}

}  // namespace
}  // namespace mailsuite::store::test
