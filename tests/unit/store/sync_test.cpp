// Per-mailbox counters, incremental changes (ChangesSince), the changed-mailbox feed
// (MailboxesChangedSince, Listen) and expunge-log pruning.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>

#include "store_test_util.h"

namespace mailsuite::store::test {
namespace {

using Uids = std::vector<uint32_t>;

Mailbox State(Store& store, MailboxId id) {
  auto m = store.GetMailboxById(id);
  EXPECT_TRUE(m.ok() && m->has_value());
  return m.ok() && m->has_value() ? **m : Mailbox{};
}

Uids UidsOf(const std::vector<MessageInfo>& list) {
  Uids out;
  for (const MessageInfo& m : list) out.push_back(m.uid);
  return out;
}

Flags Seen() {
  Flags f;
  f.system = kFlagSeen;
  return f;
}

TEST_F(StoreTest, CountersFollowEveryChange) {
  MailboxId inbox = Box(alice_, "INBOX"), archive = Box(alice_, "Archive");
  ASSERT_TRUE(store_->Deliver({{inbox, "Return-Path: <a@b>\r\n"}}, "S: 1\r\n\r\nx\r\n", 1).ok());
  ASSERT_TRUE(store_->Deliver({inbox}, "S: 2\r\n\r\nyy\r\n", 1).ok());
  ASSERT_TRUE(store_->Append(inbox, "S: 3\r\n\r\nzzz\r\n", Seen(), 1).ok());
  Mailbox m = State(*store_, inbox);
  EXPECT_EQ(m.messages, 3u);
  EXPECT_EQ(m.unseen, 2u);
  EXPECT_EQ(m.size, 20u + 11 + 12 + 13);
  ASSERT_TRUE(store_->UpdateFlags(inbox, {1}, FlagOperation::kAdd, Seen()).ok());
  EXPECT_EQ(State(*store_, inbox).unseen, 1u);
  ASSERT_TRUE(store_->UpdateFlags(inbox, {1, 3}, FlagOperation::kRemove, Seen()).ok());
  EXPECT_EQ(State(*store_, inbox).unseen, 3u);
  // \Deleted is counted too (STATUS DELETED), through flag changes, COPY and expunge.
  Flags deleted;
  deleted.system = kFlagDeleted;
  ASSERT_TRUE(store_->UpdateFlags(inbox, {1, 2}, FlagOperation::kAdd, deleted).ok());
  EXPECT_EQ(State(*store_, inbox).deleted, 2u);
  ASSERT_TRUE(store_->Copy(inbox, {1, 2}, archive).ok());
  EXPECT_EQ(State(*store_, archive).deleted, 2u);
  ASSERT_TRUE(store_->UpdateFlags(archive, {2}, FlagOperation::kRemove, deleted).ok());
  EXPECT_EQ(State(*store_, archive).deleted, 1u);
  ASSERT_TRUE(store_->UpdateFlags(inbox, {2}, FlagOperation::kRemove, deleted).ok());
  EXPECT_EQ(State(*store_, archive).messages, 2u);
  EXPECT_EQ(State(*store_, archive).size, 31u + 12);
  ASSERT_TRUE(store_->Move(inbox, {3}, archive).ok());
  EXPECT_EQ(State(*store_, inbox).messages, 2u);
  EXPECT_EQ(State(*store_, archive).messages, 3u);
  ASSERT_TRUE(store_->Expunge(inbox, {1}).ok());
  m = State(*store_, inbox);
  EXPECT_EQ(m.messages, 1u);
  EXPECT_EQ(m.unseen, 1u);
  EXPECT_EQ(m.size, 12u);
  EXPECT_EQ(m.deleted, 0u);  // the one \Deleted message was expunged
  // RENAME INBOX moves its messages and their counts (RFC 3501 6.3.5).
  ASSERT_TRUE(store_->RenameMailbox(alice_, "INBOX", "Old").ok());
  EXPECT_EQ(State(*store_, inbox).messages, 0u);
  EXPECT_EQ(State(*store_, inbox).size, 0u);
  Mailbox old = State(*store_, Box(alice_, "Old"));
  EXPECT_EQ(old.messages, 1u);
  EXPECT_EQ(old.unseen, 1u);
  EXPECT_EQ(old.size, 12u);
}

TEST_F(StoreTest, ChangesSinceReportsOnlyWhatChanged) {
  MailboxId inbox = Box(alice_, "INBOX");
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(store_->Deliver({inbox}, "S: " + std::to_string(i) + "\r\n\r\n", 1).ok());
  uint64_t since = State(*store_, inbox).highest_modseq;
  auto none = store_->ChangesSince(inbox, since).value();
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->changed.empty());
  EXPECT_TRUE(none->expunged.empty());
  EXPECT_TRUE(none->complete);
  EXPECT_EQ(none->mailbox.messages, 5u);

  ASSERT_TRUE(store_->UpdateFlags(inbox, {4}, FlagOperation::kAdd, Seen()).ok());
  ASSERT_TRUE(store_->Expunge(inbox, {2}).ok());
  ASSERT_TRUE(store_->Deliver({inbox}, "S: new\r\n\r\n", 1).ok());
  auto c = store_->ChangesSince(inbox, since).value();
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(UidsOf(c->changed), (Uids{4, 6}));
  EXPECT_EQ(c->changed[0].flags.system, kFlagSeen);
  EXPECT_EQ(c->expunged, Uids{2});
  EXPECT_TRUE(c->complete);
  EXPECT_EQ(c->mailbox.messages, 5u);
  EXPECT_EQ(c->mailbox.uid_next, 7u);
  EXPECT_GT(c->mailbox.highest_modseq, since);
  EXPECT_FALSE(store_->ChangesSince(424242, 0).value().has_value());
}

TEST_F(StoreTest, PrunedExpungeLogGivesAFullListing) {
  MailboxId inbox = Box(alice_, "INBOX");
  for (int i = 0; i < 6; ++i)
    ASSERT_TRUE(store_->Deliver({inbox}, "S: " + std::to_string(i) + "\r\n\r\n", 1).ok());
  uint64_t start = State(*store_, inbox).highest_modseq;
  ASSERT_TRUE(store_->Expunge(inbox, {1}).ok());
  uint64_t after_first = State(*store_, inbox).highest_modseq;
  ASSERT_TRUE(store_->Expunge(inbox, {2, 3}).ok());  // one MODSEQ for both
  ASSERT_TRUE(store_->Expunge(inbox, {4}).ok());
  uint64_t last = State(*store_, inbox).highest_modseq;

  ASSERT_TRUE(store_->PruneExpungeLog(inbox, 2).ok());  // keeps the newest two entries
  Mailbox m = State(*store_, inbox);
  EXPECT_EQ(m.expunge_floor, after_first) << "entries sharing a MODSEQ go together";
  EXPECT_EQ(store_->ExpungedSince(inbox, 0).value(), (Uids{2, 3, 4}));
  // A client at or above the floor still gets exact answers.
  auto exact = store_->ChangesSince(inbox, after_first).value();
  ASSERT_TRUE(exact.has_value());
  EXPECT_TRUE(exact->complete);
  EXPECT_EQ(exact->expunged, (Uids{2, 3, 4}));
  // One below it does not: it gets every message and must take the rest as gone.
  auto full = store_->ChangesSince(inbox, start).value();
  ASSERT_TRUE(full.has_value());
  EXPECT_FALSE(full->complete);
  EXPECT_EQ(UidsOf(full->changed), (Uids{5, 6}));
  EXPECT_TRUE(full->expunged.empty());
  EXPECT_TRUE(store_->ChangesSince(inbox, last).value()->changed.empty());
  EXPECT_FALSE(store_->PruneExpungeLog(424242, 1).ok());
}

// A large mailbox's full listing comes from its stored list snapshot plus the changes since
// (the first SELECT after imapd starts): the same list as its rows after flag changes,
// expunges, new mail, a pruned log and RENAME INBOX. CheckConsistency (after every store test)
// also compares every usable snapshot with the rows.
TEST_F(StoreTest, ListSnapshotGivesTheRowsThroughEveryChange) {
  SQLITE_ONLY("list snapshots are the SQLite backend's cache of a large mailbox's rows");
  MailboxId inbox = Box(alice_, "INBOX");
  const int n = 2100;  // above the snapshot threshold (2000)
  ASSERT_TRUE(store_->Deliver(std::vector<DeliveryTarget>(n, inbox), "S: x\r\n\r\n", 7).ok());
  Flags label;
  label.keywords = {"$Label1", "todo"};
  ASSERT_TRUE(store_->UpdateFlags(inbox, {3, 5}, FlagOperation::kAdd, label).ok());
  auto full = [&] {
    auto c = store_->ChangesSince(inbox, 0).value();
    EXPECT_TRUE(c.has_value() && !c->complete);
    return c ? c->changed : std::vector<MessageInfo>{};
  };
  auto rows = [&] { return store_->ListMessages(inbox).value(); };
  auto snapshot = [&] { return testing::ListSnapshotModseq(db_path_, inbox).value(); };

  EXPECT_EQ(snapshot(), -1);
  EXPECT_EQ(full(), rows());  // read from the rows, and a snapshot written
  const int64_t first = snapshot();
  EXPECT_EQ(static_cast<uint64_t>(first), State(*store_, inbox).highest_modseq);

  ASSERT_TRUE(store_->UpdateFlags(inbox, {1, 5}, FlagOperation::kAdd, Seen()).ok());
  ASSERT_TRUE(store_->Expunge(inbox, {2, 4}).ok());
  ASSERT_TRUE(store_->Deliver({inbox, inbox}, "S: y\r\n\r\n", 8).ok());
  EXPECT_EQ(full(), rows());  // snapshot plus a small catch-up: not rewritten
  EXPECT_EQ(snapshot(), first);

  // Catching up on more than an eighth of the list writes a newer snapshot.
  std::vector<uint32_t> many;
  for (uint32_t uid = 10; uid < 400; ++uid) many.push_back(uid);
  ASSERT_TRUE(store_->UpdateFlags(inbox, many, FlagOperation::kAdd, label).ok());
  EXPECT_EQ(full(), rows());
  const int64_t second = snapshot();
  EXPECT_GT(second, first);

  // The expunge log pruned past the snapshot: unusable, so the rows (and a new snapshot).
  ASSERT_TRUE(store_->Expunge(inbox, {6}).ok());
  ASSERT_TRUE(store_->Expunge(inbox, {7}).ok());
  ASSERT_TRUE(store_->PruneExpungeLog(inbox, 1).ok());
  EXPECT_EQ(full(), rows());
  EXPECT_GT(snapshot(), second);

  // RENAME INBOX moves the rows without a MODSEQ: the snapshot goes with them, and the moved
  // messages keep INBOX's \Recent state (this test claimed none: all stay recent).
  const uint32_t recent = store_->CountRecent(inbox).value();
  ASSERT_TRUE(store_->RenameMailbox(alice_, "INBOX", "Old").ok());
  EXPECT_EQ(snapshot(), -1);
  EXPECT_TRUE(full().empty());
  MailboxId old = Box(alice_, "Old");
  EXPECT_EQ(store_->ChangesSince(old, 0).value()->changed, store_->ListMessages(old).value());
  EXPECT_EQ(store_->CountRecent(old).value(), recent);
  ASSERT_TRUE(store_->ClaimRecent(old, State(*store_, old).uid_next).ok());
  EXPECT_EQ(store_->CountRecent(old).value(), 0u);
  ASSERT_TRUE(store_->RenameMailbox(alice_, "INBOX", "Older").ok());  // INBOX is empty now
  ASSERT_TRUE(store_->Deliver({inbox}, "S: z\r\n\r\n", 9).ok());
  ASSERT_TRUE(store_->RenameMailbox(alice_, "INBOX", "Newest").ok());
  EXPECT_EQ(store_->CountRecent(Box(alice_, "Newest")).value(), 1u);

  // A deleted mailbox takes its snapshot along; a new mailbox with its id starts without one.
  EXPECT_EQ(full(), rows());
  ASSERT_TRUE(store_->Deliver(std::vector<DeliveryTarget>(n, old), "S: w\r\n\r\n", 7).ok());
  ASSERT_FALSE(store_->ChangesSince(old, 0).value()->changed.empty());
  ASSERT_NE(testing::ListSnapshotModseq(db_path_, old).value(), -1);
  ASSERT_TRUE(store_->DeleteMailbox(alice_, "Old").ok());
  EXPECT_EQ(testing::ListSnapshotModseq(db_path_, old).value(), -1);
}

TEST_F(StoreTest, MailboxesChangedSinceNamesOnlyChangedMailboxes) {
  // SQLite's stamp counts this store's commits. PostgreSQL's is the server's transaction
  // horizon (store.h): it stays while an older transaction anywhere on the server runs (other
  // tests run beside this one), and what changed since it may then be reported again. There
  // the answer must include every change and name no mailbox that did not change.
  const bool exact = !TestingPostgres();
  auto ids = [](const std::vector<MailboxChange>& changes) {
    std::map<MailboxId, uint64_t> out;
    for (const MailboxChange& c : changes) out[c.mailbox] = c.highest_modseq;
    return out;
  };
  MailboxId a = Box(alice_, "INBOX"), b = Box(bob_, "INBOX");
  auto start = store_->MailboxesChangedSince(0).value();
  uint64_t stamp = start.first;
  auto quiet = store_->MailboxesChangedSince(stamp).value();
  if (exact) {
    EXPECT_EQ(quiet.first, stamp);
  }
  EXPECT_TRUE(quiet.second.empty());

  ASSERT_TRUE(store_->Deliver({a}, "S: 1\r\n\r\n", 1).ok());
  ASSERT_TRUE(store_->AddDomain("other.test").ok());  // a write that changes no mailbox
  auto changed = store_->MailboxesChangedSince(stamp).value();
  if (exact) {
    EXPECT_GT(changed.first, stamp);
  } else {
    EXPECT_GE(changed.first, stamp);
  }
  EXPECT_EQ(ids(changed.second),
            (std::map<MailboxId, uint64_t>{{a, State(*store_, a).highest_modseq}}));
  stamp = changed.first;

  auto junk = store_->CreateMailbox(bob_, "Lists");
  ASSERT_TRUE(junk.ok());
  ASSERT_TRUE(store_->Deliver({junk->id}, "S: 2\r\n\r\n", 1).ok());
  ASSERT_TRUE(store_->DeleteMailbox(bob_, "Lists").ok());
  changed = store_->MailboxesChangedSince(stamp).value();
  auto seen = ids(changed.second);
  ASSERT_TRUE(seen.count(junk->id));
  EXPECT_EQ(seen[junk->id], 0u) << "deleted";
  if (exact) {
    EXPECT_EQ(seen.size(), 1u);
  } else {
    seen.erase(a);  // may come again
    EXPECT_EQ(seen.size(), 1u);
  }
  EXPECT_FALSE(seen.count(b)) << "bob's INBOX did not change";
}

TEST_F(StoreTest, ListenerHearsAnotherProcessCommit) {
  MailboxId a = Box(alice_, "INBOX");
  auto listener = store_->Listen();
  ASSERT_TRUE(listener.ok()) << listener.error();
  EXPECT_TRUE((*listener)->Wait(std::chrono::milliseconds(10)).value().empty());
  pid_t pid = fork();
  if (pid == 0) {
    auto other = OpenStore(db_path_, 5000, false);
    _exit(other.ok() && (*other)->Deliver({a}, "S: x\r\n\r\n", 1).ok() ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  std::vector<MailboxChange> heard;
  for (int i = 0; i < 50 && heard.empty(); ++i)
    heard = (*listener)->Wait(std::chrono::milliseconds(100)).value();
  ASSERT_EQ(heard.size(), 1u);
  EXPECT_EQ(heard[0].mailbox, a);
  (*listener)->Interrupt();
  EXPECT_TRUE((*listener)->Wait(std::chrono::seconds(5)).value().empty()) << "ends at once";
}

}  // namespace
}  // namespace mailsuite::store::test

namespace mailsuite::store::test {
namespace {

// A reader that keeps a mailbox picture only from ChangesSince while another process delivers,
// flags and expunges at random ends up with exactly the store's list, at every step.
TEST_F(StoreTest, IncrementalPictureMatchesTheStoreUnderAnotherProcessWrites) {
  MailboxId inbox = Box(alice_, "INBOX");
  pid_t pid = fork();
  if (pid == 0) {
    auto other = OpenStore(db_path_, 30000, false);
    if (!other.ok()) _exit(2);
    Store& w = **other;
    unsigned seed = 7;
    uint32_t next = 1;
    for (int i = 0; i < 300; ++i) {
      seed = seed * 1103515245u + 12345u;
      int op = static_cast<int>((seed >> 16) % 4);
      uint32_t uid = next > 1 ? 1 + (seed >> 8) % (next - 1) : 1;
      bool ok = true;
      if (op <= 1 || next == 1) {
        ok = w.Deliver({inbox}, "S: " + std::to_string(i) + "\r\n\r\n", 1).ok();
        ++next;
      } else if (op == 2) {
        Flags f;
        f.system = kFlagSeen | kFlagFlagged;
        ok = w.UpdateFlags(inbox, {uid, uid + 1}, FlagOperation::kAdd, f).ok();
      } else {
        ok = w.Expunge(inbox, {uid}).ok();
      }
      if (!ok) _exit(1);
    }
    _exit(0);
  }
  std::map<uint32_t, MessageInfo> picture;
  uint64_t since = 0;
  auto apply = [&] {
    auto c = store_->ChangesSince(inbox, since).value();
    ASSERT_TRUE(c.has_value());
    if (!c->complete) picture.clear();
    for (uint32_t uid : c->expunged) picture.erase(uid);
    for (const MessageInfo& m : c->changed) picture[m.uid] = m;
    since = c->mailbox.highest_modseq;
    EXPECT_EQ(c->mailbox.messages, picture.size()) << "the counter matches the picture";
  };
  int status = 0;
  for (int round = 0; waitpid(pid, &status, WNOHANG) == 0 && round < 100000; ++round) apply();
  apply();
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  auto list = store_->ListMessages(inbox).value();
  ASSERT_EQ(list.size(), picture.size());
  for (const MessageInfo& m : list) {
    ASSERT_TRUE(picture.count(m.uid)) << m.uid;
    EXPECT_EQ(picture[m.uid].flags, m.flags) << m.uid;
    EXPECT_EQ(picture[m.uid].modseq, m.modseq) << m.uid;
  }
}

}  // namespace
}  // namespace mailsuite::store::test
