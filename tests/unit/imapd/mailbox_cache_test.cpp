// MailboxCache: a second SELECT of a large mailbox is the first list brought forward by the
// store's changes, equal to a fresh read; small mailboxes are not kept.
#include "imap/mailbox_cache.h"

#include <gtest/gtest.h>

#include "../store/store_test_util.h"

namespace mailsuite::imapd {
namespace {

using store::test::StoreTest;

class MailboxCacheTest : public StoreTest {};

void ExpectSame(const std::vector<store::MessageInfo>& a,
                const std::vector<store::MessageInfo>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].uid, b[i].uid);
    EXPECT_EQ(a[i].flags, b[i].flags);
    EXPECT_EQ(a[i].modseq, b[i].modseq);
    EXPECT_EQ(a[i].size, b[i].size);
  }
}

TEST_F(MailboxCacheTest, SecondLoadIsTheFirstBroughtForward) {
  store::MailboxId inbox = Box(alice_, "INBOX");
  for (size_t i = 0; i < MailboxCache::kMinMessages + 5; ++i)
    ASSERT_TRUE(store_->Deliver({inbox}, "S: " + std::to_string(i) + "\r\n\r\n", 1).ok());
  MailboxCache cache;
  auto first = cache.Load(*store_, inbox).value();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->messages.size(), MailboxCache::kMinMessages + 5);
  EXPECT_EQ(cache.cached_messages(), MailboxCache::kMinMessages + 5);

  store::Flags seen;
  seen.system = store::kFlagSeen;
  ASSERT_TRUE(store_->UpdateFlags(inbox, {3, 700}, store::FlagOperation::kAdd, seen).ok());
  ASSERT_TRUE(store_->Expunge(inbox, {1, 2, 1000}).ok());
  ASSERT_TRUE(store_->Deliver({inbox}, "S: new\r\n\r\n", 1).ok());

  auto second = cache.Load(*store_, inbox).value();
  ASSERT_TRUE(second.has_value());
  auto fresh = store_->ListMessages(inbox).value();
  ExpectSame(second->messages, fresh);
  EXPECT_EQ(second->mailbox.highest_modseq, store_->GetMailboxById(inbox).value()->highest_modseq);
  EXPECT_EQ(second->messages.front().uid, 3u);
  EXPECT_EQ(second->messages.front().flags.system, store::kFlagSeen);
  EXPECT_EQ(cache.cached_messages(), fresh.size()) << "the newer list replaced the older";
  EXPECT_FALSE(cache.Load(*store_, 424242).value().has_value());
}

// SQLite reuses the id of a deleted mailbox (the highest one) for the next: the cached list of
// the old mailbox must not be served for the new one (UIDVALIDITY tells them apart), nor its
// stored list snapshot.
TEST_F(MailboxCacheTest, AReusedMailboxIdIsAnotherMailbox) {
  store::MailboxId old = store_->CreateMailbox(alice_, "Old", "").value().id;
  ASSERT_TRUE(store_
                  ->Deliver(std::vector<store::DeliveryTarget>(MailboxCache::kMinMessages + 1, old),
                            "S: x\r\n\r\n", 1)
                  .ok());
  MailboxCache cache;
  ASSERT_EQ(cache.Load(*store_, old).value()->messages.size(), MailboxCache::kMinMessages + 1);
  ASSERT_TRUE(store_->DeleteMailbox(alice_, "Old").ok());
  store::Mailbox reborn = store_->CreateMailbox(alice_, "New", "").value();
  ASSERT_EQ(reborn.id, old) << "the premise: SQLite gave the id out again";
  ASSERT_TRUE(store_->Deliver({reborn.id}, "S: y\r\n\r\n", 1).ok());
  auto now = cache.Load(*store_, reborn.id).value();
  ASSERT_TRUE(now.has_value());
  EXPECT_EQ(now->mailbox.uid_validity, reborn.uid_validity);
  ExpectSame(now->messages, store_->ListMessages(reborn.id).value());
  EXPECT_EQ(now->messages.size(), 1u);
}

TEST_F(MailboxCacheTest, SmallMailboxesAreNotKept) {
  store::MailboxId inbox = Box(alice_, "INBOX");
  ASSERT_TRUE(store_->Deliver({inbox}, "S: 1\r\n\r\n", 1).ok());
  MailboxCache cache;
  auto list = cache.Load(*store_, inbox).value();
  ASSERT_TRUE(list.has_value());
  EXPECT_EQ(list->messages.size(), 1u);
  EXPECT_EQ(cache.cached_messages(), 0u);
}

}  // namespace
}  // namespace mailsuite::imapd
