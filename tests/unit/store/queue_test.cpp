// The outbound queue: enqueue, list/get, per-recipient state, due recipients, delete.
#include <gtest/gtest.h>

#include "store_test_util.h"

namespace mailsuite::store::test {
namespace {

TEST_F(StoreTest, QueueLifecycle) {
  NewQueueMessage msg;
  msg.sender = "alice@example.test";
  msg.recipients = {{"x@remote.test", "SUCCESS,FAILURE", "rfc822;x@remote.test"},
                    {"y@remote.test", "", ""}};
  msg.content = "Subject: out\r\n\r\nhello\r\n";
  msg.envid = "ENV123";
  msg.ret = "HDRS";
  msg.next_attempt = 1000;
  auto id = store_->Enqueue(msg);
  ASSERT_TRUE(id.ok()) << id.error();
  EXPECT_FALSE(store_->Enqueue(NewQueueMessage{}).ok());  // no recipients

  auto got = store_->GetQueueMessage(*id).value();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->sender, "alice@example.test");
  EXPECT_EQ(got->envid, "ENV123");
  EXPECT_EQ(got->ret, "HDRS");
  EXPECT_EQ(got->size, static_cast<int64_t>(msg.content.size()));
  EXPECT_GT(got->created_at, 0);
  ASSERT_EQ(got->recipients.size(), 2u);
  const QueueRecipient& x = got->recipients[0];
  EXPECT_EQ(x.address, "x@remote.test");
  EXPECT_EQ(x.notify, "SUCCESS,FAILURE");
  EXPECT_EQ(x.orcpt, "rfc822;x@remote.test");
  EXPECT_EQ(x.state, RecipientState::kQueued);
  EXPECT_EQ(x.attempts, 0);
  EXPECT_EQ(x.next_attempt, 1000);
  EXPECT_EQ(store_->ReadQueueContent(*id).value(), msg.content);
  EXPECT_FALSE(store_->ReadQueueContent(*id + 100).ok());
  EXPECT_FALSE(store_->GetQueueMessage(*id + 100).value().has_value());

  EXPECT_TRUE(store_->DueRecipients(999).value().empty());
  EXPECT_EQ(store_->DueRecipients(1000).value().size(), 2u);
  EXPECT_EQ(store_->DueRecipients(1000, 1).value().size(), 1u);

  ASSERT_TRUE(
      store_->UpdateRecipient(x.id, {RecipientState::kQueued, 1, 2800, "451 try later"}).ok());
  ASSERT_TRUE(
      store_->UpdateRecipient(got->recipients[1].id, {RecipientState::kDelivered, 1, 1000, ""})
          .ok());
  EXPECT_FALSE(store_->UpdateRecipient(999999, {}).ok());
  EXPECT_TRUE(store_->DueRecipients(2000).value().empty());
  auto due = store_->DueRecipients(3000).value();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].attempts, 1);
  EXPECT_EQ(due[0].last_error, "451 try later");
  EXPECT_EQ(due[0].queue_id, *id);

  ASSERT_TRUE(store_->UpdateRecipient(x.id, {RecipientState::kFailed, 2, 0, "550 no"}).ok());
  EXPECT_TRUE(store_->DueRecipients(1 << 30).value().empty());
  auto listed = store_->ListQueue().value();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].recipients[0].state, RecipientState::kFailed);

  EXPECT_EQ(store_->Stats().value().contents, 1);
  ASSERT_TRUE(store_->DeleteQueueMessage(*id).ok());
  EXPECT_FALSE(store_->DeleteQueueMessage(*id).ok());
  EXPECT_TRUE(store_->ListQueue().value().empty());
  EXPECT_EQ(store_->Stats().value().contents, 0);
}

TEST_F(StoreTest, QueueNumbersAreNeverGivenTwice) {
  // They name messages in the logs: a number must not come back once its message is gone.
  NewQueueMessage msg;
  msg.sender = "alice@example.test";
  msg.recipients = {{"x@remote.test", "", ""}};
  msg.content = "Subject: out\r\n\r\nhello\r\n";
  const QueueId first = store_->Enqueue(msg).value();
  ASSERT_TRUE(store_->DeleteQueueMessage(first).ok());
  const QueueId second = store_->Enqueue(msg).value();
  EXPECT_GT(second, first);
  const QueueId third = store_->Enqueue(msg).value();
  EXPECT_GT(third, second);
}

TEST_F(StoreTest, QueueNextAttemptDefaultsToNow) {
  NewQueueMessage msg;
  msg.recipients = {{"x@remote.test", "", ""}};  // null sender: a bounce
  msg.content = "bounce";
  ASSERT_TRUE(store_->Enqueue(msg).ok());
  auto due = store_->DueRecipients(std::numeric_limits<int32_t>::max()).value();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_GT(due[0].next_attempt, 1600000000);
  EXPECT_EQ(store_->ListQueue().value()[0].sender, "");
}

}  // namespace
}  // namespace mailsuite::store::test
