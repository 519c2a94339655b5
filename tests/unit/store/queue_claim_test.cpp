// Queue claims (Store::ClaimDueRecipients): what a queue runner takes is not due for another
// runner until its lease ends, renewing the lease keeps it, and runners claiming at once (other
// handles, as other nodes are) take disjoint sets that together are the whole due queue.
#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "store_test_util.h"

namespace mailsuite::store::test {
namespace {

std::vector<RecipientId> Ids(const std::vector<QueueRecipient>& recipients) {
  std::vector<RecipientId> ids;
  for (const QueueRecipient& r : recipients) ids.push_back(r.id);
  return ids;
}

class QueueClaimTest : public StoreTest {
 protected:
  // Queues `messages` messages of `per_message` recipients each, due at time 100.
  void Queue(int messages, int per_message) {
    for (int m = 0; m < messages; ++m) {
      NewQueueMessage msg;
      msg.sender = "alice@example.test";
      for (int r = 0; r < per_message; ++r)
        msg.recipients.push_back({"r" + std::to_string(r) + "@remote.test", "", ""});
      msg.content = "Subject: " + std::to_string(m) + "\r\n\r\nx\r\n";
      msg.next_attempt = 100;
      ASSERT_TRUE(store_->Enqueue(msg).ok());
    }
  }
};

TEST_F(QueueClaimTest, AClaimHoldsUntilItsLeaseEndsOrAResultIsRecorded) {
  Queue(1, 3);
  EXPECT_TRUE(store_->ClaimDueRecipients(99, 10, "a", 400).value().empty()) << "not yet due";
  auto claimed = store_->ClaimDueRecipients(100, 10, "a", 400).value();
  ASSERT_EQ(claimed.size(), 3u);
  EXPECT_TRUE(store_->ClaimDueRecipients(399, 10, "b", 700).value().empty()) << "held by the lease";
  EXPECT_TRUE(store_->DueRecipients(399, 10).value().empty());

  // The claimant delivers one and renews the others' lease.
  RecipientUpdate delivered;
  delivered.state = RecipientState::kDelivered;
  delivered.attempts = 1;
  ASSERT_TRUE(store_->UpdateRecipient(claimed[0].id, delivered).ok());
  ASSERT_TRUE(store_->ExtendClaims(Ids(claimed), "b", 10000).ok());  // not b's to renew
  ASSERT_TRUE(store_->ExtendClaims(Ids(claimed), "a", 600).ok());
  EXPECT_TRUE(store_->ClaimDueRecipients(500, 10, "b", 900).value().empty()) << "renewed to 600";
  EXPECT_EQ(store_->GetQueueMessage(claimed[0].queue_id).value()->recipients[0].state,
            RecipientState::kDelivered)
      << "renewing leaves a recorded result alone";

  // The claimant died: after the lease the two left are due again, for whoever claims.
  auto retaken = store_->ClaimDueRecipients(600, 10, "b", 900).value();
  EXPECT_EQ(Ids(retaken), (std::vector<RecipientId>{claimed[1].id, claimed[2].id}));
}

TEST_F(QueueClaimTest, OneRunnerFinishesAMessage) {
  Queue(1, 2);
  QueueId id = store_->ListQueue().value().at(0).id;
  EXPECT_TRUE(store_->ClaimToFinish(id, "a", 100, 400).value());
  EXPECT_FALSE(store_->ClaimToFinish(id, "b", 200, 500).value()) << "a is finishing it";
  EXPECT_TRUE(store_->ClaimToFinish(id, "a", 200, 500).value()) << "a may take it again";
  EXPECT_TRUE(store_->ClaimToFinish(id, "b", 500, 800).value()) << "a's lease ran out";
}

// A remote server's reply is recorded whatever its bytes (PostgreSQL's text columns take only
// UTF-8: unrecorded, the claim would run out and the recipient be delivered again).
TEST_F(QueueClaimTest, AReplyThatIsNotUtf8IsRecorded) {
  Queue(1, 1);
  auto claimed = store_->ClaimDueRecipients(100, 10, "a", 400).value();
  ASSERT_EQ(claimed.size(), 1u);
  RecipientUpdate done;
  done.state = RecipientState::kDelivered;
  done.attempts = 1;
  done.last_error = std::string("250 2.0.0 stock\xe9 \xff\xfe ok\0tail", 27);
  ASSERT_TRUE(store_->UpdateRecipient(claimed[0].id, done).ok());
  QueueRecipient r = store_->GetQueueMessage(claimed[0].queue_id).value()->recipients.at(0);
  EXPECT_EQ(r.state, RecipientState::kDelivered);
  EXPECT_EQ(r.last_error.rfind("250 2.0.0 stock", 0), 0u) << r.last_error;
  EXPECT_TRUE(store_->ClaimDueRecipients(1000, 10, "b", 2000).value().empty());
}

TEST_F(QueueClaimTest, ARestartedRunnerTakesBackOnlyItsOwnClaims) {
  Queue(2, 1);
  auto mine = store_->ClaimDueRecipients(100, 1, "node-a", 10000).value();
  auto theirs = store_->ClaimDueRecipients(100, 1, "node-b", 10000).value();
  ASSERT_EQ(mine.size(), 1u);
  ASSERT_EQ(theirs.size(), 1u);
  ASSERT_TRUE(store_->ReleaseClaims("node-a").ok());  // node-a started again
  EXPECT_EQ(Ids(store_->DueRecipients(100, 10).value()), Ids(mine));
  EXPECT_EQ(Ids(store_->ClaimDueRecipients(100, 10, "node-a", 10000).value()), Ids(mine));
}

TEST_F(QueueClaimTest, RunnersClaimingAtOnceTakeDisjointSets) {
  Queue(60, 5);  // 300 recipients
  constexpr int kRunners = 4;
  std::vector<std::vector<RecipientId>> taken(kRunners);
  std::vector<std::thread> runners;
  for (int i = 0; i < kRunners; ++i) {
    runners.emplace_back([&, i] {
      auto own = MustOpen(db_path_);  // a handle of its own, as another node has
      if (!own) return;
      for (;;) {
        auto batch = own->ClaimDueRecipients(1000, 7, "runner" + std::to_string(i), 5000);
        if (!batch.ok()) {
          ADD_FAILURE() << batch.error();
          return;
        }
        if (batch->empty()) return;
        for (RecipientId id : Ids(*batch)) taken[i].push_back(id);
      }
    });
  }
  for (auto& t : runners) t.join();
  std::multiset<RecipientId> all;
  for (const auto& ids : taken) all.insert(ids.begin(), ids.end());
  EXPECT_EQ(all.size(), 300u);
  EXPECT_EQ(std::set<RecipientId>(all.begin(), all.end()).size(), all.size())
      << "a recipient was claimed twice";
  EXPECT_TRUE(store_->DueRecipients(4999, 1000).value().empty());
  EXPECT_EQ(store_->DueRecipients(5000, 1000).value().size(), 300u) << "the leases ran out";
}

}  // namespace
}  // namespace mailsuite::store::test
