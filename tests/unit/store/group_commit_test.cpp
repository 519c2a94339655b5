// Group commit (Database::Write): writes queued behind a commit share the next transaction and
// its fsync, yet each gets its own result, exactly as if it had run alone. To make a batch
// deterministic, a test holds the database's write lock on a connection of its own until every
// writer has queued, then lets go.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "sqlite_db.h"
#include "sqlite_store.h"
#include "store/testing.h"
#include "store_test_util.h"

namespace mailsuite::store::test {
namespace {

using namespace std::chrono_literals;

// Limits wide enough that the works queued in a test always fit one batch.
constexpr GroupCommitLimits kUnbounded{1000, std::chrono::minutes(1)};

// Holds the database's write lock (another writer, as another process would be) until Release.
class WriteLockHolder {
 public:
  explicit WriteLockHolder(const std::string& path) : conn_(path, SQLITE_OPEN_READWRITE, 1000) {
    conn_.Exec("BEGIN IMMEDIATE");
  }
  ~WriteLockHolder() { Release(); }
  void Release() {
    if (!released_) conn_.Exec("ROLLBACK");
    released_ = true;
  }

 private:
  Connection conn_;
  bool released_ = false;
};

// Waits until `count` Write calls are under way (one running into the lock, the others queued).
void WaitForPendingWrites(Database& db, size_t count) {
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (db.PendingWrites() < count && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_EQ(db.PendingWrites(), count);
}

int64_t ReadStamp(Database& db) {
  int64_t stamp = -1;
  EXPECT_TRUE(db.Read([&](Connection& conn) {
                  stamp = QueryInt(conn, "SELECT change_stamp FROM meta", -1);
                  return Status::Ok();
                }).ok());
  return stamp;
}

std::vector<int64_t> ReadValues(Database& db) {
  std::vector<int64_t> values;
  EXPECT_TRUE(db.Read([&](Connection& conn) {
                  values.clear();
                  Stmt stmt(conn, "SELECT v FROM scratch ORDER BY v");
                  while (stmt.Step()) values.push_back(stmt.Int(0));
                  return Status::Ok();
                }).ok());
  return values;
}

class GroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.File("group.db");
    auto db = Database::Open(path_, 30000, true);
    ASSERT_TRUE(db.ok()) << db.error();
    db_ = std::move(*db);
    db_->set_group_commit_limits(kUnbounded);
    ASSERT_TRUE(db_->Write([](Connection& conn) {
                     conn.Exec("CREATE TABLE scratch (v INTEGER UNIQUE)");
                     Execute(conn, "INSERT INTO scratch (v) VALUES (0)");
                     return Status::Ok();
                   })
                    .ok());
  }

  // Inserts `v`; fails when it sees any value another work inserted and then failed with.
  static Status InsertChecked(Connection& conn, int64_t v) {
    if (QueryInt(conn, "SELECT count(*) FROM scratch WHERE v >= 100", -1) != 0) {
      return Status::Error("saw a failed work's changes");
    }
    Execute(conn, "INSERT INTO scratch (v) VALUES (?)", v);
    return Status::Ok();
  }

  // Runs each work on its own thread while the write lock is held elsewhere, and lets go once
  // all of them are under way. Returns what each Write returned (or the message it threw).
  std::vector<std::string> RunQueued(const std::vector<std::function<Status(Connection&)>>& works) {
    std::vector<std::string> results(works.size());
    WriteLockHolder holder(path_);
    std::vector<std::thread> threads;
    for (size_t i = 0; i < works.size(); ++i) {
      threads.emplace_back([&, i] {
        try {
          Status s = db_->Write(works[i]);
          results[i] = s.ok() ? "ok" : (s.no_space() ? "no space: " : "") + s.message();
        } catch (const std::exception& e) {
          results[i] = std::string("threw ") + e.what();
        }
      });
    }
    WaitForPendingWrites(*db_, works.size());
    holder.Release();
    for (auto& t : threads) t.join();
    return results;
  }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<Database> db_;
};

TEST_F(GroupCommitTest, QueuedWritesShareOneCommitAndFailAlone) {
  SQLITE_ONLY("group commit is how SQLite writers share one fsync");
  int64_t stamp = ReadStamp(*db_);
  auto results = RunQueued({
      [](Connection& conn) { return InsertChecked(conn, 1); },
      [](Connection& conn) {  // its own error
        Execute(conn, "INSERT INTO scratch (v) VALUES (100)");
        return Status::Error("refused");
      },
      [](Connection& conn) { return InsertChecked(conn, 2); },
      [](Connection& conn) {  // an SQL error that is not busy: a constraint
        Execute(conn, "INSERT INTO scratch (v) VALUES (200)");
        Execute(conn, "INSERT INTO scratch (v) VALUES (0)");
        return Status::Ok();
      },
      [](Connection& conn) { return InsertChecked(conn, 3); },
      [](Connection& conn) -> Status {  // an exception, rethrown to its own caller only
        Execute(conn, "INSERT INTO scratch (v) VALUES (300)");
        throw std::runtime_error("work exploded");
      },
      [](Connection& conn) { return InsertChecked(conn, 4); },
  });
  EXPECT_EQ(results[0], "ok");
  EXPECT_EQ(results[1], "refused");
  EXPECT_EQ(results[2], "ok");
  EXPECT_NE(results[3].find("UNIQUE"), std::string::npos) << results[3];
  EXPECT_EQ(results[4], "ok");
  EXPECT_EQ(results[5], "threw work exploded");
  EXPECT_EQ(results[6], "ok");
  EXPECT_EQ(ReadValues(*db_), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(ReadStamp(*db_), stamp + 1) << "seven writes, one commit";
}

TEST_F(GroupCommitTest, ABatchStopsAtItsLimit) {
  SQLITE_ONLY("group commit is how SQLite writers share one fsync");
  db_->set_group_commit_limits({2, std::chrono::minutes(1)});
  int64_t stamp = ReadStamp(*db_);
  std::vector<std::function<Status(Connection&)>> works;
  for (int64_t v = 1; v <= 5; ++v)
    works.push_back([v](Connection& c) { return InsertChecked(c, v); });
  for (const std::string& r : RunQueued(works)) EXPECT_EQ(r, "ok");
  EXPECT_EQ(ReadValues(*db_), (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(ReadStamp(*db_), stamp + 3) << "five writes at most two a commit";
}

TEST_F(GroupCommitTest, OnlyFailuresCommitNothing) {
  SQLITE_ONLY("group commit is how SQLite writers share one fsync");
  int64_t stamp = ReadStamp(*db_);
  auto results = RunQueued({
      [](Connection&) { return Status::Error("no"); },
      [](Connection&) { return Status::Error("neither"); },
  });
  EXPECT_EQ(results, (std::vector<std::string>{"no", "neither"}));
  EXPECT_EQ(ReadStamp(*db_), stamp);
}

// SQLite rolls a whole transaction back on its own after some errors (disk full, I/O); the
// work that met it fails, the others lost their changes too and run again.
TEST_F(GroupCommitTest, ALostTransactionRunsTheOtherWorksAgain) {
  SQLITE_ONLY("group commit is how SQLite writers share one fsync");
  std::atomic<int> runs_of_first{0};
  auto results = RunQueued({
      [&](Connection& conn) {
        ++runs_of_first;
        return InsertChecked(conn, 1);
      },
      [](Connection& conn) -> Status {
        Execute(conn, "INSERT INTO scratch (v) VALUES (100)");
        conn.Exec("ROLLBACK");  // what SQLITE_FULL would have done
        throw SqlError(SQLITE_FULL, "database or disk is full");
      },
      [](Connection& conn) { return InsertChecked(conn, 2); },
  });
  EXPECT_EQ(results[0], "ok");
  EXPECT_EQ(results[1], "no space: database or disk is full");  // the daemons answer "452"
  EXPECT_EQ(results[2], "ok");
  EXPECT_EQ(ReadValues(*db_), (std::vector<int64_t>{0, 1, 2}));
  // Whether the first ran before the failing one depends on queue order; never more than twice.
  EXPECT_GE(runs_of_first.load(), 1);
  EXPECT_LE(runs_of_first.load(), 2);
}

// After a crowd, the pool keeps only the connections used last (issue #14: memory comes back);
// each closed one took its page cache with it, and the database is as usable as before.
TEST_F(GroupCommitTest, ClosingIdleConnectionsKeepsTheLastUsed) {
  SQLITE_ONLY("group commit is how SQLite writers share one fsync");
  std::vector<std::unique_ptr<Connection>> held;
  for (int i = 0; i < 6; ++i) {
    auto conn = db_->BeginRead([](Connection&) { return Status::Ok(); });
    ASSERT_TRUE(conn.ok()) << conn.error();
    held.push_back(std::move(*conn));
  }
  Connection* last = held.back().get();
  for (auto& conn : held) db_->EndRead(std::move(conn));
  EXPECT_EQ(db_->IdleConnections(), 6u);
  db_->CloseIdleConnections(2);
  EXPECT_EQ(db_->IdleConnections(), 2u);
  db_->CloseIdleConnections(2);
  EXPECT_EQ(db_->IdleConnections(), 2u);
  auto again = db_->BeginRead([](Connection&) { return Status::Ok(); });
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(again->get(), last) << "the most recently used connection is kept";
  db_->EndRead(std::move(*again));
  EXPECT_EQ(RunQueued({[](Connection& conn) { return InsertChecked(conn, 7); }})[0], "ok");
  EXPECT_EQ(ReadValues(*db_), (std::vector<int64_t>{0, 7}));
}

// A store built on a Database the test can watch.
struct WatchedStore {
  explicit WatchedStore(const std::string& path) {
    auto opened = Database::Open(path, 30000, true);
    EXPECT_TRUE(opened.ok()) << opened.error();
    db = opened->get();
    store = std::make_unique<SqliteStore>(std::move(*opened), path);
  }
  Database* db = nullptr;
  std::unique_ptr<Store> store;
};

class GroupCommitStoreTest : public StoreTest {};

TEST_F(GroupCommitStoreTest, OneFailingAcceptInABatchFailsAlone) {
  SQLITE_ONLY("group commit is how SQLite writers share one fsync");
  store_.reset();
  WatchedStore watched(db_path_);
  watched.db->set_group_commit_limits(kUnbounded);
  Store& store = *watched.store;
  MailboxId inbox = store.GetMailbox(alice_, "INBOX").value()->id;
  uint64_t stamp = store.ChangeStamp().value();

  constexpr int kWriters = 9, kFailing = 4;
  std::vector<Result<AcceptResult>> results(kWriters, Status::Error("not run"));
  {
    WriteLockHolder holder(db_path_);
    std::vector<std::thread> threads;
    for (int i = 0; i < kWriters; ++i) {
      threads.emplace_back([&, i] {
        NewQueueMessage q;
        q.sender = "carol@example.org";
        q.recipients = {{"dave@elsewhere.example", "", ""}};
        std::vector<DeliveryTarget> targets = {{inbox, ""}};
        if (i == kFailing) targets.emplace_back(987654);  // no such mailbox
        results[i] =
            store.Accept(targets, &q, "Subject: " + std::to_string(i) + "\r\n\r\nx\r\n", i);
      });
    }
    WaitForPendingWrites(*watched.db, kWriters);
    holder.Release();
    for (auto& t : threads) t.join();
  }
  std::set<uint32_t> uids;
  for (int i = 0; i < kWriters; ++i) {
    if (i == kFailing) {
      ASSERT_FALSE(results[i].ok());
      EXPECT_NE(results[i].error().find("does not exist"), std::string::npos) << results[i].error();
      continue;
    }
    ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].error();
    ASSERT_EQ(results[i]->uids.size(), 1u);
    uids.insert(results[i]->uids[0]);
    EXPECT_NE(results[i]->queue_id, 0);
  }
  EXPECT_EQ(uids, (std::set<uint32_t>{1, 2, 3, 4, 5, 6, 7, 8})) << "no UID taken by the failure";
  EXPECT_EQ(store.ListMessages(inbox)->size(), 8u);
  EXPECT_EQ(store.ListQueue()->size(), 8u);
  EXPECT_EQ(store.Stats()->contents, 8) << "the failed message's body is gone";
  EXPECT_EQ(store.ChangeStamp().value(), stamp + 1);
}

// Many sessions accepting at once, as the MTA does: every Accept gets its UIDs, distinct and
// ascending per mailbox, and a separate handle sees the message as soon as Accept returned.
TEST_F(GroupCommitStoreTest, ConcurrentAcceptsGetAscendingDurableUids) {
  constexpr int kThreads = 16, kPerThread = 20;
  MailboxId inboxes[2] = {Box(alice_, "INBOX"), Box(bob_, "INBOX")};
  auto observer = MustOpen(db_path_);
  ASSERT_TRUE(observer);
  uint64_t stamp = store_->ChangeStamp().value();
  std::atomic<int> failures{0};
  std::vector<std::map<MailboxId, std::vector<uint32_t>>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::vector<DeliveryTarget> targets = {{inboxes[(t + i) % 2], ""}};
        if (i % 3 == 0) targets.emplace_back(inboxes[(t + i + 1) % 2], "X-Copy: 1\r\n");
        std::string body = "Subject: t" + std::to_string(t) + "m" + std::to_string(i) + "\r\n\r\n";
        auto r = store_->Accept(targets, nullptr, body, i);
        if (!r.ok() || r->uids.size() != targets.size()) {
          ADD_FAILURE() << (r.ok() ? "wrong number of UIDs" : r.error());
          ++failures;
          continue;
        }
        for (size_t k = 0; k < targets.size(); ++k) {
          got[t][targets[k].mailbox].push_back(r->uids[k]);
          auto seen = observer->GetMessage(targets[k].mailbox, r->uids[k]);
          if (!seen.ok() || !seen->has_value()) {
            ADD_FAILURE() << "UID " << r->uids[k] << " not visible after Accept returned";
            ++failures;
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);

  std::map<MailboxId, std::set<uint32_t>> all;
  size_t rows = 0;
  for (const auto& per_thread : got) {
    for (const auto& [box, uids] : per_thread) {
      EXPECT_TRUE(std::is_sorted(uids.begin(), uids.end()) &&
                  std::adjacent_find(uids.begin(), uids.end()) == uids.end())
          << "a writer's UIDs ascend";
      all[box].insert(uids.begin(), uids.end());
      rows += uids.size();
    }
  }
  size_t distinct = 0;
  for (MailboxId box : inboxes) {
    const std::set<uint32_t>& uids = all[box];
    distinct += uids.size();
    ASSERT_FALSE(uids.empty());
    EXPECT_EQ(*uids.begin(), 1u);
    EXPECT_EQ(*uids.rbegin(), uids.size()) << "dense: no UID lost or used twice";
    EXPECT_EQ(store_->ListMessages(box)->size(), uids.size());
  }
  EXPECT_EQ(distinct, rows);
  // Not asserted (it depends on scheduling), shown for the curious: commits per Accept.
  uint64_t commits = store_->ChangeStamp().value() - stamp;
  std::printf("%d accepts in %llu commits\n", kThreads * kPerThread,
              static_cast<unsigned long long>(commits));
}

// Two processes accept into one mailbox at once, so batches meet the other process's lock and
// retry whole. The child reports each UID only after Accept returned, and is killed midway:
// every UID it reported is in the database.
TEST_F(GroupCommitStoreTest, AcknowledgedAcceptsSurviveAKilledWriterProcess) {
  MailboxId inbox = Box(alice_, "INBOX");
  store_.reset();  // closed before fork: the child must not inherit open connections
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(pipe_fds[0]);
    auto child = OpenStore(db_path_, 30000);
    if (!child.ok()) _exit(1);
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 100000; ++i) {  // until killed
          auto r = (*child)->Accept({inbox}, nullptr, "child " + std::to_string(t * 100000 + i), i);
          if (!r.ok()) _exit(2);
          uint32_t uid = r->uids[0];
          if (write(pipe_fds[1], &uid, sizeof uid) != sizeof uid) _exit(3);
        }
      });
    }
    for (auto& th : threads) th.join();
    _exit(0);
  }
  close(pipe_fds[1]);

  store_ = MustOpen(db_path_);
  ASSERT_TRUE(store_);
  std::atomic<bool> stop{false};
  std::atomic<int> parent_failures{0};
  std::vector<std::thread> parent;
  for (int t = 0; t < 4; ++t) {
    parent.emplace_back([&, t] {
      for (int i = 0; !stop && i < 100000; ++i) {
        if (!store_->Accept({inbox}, nullptr, "parent " + std::to_string(t * 100000 + i), i).ok()) {
          ++parent_failures;
        }
      }
    });
  }
  std::set<uint32_t> acked;
  uint32_t uid;
  // Ends at 300 acknowledgements, which take well under a second unsanitized; TSan on a busy
  // CI machine has needed more than 10 s.
  auto deadline = std::chrono::steady_clock::now() + 90s;
  while (acked.size() < 300 && std::chrono::steady_clock::now() < deadline &&
         read(pipe_fds[0], &uid, sizeof uid) == sizeof uid) {
    acked.insert(uid);
  }
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status)) << "child exited early with " << WEXITSTATUS(status);
  while (read(pipe_fds[0], &uid, sizeof uid) == sizeof uid) acked.insert(uid);
  close(pipe_fds[0]);
  stop = true;
  for (auto& th : parent) th.join();
  EXPECT_EQ(parent_failures.load(), 0);

  EXPECT_GE(acked.size(), 300u);
  for (uint32_t u : acked) {
    auto m = store_->GetMessage(inbox, u);
    ASSERT_TRUE(m.ok() && m->has_value()) << "acknowledged UID " << u << " is missing";
  }
  auto box = store_->GetMailboxById(inbox).value();
  EXPECT_EQ(store_->ListMessages(inbox)->size(), box->uid_next - 1) << "no UID lost or reused";
}

}  // namespace
}  // namespace mailsuite::store::test
