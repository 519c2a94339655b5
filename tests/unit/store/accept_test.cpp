// Store::Accept: local rows and the queue entry of one SMTP message commit together or not at all.
#include "store_test_util.h"

namespace mailsuite::store::test {
namespace {

class AcceptTest : public StoreTest {};

NewQueueMessage RemoteMessage() {
  NewQueueMessage q;
  q.sender = "carol@example.org";
  q.recipients = {{"dave@elsewhere.example", "FAILURE", "rfc822;dave@elsewhere.example"}};
  q.envid = "env-1";
  q.ret = "HDRS";
  return q;
}

TEST_F(AcceptTest, DeliversAndQueuesWithOneStoredBody) {
  NewQueueMessage q = RemoteMessage();
  std::vector<DeliveryTarget> targets = {{Box(alice_, "INBOX"), "Delivered-To: alice\r\n"},
                                         {Box(bob_, "INBOX"), "Delivered-To: bob\r\n"}};
  auto r = store_->Accept(targets, &q, "Subject: x\r\n\r\nbody\r\n", 1700000000);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->uids, (std::vector<uint32_t>{1, 1}));
  EXPECT_NE(r->queue_id, 0);
  EXPECT_EQ(store_->Stats()->contents, 1);
  EXPECT_EQ(*store_->ReadContent(Box(bob_, "INBOX"), 1),
            "Delivered-To: bob\r\nSubject: x\r\n\r\nbody\r\n");
  EXPECT_EQ(*store_->ReadQueueContent(r->queue_id), "Subject: x\r\n\r\nbody\r\n");
  auto queued = store_->GetQueueMessage(r->queue_id);
  ASSERT_TRUE(queued.ok() && queued->has_value());
  EXPECT_EQ((*queued)->envid, "env-1");
  EXPECT_EQ((*queued)->recipients.at(0).notify, "FAILURE");
}

TEST_F(AcceptTest, AFailureLeavesNothingBehind) {
  NewQueueMessage q = RemoteMessage();
  std::vector<DeliveryTarget> targets = {{Box(alice_, "INBOX"), ""}, {987654, ""}};
  auto r = store_->Accept(targets, &q, "Subject: y\r\n\r\nbody\r\n", 1700000000);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(store_->ListMessages(Box(alice_, "INBOX"))->empty());
  EXPECT_TRUE(store_->ListQueue()->empty());
  EXPECT_EQ(store_->Stats()->contents, 0);
}

// Sieve redirects: copies of their own content queued in the same transaction, so a failure
// leaves no redirect behind (the client's retry would send it twice) and a redirect alone works.
TEST_F(AcceptTest, ExtraQueuedMessagesCommitWithTheRest) {
  NewQueueMessage redirect = RemoteMessage();
  redirect.content = "Delivered-To: bob\r\nSubject: r\r\n\r\nbody\r\n";
  std::vector<DeliveryTarget> bad = {{Box(alice_, "INBOX"), ""}, {987654, ""}};
  EXPECT_FALSE(store_->Accept(bad, nullptr, "Subject: r\r\n\r\nbody\r\n", 1, "", {redirect}).ok());
  EXPECT_TRUE(store_->ListQueue()->empty());
  EXPECT_EQ(store_->Stats()->contents, 0);

  auto r = store_->Accept({{Box(alice_, "INBOX"), ""}}, nullptr, "Subject: r\r\n\r\nbody\r\n", 1,
                          "", {redirect});
  ASSERT_TRUE(r.ok()) << r.error();
  auto queue = store_->ListQueue().value();
  ASSERT_EQ(queue.size(), 1u);
  EXPECT_EQ(*store_->ReadQueueContent(queue[0].id), redirect.content);
  EXPECT_EQ(store_->ListMessages(Box(alice_, "INBOX"))->size(), 1u);

  // Only the redirect: no body of the original is kept for nobody.
  ASSERT_TRUE(store_->Accept({}, nullptr, "Subject: only\r\n\r\nx\r\n", 1, "", {redirect}).ok());
  EXPECT_EQ(store_->ListQueue()->size(), 2u);
  EXPECT_EQ(store_->Stats()->contents, 2);  // the first message's body and the redirect copy's
}

TEST_F(AcceptTest, NothingToDoIsAnError) {
  EXPECT_FALSE(store_->Accept({}, nullptr, "x", 0).ok());
  NewQueueMessage empty;
  EXPECT_FALSE(store_->Accept({}, &empty, "x", 0).ok());
}

}  // namespace
}  // namespace mailsuite::store::test

namespace mailsuite::store::test {
namespace {

TEST_F(AcceptTest, BackupIsAConsistentCopyThatOpens) {
  SQLITE_ONLY("mailsuite backup copies the database file; PostgreSQL sites use pg_dump");
  ASSERT_TRUE(store_->Deliver({{Box(bob_, "INBOX"), ""}}, "Subject: b\r\n\r\nx\r\n", 1).ok());
  std::string copy = dir_.File("backup.db");
  ASSERT_TRUE(store_->BackupTo(copy).ok());
  EXPECT_FALSE(store_->BackupTo(copy).ok()) << "an existing file is never overwritten";
  auto restored = OpenStore(copy, 1000, false);
  ASSERT_TRUE(restored.ok()) << restored.error();
  auto bob = (*restored)->FindUser("bob@example.test");
  ASSERT_TRUE(bob.ok() && bob->has_value());
  auto box = (*restored)->GetMailbox((*bob)->id, "INBOX");
  EXPECT_EQ((*(*restored)->ListMessages((*box)->id)).size(), 1u);
}

}  // namespace
}  // namespace mailsuite::store::test
