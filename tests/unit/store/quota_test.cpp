// Quota: the usage the store keeps per user through every change (deliver, append, copy, move,
// flag, expunge, mailbox delete and rename), the users' own limits, STATUS DELETED-STORAGE's
// counter, and the quota decisions of store/quota.h. TearDown's consistency check recounts
// every counter from the rows.
#include <gtest/gtest.h>

#include "store/quota.h"
#include "store_test_util.h"

namespace mailsuite::store::test {
namespace {

using Uids = std::vector<uint32_t>;

class QuotaStoreTest : public StoreTest {
 protected:
  QuotaUsage Usage(UserId user) {
    auto q = store_->GetQuota(user);
    EXPECT_TRUE(q.ok() && q->has_value());
    return q.ok() && q->has_value() ? **q : QuotaUsage{};
  }
  void ExpectUsage(UserId user, uint64_t storage, uint64_t messages) {
    QuotaUsage u = Usage(user);
    EXPECT_EQ(u.storage, storage);
    EXPECT_EQ(u.messages, messages);
  }
};

const std::string kSmall = "Subject: a\r\n\r\nsmall\r\n";                  // 21 octets
const std::string kLarge = "Subject: b\r\n\r\n" + std::string(1000, 'x');  // 1014 octets

TEST_F(QuotaStoreTest, UsageFollowsEveryChange) {
  MailboxId inbox = Box(alice_, "INBOX"), archive = Box(alice_, "Archive");
  ExpectUsage(alice_, 0, 0);
  // Deliver with a per-row prefix: the prefix counts, as it does in RFC822.SIZE.
  ASSERT_TRUE(store_->Deliver({{inbox, "X-P: 1\r\n"}, Box(bob_, "INBOX")}, kSmall, 1).ok());
  ExpectUsage(alice_, 21 + 8, 1);
  ExpectUsage(bob_, 21, 1);
  ASSERT_TRUE(store_->Append(inbox, kLarge, Flags{}, 1).ok());
  ExpectUsage(alice_, 29 + 1014, 2);
  // COPY adds a row (the body is shared on disk, but each copy counts, as in Dovecot).
  ASSERT_TRUE(store_->Copy(inbox, {2}, archive).ok());
  ExpectUsage(alice_, 29 + 2 * 1014, 3);
  // MOVE within the user changes nothing; flags change nothing.
  ASSERT_TRUE(store_->Move(inbox, {1}, archive).ok());
  ExpectUsage(alice_, 29 + 2 * 1014, 3);
  ASSERT_TRUE(store_->UpdateFlags(archive, {1}, FlagOperation::kAdd, {kFlagSeen, {}}).ok());
  ExpectUsage(alice_, 29 + 2 * 1014, 3);
  // COPY to another user's mailbox moves usage to them.
  ASSERT_TRUE(store_->Copy(archive, {1}, Box(bob_, "INBOX")).ok());
  ExpectUsage(bob_, 21 + 1014, 2);
  // EXPUNGE frees at once.
  ASSERT_TRUE(store_->Expunge(inbox, {2}).ok());
  ExpectUsage(alice_, 29 + 1014, 2);
  // Deleting a mailbox takes what it held; renaming INBOX moves rows within the user.
  ASSERT_TRUE(store_->Append(inbox, kSmall, Flags{}, 1).ok());
  ASSERT_TRUE(store_->RenameMailbox(alice_, "INBOX", "Old").ok());
  ExpectUsage(alice_, 29 + 1014 + 21, 3);
  ASSERT_TRUE(store_->DeleteMailbox(alice_, "Archive").ok());
  ExpectUsage(alice_, 21, 1);
  ExpectUsage(bob_, 21 + 1014, 2);
}

TEST_F(QuotaStoreTest, DeletedSizeCountsMessagesFlaggedDeleted) {
  MailboxId inbox = Box(alice_, "INBOX"), trash = Box(alice_, "Trash");
  ASSERT_TRUE(store_->Append(inbox, kSmall, Flags{kFlagDeleted, {}}, 1).ok());
  ASSERT_TRUE(store_->Append(inbox, kLarge, Flags{}, 1).ok());
  auto deleted = [&](MailboxId box) { return store_->GetMailboxById(box).value()->deleted_size; };
  EXPECT_EQ(deleted(inbox), 21u);
  ASSERT_TRUE(store_->UpdateFlags(inbox, {2}, FlagOperation::kAdd, {kFlagDeleted, {}}).ok());
  EXPECT_EQ(deleted(inbox), 21u + 1014);
  ASSERT_TRUE(store_->UpdateFlags(inbox, {1}, FlagOperation::kRemove, {kFlagDeleted, {}}).ok());
  EXPECT_EQ(deleted(inbox), 1014u);
  // A MOVE carries the flag, and its size, along; COPY keeps flags too.
  ASSERT_TRUE(store_->Move(inbox, {2}, trash).ok());
  EXPECT_EQ(deleted(inbox), 0u);
  EXPECT_EQ(deleted(trash), 1014u);
  ASSERT_TRUE(store_->Copy(trash, {1}, inbox).ok());
  EXPECT_EQ(deleted(inbox), 1014u);
  ASSERT_TRUE(store_->Expunge(inbox, {1, 3}, /*only_deleted=*/true).ok());
  EXPECT_EQ(deleted(inbox), 0u);
  EXPECT_EQ(store_->GetMailboxById(inbox).value()->size, 21u);
}

TEST_F(QuotaStoreTest, OwnLimitsAreKeptUntilSetBackToTheDefault) {
  EXPECT_EQ(Usage(alice_).limits, QuotaLimits{});
  ASSERT_TRUE(store_->SetQuotaLimits("Alice@Example.TEST", {uint64_t(1) << 31, 0}).ok());
  QuotaLimits limits = Usage(alice_).limits;
  EXPECT_EQ(limits.storage, uint64_t(1) << 31);
  EXPECT_EQ(limits.messages, 0u);  // its own "no limit", not the default
  EXPECT_EQ(Usage(bob_).limits, QuotaLimits{});
  ASSERT_TRUE(store_->SetQuotaLimits("alice@example.test", {}).ok());
  EXPECT_EQ(Usage(alice_).limits, QuotaLimits{});
  EXPECT_FALSE(store_->SetQuotaLimits("nobody@example.test", {}).ok());
  EXPECT_FALSE(store_->GetQuota(424242).value().has_value());
}

TEST(Quota, OwnLimitsWinOverTheDefaultAndZeroIsNone) {
  QuotaConfig defaults{1000, 10};
  QuotaUsage usage{900, 9, {}};
  Quota q = EffectiveQuota(usage, defaults);
  EXPECT_EQ(q.storage_limit, 1000u);
  EXPECT_TRUE(q.Fits(100, 1));
  EXPECT_FALSE(q.Fits(101, 1));
  EXPECT_FALSE(q.Fits(1, 2));
  usage.limits = {0, std::nullopt};  // no storage limit of their own; the default count
  q = EffectiveQuota(usage, defaults);
  EXPECT_TRUE(q.limited());
  EXPECT_TRUE(q.Fits(uint64_t(1) << 40, 1));
  EXPECT_FALSE(q.Fits(1, 2));
  EXPECT_FALSE(EffectiveQuota(usage, {0, 0}).limited());
  // Over the limit already (lowered by the admin): nothing fits, no wrap-around.
  q = EffectiveQuota({5000, 50, {}}, defaults);
  EXPECT_FALSE(q.Fits(0, 0));
  EXPECT_FALSE(q.Fits(UINT64_MAX, 1));
}

}  // namespace
}  // namespace mailsuite::store::test
