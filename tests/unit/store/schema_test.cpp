// Schema versioning: a fresh database gets the current version; a newer one is refused; a
// missing one is not created unless asked.
#include <gtest/gtest.h>

#include <filesystem>

#include "store/testing.h"
#include "store_test_util.h"

namespace mailsuite::store::test {
namespace {

TEST(Schema, FreshDatabaseGetsCurrentVersion) {
  SQLITE_ONLY("the schema version and journal of a database file");
  TempDir dir;
  std::string path = dir.File("fresh.db");
  ASSERT_TRUE(MustOpen(path));
  auto version = testing::ReadSchemaVersion(path);
  ASSERT_TRUE(version.ok()) << version.error();
  EXPECT_EQ(*version, testing::CurrentSchemaVersion());
  EXPECT_GE(testing::CurrentSchemaVersion(), 1);
  // Reopening keeps data and version.
  {
    auto store = MustOpen(path);
    ASSERT_TRUE(store->AddDomain("example.test").ok());
  }
  auto store = MustOpen(path);
  EXPECT_TRUE(store->DomainExists("example.test").value());
  EXPECT_EQ(testing::ReadSchemaVersion(path).value(), testing::CurrentSchemaVersion());
}

TEST(Schema, OlderDatabaseIsUpgradedOnOpen) {
  SQLITE_ONLY("the schema version and journal of a database file");
  TempDir dir;
  std::string path = dir.File("old.db");
  ASSERT_TRUE(testing::CreateDatabaseAtVersion(path, 1).ok());
  ASSERT_EQ(testing::ReadSchemaVersion(path).value(), 1);
  auto store = MustOpen(path);
  ASSERT_TRUE(store);
  EXPECT_EQ(testing::ReadSchemaVersion(path).value(), testing::CurrentSchemaVersion());
  // The upgraded schema works: version 2 added per-row header prefixes.
  ASSERT_TRUE(store->AddDomain("example.test").ok());
  auto user = store->AddUser("a@example.test", "h");
  ASSERT_TRUE(user.ok());
  MailboxId inbox = store->GetMailbox(user->id, "INBOX").value()->id;
  ASSERT_TRUE(
      store->Deliver(std::vector<DeliveryTarget>{{inbox, "X-Trace: 1\r\n"}}, "body", 1).ok());
  EXPECT_EQ(store->ReadContent(inbox, 1).value(), "X-Trace: 1\r\nbody");
  store.reset();
  EXPECT_TRUE(testing::CheckConsistency(path).ok());
}

TEST(Schema, NewerDatabaseIsRefused) {
  SQLITE_ONLY("the schema version and journal of a database file");
  TempDir dir;
  std::string path = dir.File("newer.db");
  ASSERT_TRUE(MustOpen(path));
  int newer = testing::CurrentSchemaVersion() + 1;
  ASSERT_TRUE(testing::WriteSchemaVersion(path, newer).ok());
  auto store = OpenStore(path, 1000);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().find("database schema version " + std::to_string(newer) +
                               " is newer than this mailsuite understands (" +
                               std::to_string(testing::CurrentSchemaVersion()) + ")"),
            std::string::npos)
      << store.error();
  EXPECT_EQ(testing::ReadSchemaVersion(path).value(), newer);  // left alone
}

TEST(Schema, MissingDatabaseNotCreatedUnlessAsked) {
  SQLITE_ONLY("the schema version and journal of a database file");
  TempDir dir;
  std::string path = dir.File("missing.db");
  auto store = OpenStore(path, 1000, /*create_if_missing=*/false);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error(), "database " + path + " does not exist; run mailsuite init");
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(OpenStore("", 1000).ok());
  EXPECT_FALSE(OpenStore(dir.File("no/such/dir/x.db"), 1000).ok());
}

TEST(Schema, WalModeIsOn) {
  SQLITE_ONLY("the schema version and journal of a database file");
  TempDir dir;
  std::string path = dir.File("wal.db");
  auto store = MustOpen(path);
  ASSERT_TRUE(store->AddDomain("example.test").ok());
  EXPECT_TRUE(std::filesystem::exists(path + "-wal"));
}

}  // namespace
}  // namespace mailsuite::store::test
