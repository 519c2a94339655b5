// Mailbox hierarchy, UIDVALIDITY, rename (including INBOX) and subscriptions.
#include <gtest/gtest.h>

#include <algorithm>

#include "store_test_util.h"

namespace mailsuite::store::test {
namespace {

std::vector<std::string> Names(Store& store, UserId user) {
  std::vector<std::string> names;
  std::vector<Mailbox> boxes = store.ListMailboxes(user).value();
  for (const Mailbox& m : boxes) names.push_back(m.name);
  return names;
}

TEST_F(StoreTest, CreateWithParentsAndDelete) {
  auto created = store_->CreateMailbox(alice_, "Work/Projects/X");
  ASSERT_TRUE(created.ok()) << created.error();
  EXPECT_EQ(created->name, "Work/Projects/X");
  EXPECT_TRUE(store_->GetMailbox(alice_, "Work").value().has_value());
  EXPECT_TRUE(store_->GetMailbox(alice_, "Work/Projects").value().has_value());
  EXPECT_FALSE(store_->GetMailbox(bob_, "Work").value().has_value());
  EXPECT_EQ(store_->CreateMailbox(alice_, "Work").error(), "mailbox Work already exists");
  EXPECT_FALSE(store_->CreateMailbox(alice_, "inbox").ok());
  EXPECT_FALSE(store_->CreateMailbox(alice_, "/abs").ok());
  EXPECT_FALSE(store_->CreateMailbox(alice_, "a//b").ok());
  EXPECT_FALSE(store_->CreateMailbox(alice_, "trail/").ok());
  EXPECT_FALSE(store_->CreateMailbox(alice_, "x", "\\Bogus").ok());
  EXPECT_FALSE(store_->CreateMailbox(9999, "x").ok());

  EXPECT_EQ(store_->DeleteMailbox(alice_, "Work").message(), "mailbox Work has child mailboxes");
  EXPECT_FALSE(store_->DeleteMailbox(alice_, "INBOX").ok());
  EXPECT_FALSE(store_->DeleteMailbox(alice_, "Nope").ok());
  EXPECT_TRUE(store_->DeleteMailbox(alice_, "Work/Projects/X").ok());
  EXPECT_TRUE(store_->DeleteMailbox(alice_, "Work/Projects").ok());
  EXPECT_TRUE(store_->DeleteMailbox(alice_, "Work").ok());
}

TEST_F(StoreTest, InboxIsCaseInsensitive) {
  auto m = store_->GetMailbox(alice_, "iNbOx");
  ASSERT_TRUE(m.ok() && m->has_value());
  EXPECT_EQ((*m)->name, "INBOX");
  ASSERT_TRUE(store_->CreateMailbox(alice_, "inbox/sub").ok());
  EXPECT_TRUE(store_->GetMailbox(alice_, "INBOX/sub").value().has_value());
}

TEST_F(StoreTest, UidValidityIsNewForARecreatedName) {
  auto first = store_->CreateMailbox(alice_, "Tmp");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(store_->DeleteMailbox(alice_, "Tmp").ok());
  auto second = store_->CreateMailbox(alice_, "Tmp");
  ASSERT_TRUE(second.ok());
  EXPECT_NE(first->uid_validity, second->uid_validity);
  EXPECT_GT(second->uid_validity, first->uid_validity);
}

TEST_F(StoreTest, RenameMovesChildren) {
  ASSERT_TRUE(store_->CreateMailbox(alice_, "A/B/C").ok());
  ASSERT_TRUE(store_->CreateMailbox(alice_, "AB").ok());
  uint32_t validity = store_->GetMailbox(alice_, "A/B").value()->uid_validity;
  ASSERT_TRUE(store_->RenameMailbox(alice_, "A", "Z/Y").ok());
  auto names = Names(*store_, alice_);
  EXPECT_EQ(names, (std::vector<std::string>{"INBOX", "AB", "Archive", "Drafts", "Junk", "Sent",
                                             "Trash", "Z", "Z/Y", "Z/Y/B", "Z/Y/B/C"}));
  EXPECT_EQ(store_->GetMailbox(alice_, "Z/Y/B").value()->uid_validity, validity);
  EXPECT_FALSE(store_->RenameMailbox(alice_, "Z", "Z/Y/Q").ok());  // into itself
  EXPECT_FALSE(store_->RenameMailbox(alice_, "AB", "Sent").ok());  // exists
  EXPECT_FALSE(store_->RenameMailbox(alice_, "Nope", "X").ok());
  EXPECT_FALSE(store_->RenameMailbox(alice_, "AB", "INBOX").ok());
}

TEST_F(StoreTest, RenameInboxMovesMessages) {
  MailboxId inbox = Box(alice_, "INBOX");
  ASSERT_TRUE(store_->Deliver({inbox}, "m1", 1).ok());
  ASSERT_TRUE(store_->Deliver({inbox}, "m2", 2).ok());
  ASSERT_TRUE(store_->RenameMailbox(alice_, "INBOX", "Old").ok());
  auto inbox_after = store_->GetMailbox(alice_, "INBOX").value();
  ASSERT_TRUE(inbox_after.has_value());
  EXPECT_EQ(inbox_after->messages, 0u);
  EXPECT_EQ(inbox_after->uid_next, 3u);  // UIDs are never reused
  EXPECT_EQ(store_->ExpungedSince(inbox, 0).value(), (std::vector<uint32_t>{1, 2}));
  MailboxId old = Box(alice_, "Old");
  auto msgs = store_->ListMessages(old).value();
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(store_->ReadContent(old, msgs[1].uid).value(), "m2");
  auto uid = store_->Deliver({old}, "m3", 3).value();
  EXPECT_EQ(uid[0], 3u);
}

TEST_F(StoreTest, Subscriptions) {
  ASSERT_TRUE(store_->CreateMailbox(alice_, "Lists").ok());
  EXPECT_FALSE(store_->GetMailbox(alice_, "Lists").value()->subscribed);
  EXPECT_TRUE(store_->SetSubscribed(alice_, "Lists", true).ok());
  EXPECT_TRUE(store_->GetMailbox(alice_, "Lists").value()->subscribed);
  EXPECT_TRUE(store_->SetSubscribed(alice_, "Lists", false).ok());
  EXPECT_FALSE(store_->GetMailbox(alice_, "Lists").value()->subscribed);
  EXPECT_FALSE(store_->SetSubscribed(alice_, "Missing", true).ok());
  // RFC 9051 6.3.8: OK "if the mailbox is not subscribed"; nothing changes.
  EXPECT_TRUE(store_->SetSubscribed(alice_, "Lists", false).ok());
}

TEST_F(StoreTest, SubscriptionOutlivesItsMailboxAndFollowsRename) {
  ASSERT_TRUE(store_->CreateMailbox(alice_, "Old/Child").ok());
  ASSERT_TRUE(store_->SetSubscribed(alice_, "Old", true).ok());
  ASSERT_TRUE(store_->SetSubscribed(alice_, "Old/Child", true).ok());
  ASSERT_TRUE(store_->RenameMailbox(alice_, "Old", "New").ok());
  auto subs = store_->ListSubscriptions(alice_).value();
  EXPECT_EQ(std::count(subs.begin(), subs.end(), "New"), 1);
  EXPECT_EQ(std::count(subs.begin(), subs.end(), "New/Child"), 1);
  EXPECT_EQ(std::count(subs.begin(), subs.end(), "Old"), 0);
  ASSERT_TRUE(store_->DeleteMailbox(alice_, "New/Child").ok());
  subs = store_->ListSubscriptions(alice_).value();
  EXPECT_EQ(std::count(subs.begin(), subs.end(), "New/Child"), 1);  // RFC 3501 6.3.6
  EXPECT_TRUE(store_->SetSubscribed(alice_, "New/Child", false).ok());
  subs = store_->ListSubscriptions(alice_).value();
  EXPECT_EQ(std::count(subs.begin(), subs.end(), "New/Child"), 0);
  // New users start with their default folders subscribed.
  EXPECT_EQ(std::count(subs.begin(), subs.end(), "INBOX"), 1);
  EXPECT_EQ(std::count(subs.begin(), subs.end(), "Sent"), 1);
}

}  // namespace
}  // namespace mailsuite::store::test
