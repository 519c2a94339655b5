// The PostgreSQL store's schema handling (the SQLite file's is in schema_test.cpp): tables only
// when asked, a newer schema refused, nodes starting together migrating once, no password in
// the configured URL.
#include <thread>
#include <vector>

#include "store_test_util.h"

namespace mailsuite::store::test {
namespace {

#define POSTGRES_ONLY()                                            \
  if (!TestingPostgres()) {                                        \
    GTEST_SKIP() << "PostgreSQL only: the store.backend's schema"; \
  }

TEST(PgSchema, TablesAreCreatedOnlyWhenAsked) {
  POSTGRES_ONLY();
  TempDir dir;
  TestStoreLocation place(dir);
  auto refused = OpenStore(place.location(), 5000, /*create_if_missing=*/false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error(), "the PostgreSQL database has no mailsuite tables; run mailsuite init");
  ASSERT_TRUE(MustOpen(place.location()));
  auto reopened = OpenStore(place.location(), 5000, false);
  EXPECT_TRUE(reopened.ok()) << reopened.error();
}

TEST(PgSchema, NewerSchemaIsRefused) {
  POSTGRES_ONLY();
  TempDir dir;
  TestStoreLocation place(dir);
  ASSERT_TRUE(MustOpen(place.location()));
  RunCommand(PsqlCommand(place.location(), "UPDATE mailsuite_schema SET version = 999"));
  auto refused = OpenStore(place.location(), 5000, false);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().find("schema version 999 is newer"), std::string::npos)
      << refused.error();
}

TEST(PgSchema, NodesStartingTogetherMigrateOnce) {
  POSTGRES_ONLY();
  TempDir dir;
  TestStoreLocation place(dir);
  std::vector<std::thread> nodes;
  std::vector<std::string> errors(6);
  for (size_t i = 0; i < errors.size(); ++i)
    nodes.emplace_back([&, i] {
      auto opened = OpenStore(place.location(), 30000, true);
      if (!opened.ok()) errors[i] = opened.error();
    });
  for (auto& t : nodes) t.join();
  for (const std::string& e : errors) EXPECT_EQ(e, "");
  auto store = MustOpen(place.location());
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->AddDomain("example.test").ok());
  EXPECT_EQ(store->ListDomains().value(), std::vector<std::string>{"example.test"});
}

TEST(PgSchema, PasswordInTheConfiguredUrlIsRefused) {
  POSTGRES_ONLY();
  StoreConfig config;
  config.backend = "postgresql";
  config.url = "postgresql://mailsuite:secret@127.0.0.1/mailsuite";
  config.busy_timeout_ms = 1000;
  config.max_connections = 1;
  auto refused = OpenStore(config, false);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().find("store.password_file"), std::string::npos) << refused.error();
  config.url = "host=127.0.0.1 dbname=mailsuite password=secret";
  EXPECT_FALSE(OpenStore(config, false).ok());
}

TEST(PgSchema, PasswordComesFromTheFile) {
  POSTGRES_ONLY();
  TempDir dir;
  TestStoreLocation place(dir);
  ASSERT_TRUE(MustOpen(place.location()));
  StoreConfig config;
  config.backend = "postgresql";
  config.url = place.location();
  config.busy_timeout_ms = 5000;
  config.max_connections = 2;
  config.password_file = dir.File("missing");
  auto missing = OpenStore(config, false);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error(), "cannot read store.password_file " + dir.File("missing"));
  // The test cluster trusts local connections: any password opens it, but it is read.
  std::ofstream(dir.File("pw")) << "s3cret\n";
  config.password_file = dir.File("pw");
  auto opened = OpenStore(config, false);
  EXPECT_TRUE(opened.ok()) << opened.error();
}

}  // namespace
}  // namespace mailsuite::store::test
