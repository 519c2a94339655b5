// Domains, users and aliases: CRUD, normalisation and the errors an admin sees.
#include <gtest/gtest.h>

#include "store_test_util.h"

namespace mailsuite::store::test {
namespace {

TEST_F(StoreTest, Domains) {
  EXPECT_TRUE(store_->AddDomain("Other.TEST").ok());
  Status dup = store_->AddDomain("other.test");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.message(), "domain other.test already exists");
  EXPECT_FALSE(store_->AddDomain("bad domain").ok());
  EXPECT_FALSE(store_->AddDomain("").ok());
  EXPECT_FALSE(store_->AddDomain("a..b").ok());
  EXPECT_EQ(store_->ListDomains().value(),
            (std::vector<std::string>{"example.test", "other.test"}));
  EXPECT_TRUE(store_->DomainExists("OTHER.test").value());
  EXPECT_FALSE(store_->DomainExists("nowhere.test").value());
  EXPECT_TRUE(store_->RemoveDomain("other.test").ok());
  EXPECT_EQ(store_->RemoveDomain("other.test").message(), "domain other.test does not exist");
  EXPECT_EQ(store_->RemoveDomain("example.test").message(),
            "domain example.test still has 2 users");
}

TEST_F(StoreTest, Users) {
  auto dup = store_->AddUser("Alice@Example.Test", "h");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error(), "user alice@example.test already exists");
  auto no_domain = store_->AddUser("bob@nowhere.test", "h");
  ASSERT_FALSE(no_domain.ok());
  EXPECT_EQ(no_domain.error(), "domain nowhere.test does not exist");
  EXPECT_FALSE(store_->AddUser("no-at-sign", "h").ok());
  EXPECT_FALSE(store_->AddUser("@example.test", "h").ok());
  EXPECT_FALSE(store_->AddUser("a b@example.test", "h").ok());
  EXPECT_FALSE(store_->AddUser("carol@example.test", "").ok());

  auto found = store_->FindUser("ALICE@example.TEST");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, alice_);
  EXPECT_EQ((*found)->address, "alice@example.test");
  EXPECT_EQ((*found)->domain, "example.test");
  EXPECT_EQ((*found)->password_hash, "hash-a");
  EXPECT_FALSE(store_->FindUser("nobody@example.test").value().has_value());
  EXPECT_FALSE(store_->FindUser("garbage").value().has_value());
  EXPECT_EQ(store_->GetUser(bob_).value()->address, "bob@example.test");

  EXPECT_TRUE(store_->SetPasswordHash("Bob@example.test", "new-hash").ok());
  EXPECT_EQ(store_->FindUser("bob@example.test").value()->password_hash, "new-hash");
  EXPECT_FALSE(store_->SetPasswordHash("nobody@example.test", "x").ok());

  ASSERT_TRUE(store_->AddDomain("other.test").ok());
  ASSERT_TRUE(store_->AddUser("zed@other.test", "h").ok());
  auto all = store_->ListUsers();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].address, "alice@example.test");
  EXPECT_EQ(store_->ListUsers("other.test").value().size(), 1u);
  EXPECT_EQ(store_->ListUsers("nowhere.test").error(), "domain nowhere.test does not exist");

  EXPECT_TRUE(store_->RemoveUser("zed@other.test").ok());
  EXPECT_EQ(store_->RemoveUser("zed@other.test").message(), "user zed@other.test does not exist");
  EXPECT_TRUE(store_->RemoveDomain("other.test").ok());
}

TEST_F(StoreTest, DefaultMailboxes) {
  auto boxes = store_->ListMailboxes(alice_);
  ASSERT_TRUE(boxes.ok());
  std::vector<std::pair<std::string, std::string>> got;
  for (const Mailbox& m : *boxes) {
    got.emplace_back(m.name, m.special_use);
    EXPECT_TRUE(m.subscribed);
    EXPECT_EQ(m.uid_next, 1u);
    EXPECT_GT(m.uid_validity, 0u);
  }
  std::vector<std::pair<std::string, std::string>> want = {
      {"INBOX", ""},      {"Archive", "\\Archive"}, {"Drafts", "\\Drafts"},
      {"Junk", "\\Junk"}, {"Sent", "\\Sent"},       {"Trash", "\\Trash"}};
  EXPECT_EQ(got, want);
}

TEST_F(StoreTest, AliasesAndResolve) {
  EXPECT_TRUE(store_->AddAlias("postmaster@example.test", "alice@example.test").ok());
  EXPECT_TRUE(store_->AddAlias("team@example.test", "alice@example.test").ok());
  EXPECT_TRUE(store_->AddAlias("Team@example.test", "bob@example.test").ok());
  EXPECT_FALSE(store_->AddAlias("team@example.test", "bob@example.test").ok());  // duplicate
  EXPECT_EQ(store_->AddAlias("x@nowhere.test", "bob@example.test").message(),
            "domain nowhere.test does not exist");
  EXPECT_EQ(store_->AddAlias("y@example.test", "nobody@example.test").message(),
            "user nobody@example.test does not exist");
  EXPECT_EQ(store_->AddAlias("bob@example.test", "alice@example.test").message(),
            "bob@example.test is a user");
  EXPECT_FALSE(store_->AddUser("team@example.test", "h").ok());  // taken by an alias

  using Ids = std::vector<UserId>;
  EXPECT_EQ(store_->ResolveRecipient("BOB@example.test").value(), Ids{bob_});
  EXPECT_EQ(store_->ResolveRecipient("team@example.test").value(), (Ids{alice_, bob_}));
  EXPECT_EQ(store_->ResolveRecipient("postmaster@EXAMPLE.test").value(), Ids{alice_});
  EXPECT_TRUE(store_->ResolveRecipient("nobody@example.test").value().empty());
  EXPECT_TRUE(store_->ResolveRecipient("not an address").value().empty());

  EXPECT_TRUE(store_->AddAlias("@example.test", "bob@example.test").ok());
  EXPECT_EQ(store_->ResolveRecipient("nobody@example.test").value(), Ids{bob_});
  EXPECT_EQ(store_->ResolveRecipient("team@example.test").value(), (Ids{alice_, bob_}));

  auto list = store_->ListAliases();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 4u);
  EXPECT_EQ((*list)[0].source, "@example.test");
  EXPECT_EQ((*list)[0].target, "bob@example.test");

  EXPECT_TRUE(store_->RemoveAlias("team@example.test", "bob@example.test").ok());
  EXPECT_EQ(store_->ResolveRecipient("team@example.test").value(), Ids{alice_});
  EXPECT_TRUE(store_->RemoveAlias("team@example.test").ok());
  EXPECT_FALSE(store_->RemoveAlias("team@example.test").ok());
  EXPECT_EQ(store_->ResolveRecipient("team@example.test").value(), Ids{bob_});  // catch-all

  // Removing a user removes aliases pointing at them.
  EXPECT_TRUE(store_->RemoveUser("bob@example.test").ok());
  EXPECT_TRUE(store_->ResolveRecipient("team@example.test").value().empty());
  EXPECT_EQ(store_->ListAliases().value().size(), 1u);  // postmaster -> alice
  EXPECT_EQ(store_->RemoveDomain("example.test").message(), "domain example.test still has 1 user");
}

}  // namespace
}  // namespace mailsuite::store::test
