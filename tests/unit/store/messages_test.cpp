// Messages: UIDs, shared content with reference counts, flags and MODSEQ, COPY/MOVE, EXPUNGE
// and its log, the change stamp, reopening.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "store_test_util.h"

namespace mailsuite::store::test {
namespace {

using Uids = std::vector<uint32_t>;

int64_t Contents(Store& store) { return store.Stats().value().contents; }

TEST_F(StoreTest, DeliverStoresContentOnce) {
  MailboxId a = Box(alice_, "INBOX"), b = Box(bob_, "INBOX");
  auto uids = store_->Deliver({a, b}, "Subject: hi\r\n\r\nbody\r\n", 1700000000, "meta");
  ASSERT_TRUE(uids.ok()) << uids.error();
  EXPECT_EQ(*uids, (Uids{1, 1}));
  EXPECT_EQ(Contents(*store_), 1);
  EXPECT_EQ(store_->Stats().value().messages, 2);
  auto m = store_->GetMessage(a, 1).value();
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->size, 21);
  EXPECT_EQ(m->internal_date, 1700000000);
  EXPECT_EQ(m->flags, Flags{});
  EXPECT_EQ(store_->ReadContent(b, 1).value(), "Subject: hi\r\n\r\nbody\r\n");
  EXPECT_EQ(store_->ReadMetadata(b, 1).value(), "meta");
  EXPECT_FALSE(store_->ReadContent(b, 2).ok());
  // A second delivery of identical bytes shares the row too.
  ASSERT_TRUE(store_->Deliver({a}, "Subject: hi\r\n\r\nbody\r\n", 1).ok());
  EXPECT_EQ(Contents(*store_), 1);
  // A missing mailbox fails the whole delivery.
  EXPECT_FALSE(store_->Deliver({a, 424242}, "other", 1).ok());
  EXPECT_EQ(store_->ListMessages(a).value().size(), 2u);
  EXPECT_EQ(Contents(*store_), 1);
  EXPECT_FALSE(store_->Deliver({}, "x", 1).ok());
}

TEST_F(StoreTest, DeliverWithPerRecipientHeaderPrefix) {
  MailboxId a = Box(alice_, "INBOX"), b = Box(bob_, "INBOX");
  const std::string body = "Subject: hi\r\n\r\nbody\r\n";
  const std::string pa = "Return-Path: <s@x.test>\r\nDelivered-To: alice@example.test\r\n";
  const std::string pb = "Return-Path: <s@x.test>\r\nDelivered-To: bob@example.test\r\n";
  auto uids = store_->Deliver(std::vector<DeliveryTarget>{{a, pa}, {b, pb}}, body, 7);
  ASSERT_TRUE(uids.ok()) << uids.error();
  EXPECT_EQ(Contents(*store_), 1);  // the body is still stored once
  EXPECT_EQ(store_->ReadContent(a, 1).value(), pa + body);
  EXPECT_EQ(store_->ReadContent(b, 1).value(), pb + body);
  auto info = store_->GetMessage(a, 1).value();
  EXPECT_EQ(info->size, static_cast<int64_t>(pa.size() + body.size()));
  EXPECT_EQ(info->header_prefix_size, pa.size());
  auto copied = store_->Copy(a, {1}, Box(alice_, "Archive"));
  ASSERT_TRUE(copied.ok());
  EXPECT_EQ(store_->ReadContent(Box(alice_, "Archive"), 1).value(), pa + body);
}

TEST_F(StoreTest, UidsAscendNeverReusedAcrossExpungeAndReopen) {
  MailboxId inbox = Box(alice_, "INBOX");
  for (int i = 0; i < 5; ++i) {
    auto uid = store_->Append(inbox, "msg" + std::to_string(i), Flags{}, i);
    ASSERT_TRUE(uid.ok());
    EXPECT_EQ(*uid, static_cast<uint32_t>(i + 1));
  }
  EXPECT_EQ(store_->Expunge(inbox, {4, 5}).value(), (Uids{4, 5}));
  store_.reset();
  store_ = MustOpen(db_path_);
  ASSERT_TRUE(store_);
  auto box = store_->GetMailboxById(inbox).value();
  EXPECT_EQ(box->uid_next, 6u);
  EXPECT_EQ(box->messages, 3u);
  EXPECT_EQ(store_->Append(inbox, "again", Flags{}, 9).value(), 6u);
  Uids listed;
  std::vector<MessageInfo> messages = store_->ListMessages(inbox).value();
  for (const MessageInfo& m : messages) listed.push_back(m.uid);
  EXPECT_EQ(listed, (Uids{1, 2, 3, 6}));
}

TEST_F(StoreTest, ContentFreedWhenLastReferenceGoes) {
  MailboxId inbox = Box(alice_, "INBOX"), trash = Box(alice_, "Trash"), bobs = Box(bob_, "INBOX");
  ASSERT_TRUE(store_->Deliver({inbox, bobs}, "shared body", 1).ok());
  auto copy = store_->Copy(inbox, {1}, trash);
  ASSERT_TRUE(copy.ok());
  EXPECT_EQ(copy->uids, (std::vector<std::pair<uint32_t, uint32_t>>{{1, 1}}));
  EXPECT_EQ(copy->destination_uid_validity, store_->GetMailboxById(trash).value()->uid_validity);
  QueueId q =
      store_->Enqueue({"a@example.test", {{"x@remote.test", "", ""}}, "shared body", "", "", 0})
          .value();
  EXPECT_EQ(Contents(*store_), 1);
  ASSERT_TRUE(store_->Expunge(inbox, {1}).ok());
  EXPECT_EQ(Contents(*store_), 1);
  ASSERT_TRUE(store_->Expunge(trash, {1}).ok());
  EXPECT_EQ(Contents(*store_), 1);
  ASSERT_TRUE(store_->DeleteQueueMessage(q).ok());
  EXPECT_EQ(Contents(*store_), 1);
  ASSERT_TRUE(store_->Expunge(bobs, {1}).ok());
  EXPECT_EQ(Contents(*store_), 0);
}

TEST_F(StoreTest, RemovingUserOrMailboxReleasesContent) {
  MailboxId bobs = Box(bob_, "INBOX");
  ASSERT_TRUE(store_->CreateMailbox(alice_, "Keep").ok());
  MailboxId keep = Box(alice_, "Keep");
  ASSERT_TRUE(store_->Deliver({bobs, keep}, "one", 1).ok());
  ASSERT_TRUE(store_->Deliver({bobs}, "two", 1).ok());
  EXPECT_EQ(Contents(*store_), 2);
  ASSERT_TRUE(store_->RemoveUser("bob@example.test").ok());
  EXPECT_EQ(Contents(*store_), 1);
  ASSERT_TRUE(store_->DeleteMailbox(alice_, "Keep").ok());
  EXPECT_EQ(Contents(*store_), 0);
}

TEST_F(StoreTest, FlagsAndModseq) {
  MailboxId inbox = Box(alice_, "INBOX");
  Flags initial{kFlagDraft, {"$Label1"}};
  ASSERT_TRUE(store_->Append(inbox, "a", initial, 1).ok());
  ASSERT_TRUE(store_->Append(inbox, "b", Flags{}, 1).ok());
  auto before = store_->GetMailboxById(inbox).value();
  EXPECT_EQ(store_->GetMessage(inbox, 1).value()->flags, initial);

  auto add = store_->UpdateFlags(inbox, {1, 2, 99}, FlagOperation::kAdd,
                                 Flags{kFlagSeen, {"$Junk", "$Label1"}});
  ASSERT_TRUE(add.ok()) << add.error();
  ASSERT_EQ(add->updated.size(), 2u);
  uint64_t modseq = add->updated[0].modseq;
  EXPECT_GT(modseq, before->highest_modseq);
  EXPECT_EQ(add->updated[1].modseq, modseq);
  EXPECT_EQ(add->updated[0].flags, (Flags{kFlagDraft | kFlagSeen, {"$Junk", "$Label1"}}));
  EXPECT_EQ(add->updated[1].flags, (Flags{kFlagSeen, {"$Junk", "$Label1"}}));
  EXPECT_EQ(store_->GetMailboxById(inbox).value()->highest_modseq, modseq);

  // No change: MODSEQ stays.
  auto same = store_->UpdateFlags(inbox, {2}, FlagOperation::kAdd, Flags{kFlagSeen, {}});
  EXPECT_EQ(same->updated[0].modseq, modseq);

  auto remove =
      store_->UpdateFlags(inbox, {2}, FlagOperation::kRemove, Flags{kFlagSeen, {"$Junk"}});
  EXPECT_EQ(remove->updated[0].flags, (Flags{0, {"$Label1"}}));
  uint64_t modseq2 = remove->updated[0].modseq;
  EXPECT_GT(modseq2, modseq);

  auto replace = store_->UpdateFlags(inbox, {1}, FlagOperation::kReplace, Flags{kFlagFlagged, {}});
  EXPECT_EQ(replace->updated[0].flags, (Flags{kFlagFlagged, {}}));

  // CONDSTORE: message 1 changed after modseq2, message 2 did not.
  auto cond =
      store_->UpdateFlags(inbox, {1, 2}, FlagOperation::kAdd, Flags{kFlagAnswered, {}}, modseq2);
  ASSERT_TRUE(cond.ok());
  EXPECT_EQ(cond->modified_since, Uids{1});
  ASSERT_EQ(cond->updated.size(), 1u);
  EXPECT_EQ(cond->updated[0].uid, 2u);

  auto changed = store_->ChangedSince(inbox, modseq2).value();
  ASSERT_EQ(changed.size(), 2u);
  EXPECT_FALSE(store_->UpdateFlags(inbox, {1}, FlagOperation::kAdd, Flags{0, {"bad word"}}).ok());
  EXPECT_FALSE(store_->UpdateFlags(123456, {1}, FlagOperation::kAdd, Flags{kFlagSeen, {}}).ok());
}

TEST_F(StoreTest, ExpungeLogAndOnlyDeleted) {
  MailboxId inbox = Box(alice_, "INBOX");
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE(store_->Append(inbox, "m" + std::to_string(i), {}, 1).ok());
  uint64_t start = store_->GetMailboxById(inbox).value()->highest_modseq;
  ASSERT_TRUE(
      store_->UpdateFlags(inbox, {2, 3}, FlagOperation::kAdd, Flags{kFlagDeleted, {}}).ok());
  EXPECT_EQ(store_->Expunge(inbox, {1, 2, 3}, /*only_deleted=*/true).value(), (Uids{2, 3}));
  uint64_t mid = store_->GetMailboxById(inbox).value()->highest_modseq;
  EXPECT_GT(mid, start);
  EXPECT_EQ(store_->ExpungedSince(inbox, start).value(), (Uids{2, 3}));
  EXPECT_EQ(store_->Expunge(inbox, {4}).value(), Uids{4});
  EXPECT_EQ(store_->ExpungedSince(inbox, start).value(), (Uids{2, 3, 4}));
  EXPECT_EQ(store_->ExpungedSince(inbox, mid).value(), Uids{4});
  EXPECT_TRUE(store_->Expunge(inbox, {2, 77}).value().empty());
  EXPECT_EQ(store_->GetMailboxById(inbox).value()->messages, 1u);
}

// IMAP caps HIGHESTMODSEQ below expunges it cannot report yet: the log gives their MODSEQs.
TEST_F(StoreTest, LowestExpungeModseq) {
  MailboxId inbox = Box(alice_, "INBOX"), other = Box(alice_, "Archive");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store_->Append(inbox, "m", {}, 1).ok());
  ASSERT_TRUE(store_->Append(other, "o", {}, 1).ok());
  ASSERT_TRUE(store_->Expunge(inbox, {3}).ok());
  const uint64_t first = store_->GetMailboxById(inbox).value()->highest_modseq;
  ASSERT_TRUE(store_->Expunge(inbox, {1}).ok());
  const uint64_t second = store_->GetMailboxById(inbox).value()->highest_modseq;
  ASSERT_GT(second, first);
  ASSERT_TRUE(store_->Expunge(other, {1}).ok());
  EXPECT_EQ(store_->LowestExpungeModseq(inbox, {1, 3}).value(), first);
  EXPECT_EQ(store_->LowestExpungeModseq(inbox, {1}).value(), second);
  EXPECT_EQ(store_->LowestExpungeModseq(inbox, {2, 9}).value(), 0u);  // live or unknown
  EXPECT_EQ(store_->LowestExpungeModseq(inbox, {}).value(), 0u);
  EXPECT_EQ(store_->LowestExpungeModseq(other, {3}).value(), 0u);  // per mailbox
}

TEST_F(StoreTest, MoveCopiesAndExpunges) {
  MailboxId inbox = Box(alice_, "INBOX"), archive = Box(alice_, "Archive");
  ASSERT_TRUE(store_->Append(inbox, "x", Flags{kFlagSeen, {"k"}}, 5).ok());
  ASSERT_TRUE(store_->Append(inbox, "y", {}, 6).ok());
  ASSERT_TRUE(store_->Append(archive, "z", {}, 7).ok());
  auto moved = store_->Move(inbox, {2, 1, 50}, archive);
  ASSERT_TRUE(moved.ok()) << moved.error();
  EXPECT_EQ(moved->uids, (std::vector<std::pair<uint32_t, uint32_t>>{{1, 2}, {2, 3}}));
  EXPECT_TRUE(store_->ListMessages(inbox).value().empty());
  EXPECT_EQ(store_->ExpungedSince(inbox, 0).value(), (Uids{1, 2}));
  auto m = store_->GetMessage(archive, 2).value();
  EXPECT_EQ(m->flags, (Flags{kFlagSeen, {"k"}}));
  EXPECT_EQ(m->internal_date, 5);
  EXPECT_EQ(Contents(*store_), 3);
  EXPECT_FALSE(store_->Copy(inbox, {1}, 987654).ok());

  // RFC 6851 allows the selected mailbox as the target: the message gets a new UID there and
  // the old one is expunged.
  auto same = store_->Move(archive, {2}, archive);
  ASSERT_TRUE(same.ok()) << same.error();
  EXPECT_EQ(same->uids, (std::vector<std::pair<uint32_t, uint32_t>>{{2, 4}}));
  EXPECT_FALSE(store_->GetMessage(archive, 2).value().has_value());
  EXPECT_EQ(store_->GetMessage(archive, 4).value()->flags, (Flags{kFlagSeen, {"k"}}));
  EXPECT_EQ(store_->ExpungedSince(archive, 0).value(), (Uids{2}));
}

// RFC 7162 3.1 and 3.2: every append, flag change and expunge gets a MODSEQ above every earlier
// one of its mailbox, and HIGHESTMODSEQ never goes down (not even when the message holding it
// is expunged), also across a reopen.
TEST_F(StoreTest, ModseqGrowsStrictlyWithEveryChange) {
  MailboxId inbox = Box(alice_, "INBOX"), trash = Box(alice_, "Trash");
  uint64_t last = store_->GetMailboxById(inbox).value()->highest_modseq;
  EXPECT_GE(last, 1u);
  auto highest = [&](MailboxId box) { return store_->GetMailboxById(box).value()->highest_modseq; };
  auto grew = [&](const char* what) {
    uint64_t now = highest(inbox);
    EXPECT_GT(now, last) << what;
    last = now;
  };
  ASSERT_TRUE(store_->Append(inbox, "a", {}, 1).ok());
  EXPECT_EQ(store_->GetMessage(inbox, 1).value()->modseq, highest(inbox));
  grew("append");
  ASSERT_TRUE(store_->Deliver({inbox, inbox}, "b", 1).ok());  // two rows: two modseqs
  EXPECT_LT(store_->GetMessage(inbox, 2).value()->modseq,
            store_->GetMessage(inbox, 3).value()->modseq);
  grew("deliver");
  ASSERT_TRUE(store_->UpdateFlags(inbox, {3}, FlagOperation::kAdd, Flags{kFlagSeen, {}}).ok());
  EXPECT_EQ(store_->GetMessage(inbox, 3).value()->modseq, highest(inbox));
  grew("flags");
  // Expunging the message that holds HIGHESTMODSEQ: it still grows.
  ASSERT_TRUE(store_->Expunge(inbox, {3}).ok());
  grew("expunge");
  EXPECT_EQ(store_->ExpungedSince(inbox, last - 1).value(), Uids{3});
  ASSERT_TRUE(store_->Copy(inbox, {1}, trash).ok());
  EXPECT_EQ(highest(inbox), last);  // copying out does not change the source
  ASSERT_TRUE(store_->Move(inbox, {2}, trash).ok());
  grew("move out");
  EXPECT_EQ(store_->ExpungedSince(inbox, last - 1).value(), Uids{2});
  // Changes that change nothing, and failed conditional stores, keep it.
  ASSERT_TRUE(store_->UpdateFlags(inbox, {1}, FlagOperation::kRemove, Flags{kFlagSeen, {}}).ok());
  auto failed = store_->UpdateFlags(inbox, {1}, FlagOperation::kAdd, Flags{kFlagSeen, {}}, 1);
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->modified_since, Uids{1});
  EXPECT_TRUE(failed->updated.empty());
  EXPECT_TRUE(store_->Expunge(inbox, {1}, /*only_deleted=*/true).value().empty());
  EXPECT_EQ(highest(inbox), last);
  // A conditional store at exactly the message's MODSEQ passes (RFC 7162 3.1.3: "equal to or
  // less than").
  uint64_t m1 = store_->GetMessage(inbox, 1).value()->modseq;
  auto passed = store_->UpdateFlags(inbox, {1}, FlagOperation::kAdd, Flags{kFlagFlagged, {}}, m1);
  ASSERT_TRUE(passed.ok());
  EXPECT_TRUE(passed->modified_since.empty());
  ASSERT_EQ(passed->updated.size(), 1u);
  EXPECT_GT(passed->updated[0].modseq, m1);
  grew("conditional store");
  store_.reset();
  store_ = MustOpen(db_path_);
  ASSERT_TRUE(store_);
  EXPECT_EQ(highest(inbox), last);
  ASSERT_TRUE(store_->Append(inbox, "c", {}, 1).ok());
  grew("append after reopen");
}

TEST_F(StoreTest, ChangeStampMovesOnEveryWriteAndIsSeenByOtherOpeners) {
  // SQLite's stamp moves only with this store's writes; PostgreSQL's with every write on the
  // server (store.h), and other tests write beside this one: there it can only be seen to grow.
  auto expect_unmoved = [](uint64_t now, uint64_t before) {
    if (TestingPostgres()) {
      EXPECT_GE(now, before);
    } else {
      EXPECT_EQ(now, before);
    }
  };
  auto other = MustOpen(db_path_);
  ASSERT_TRUE(other);
  uint64_t s1 = store_->ChangeStamp().value();
  expect_unmoved(other->ChangeStamp().value(), s1);
  ASSERT_TRUE(store_->Deliver({Box(alice_, "INBOX")}, "x", 1).ok());
  uint64_t s2 = other->ChangeStamp().value();
  // PostgreSQL's horizon moves once transactions older than the write (other tests') are done.
  for (int i = 0; i < 100 && TestingPostgres() && s2 <= s1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    s2 = other->ChangeStamp().value();
  }
  EXPECT_GT(s2, s1);
  expect_unmoved(store_->ChangeStamp().value(), s2);
  // A failed write does not move it.
  EXPECT_FALSE(store_->AddDomain("example.test").ok());
  expect_unmoved(other->ChangeStamp().value(), s2);
}

// RFC 3501 2.3.2: each new message is \Recent in exactly one session, whichever claims first,
// also through another store handle (another process); claiming changes no MODSEQ.
TEST_F(StoreTest, RecentIsClaimedOnceAcrossHandles) {
  auto other = MustOpen(db_path_);
  ASSERT_TRUE(other);
  MailboxId inbox = Box(alice_, "INBOX");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store_->Deliver({inbox}, "x", 1).ok());
  Mailbox box = store_->GetMailboxById(inbox).value().value();
  EXPECT_EQ(box.first_recent_uid, 1u);
  EXPECT_EQ(store_->CountRecent(inbox).value(), 3u);

  RecentClaim first = other->ClaimRecent(inbox, box.uid_next).value();
  EXPECT_EQ(first.first, 1u);
  EXPECT_EQ(first.end, 4u);
  EXPECT_TRUE(store_->ClaimRecent(inbox, box.uid_next).value().empty());
  EXPECT_EQ(store_->CountRecent(inbox).value(), 0u);
  EXPECT_EQ(store_->GetMailboxById(inbox).value()->highest_modseq, box.highest_modseq);

  ASSERT_TRUE(store_->Deliver({inbox}, "y", 1).ok());
  EXPECT_EQ(other->CountRecent(inbox).value(), 1u);
  RecentClaim second = store_->ClaimRecent(inbox, 5).value();
  EXPECT_EQ(second.first, 4u);
  EXPECT_EQ(second.end, 5u);
  EXPECT_TRUE(other->ClaimRecent(inbox, 5).value().empty());
  EXPECT_TRUE(other->ClaimRecent(inbox, 3).value().empty());  // never lowered
  EXPECT_EQ(store_->GetMailboxById(inbox).value()->first_recent_uid, 5u);
}

}  // namespace
}  // namespace mailsuite::store::test
