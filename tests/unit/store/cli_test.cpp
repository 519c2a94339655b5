// The admin CLI binary, run as a child process against a temporary config and database.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "shared/auth/password.h"
#include "store_test_util.h"

namespace mailsuite::store::test {
namespace {

struct CliRun {
  int code = -1;
  std::string out, err;
};

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_path_ = place_.location();
    config_ = dir_.File("test.conf");
    if (TestingPostgres())
      std::ofstream(config_) << "[store]\nbackend = postgresql\nurl = " << db_path_ << "\n";
    else
      std::ofstream(config_) << "[store]\npath = " << db_path_ << "\n";
  }

  void CreateDatabase() { ASSERT_TRUE(MustOpen(db_path_)); }

  // Runs `mailsuite --config <tmp> ARGS` with `input` on stdin.
  CliRun Cli(const std::string& args, const std::string& input = "") {
    std::ofstream(dir_.File("stdin")) << input;
    std::string command = std::string("'") + MAILSUITE_CLI + "' --config '" + config_ + "' " +
                          args + " <'" + dir_.File("stdin") + "' >'" + dir_.File("stdout") +
                          "' 2>'" + dir_.File("stderr") + "'";
    int status = std::system(command.c_str());
    CliRun run;
    run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.out = Slurp(dir_.File("stdout"));
    run.err = Slurp(dir_.File("stderr"));
    return run;
  }

  static std::string Slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  TempDir dir_;
  TestStoreLocation place_{dir_};
  std::string db_path_, config_;
};

TEST_F(CliTest, MissingDatabaseIsNotCreated) {
  CliRun r = Cli("domain list");
  EXPECT_EQ(r.code, 1);
  if (TestingPostgres()) {  // the database exists but holds no tables: they are not created
    EXPECT_EQ(r.err,
              "mailsuite: the PostgreSQL database has no mailsuite tables; run mailsuite init\n");
    return;
  }
  EXPECT_EQ(r.err, "mailsuite: database " + db_path_ + " does not exist; run mailsuite init\n");
  EXPECT_FALSE(std::filesystem::exists(db_path_));
}

TEST_F(CliTest, DomainsUsersAliasesMailboxes) {
  CreateDatabase();
  CliRun r = Cli("domain add example.test");
  EXPECT_EQ(r.code, 0) << r.err;
  r = Cli("domain add example.test");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "mailsuite: domain example.test already exists\n");
  r = Cli("domain list");
  EXPECT_EQ(r.out, "example.test\n");

  r = Cli("user add bob@example.test", "s3cret pass\n");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "added user bob@example.test\n");
  r = Cli("user add bob@nowhere.test", "pw\n");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "mailsuite: user bob@nowhere.test: domain nowhere.test does not exist\n");
  r = Cli("user add bob@example.test", "pw\n");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "mailsuite: user bob@example.test already exists\n");
  r = Cli("user add carol@example.test", "");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "mailsuite: user carol@example.test: no password on standard input\n");
  r = Cli("user add carol@example.test", "\n");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "mailsuite: user carol@example.test: empty password\n");
  r = Cli("user add not-an-address", "pw\n");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err,
            "mailsuite: user not-an-address: 'not-an-address' is not an address (local@domain)\n");
  r = Cli("user list nowhere.test");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "mailsuite: domain nowhere.test does not exist\n");
  r = Cli("user list");
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "bob@example.test\n");

  {
    auto store = MustOpen(db_path_);
    auto bob = store->FindUser("bob@example.test").value();
    ASSERT_TRUE(bob.has_value());
    EXPECT_TRUE(auth::VerifyPassword("s3cret pass", bob->password_hash));
    EXPECT_NE(bob->password_hash.find("$m=65536,t=3,p=1$"), std::string::npos)
        << "the default cost: " << bob->password_hash;
  }
  // auth.hash_* set the cost of new hashes.
  r =
      Cli("--set auth.hash_iterations=2 --set auth.hash_memory_kib=256 user passwd "
          "bob@example.test",
          "changed\n");
  EXPECT_EQ(r.code, 0) << r.err;
  {
    auto store = MustOpen(db_path_);
    std::string hash = store->FindUser("bob@example.test").value()->password_hash;
    EXPECT_TRUE(auth::VerifyPassword("changed", hash));
    EXPECT_NE(hash.find("$m=256,t=2,p=1$"), std::string::npos) << hash;
  }

  r = Cli("alias add postmaster@example.test bob@example.test");
  EXPECT_EQ(r.code, 0) << r.err;
  r = Cli("alias add x@example.test nobody@example.test");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "mailsuite: alias x@example.test: user nobody@example.test does not exist\n");
  r = Cli("alias list");
  EXPECT_EQ(r.out, "postmaster@example.test -> bob@example.test\n");
  r = Cli("alias remove postmaster@example.test");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(Cli("alias list").out, "");

  r = Cli("mailbox list bob@example.test");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("INBOX\t0 messages", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("Sent\t0 messages"), std::string::npos);
  r = Cli("mailbox list nobody@example.test");
  EXPECT_EQ(r.code, 1);

  EXPECT_EQ(Cli("domain remove example.test").err,
            "mailsuite: domain example.test still has 1 user\n");
  EXPECT_EQ(Cli("user remove bob@example.test").code, 0);
  EXPECT_EQ(Cli("domain remove example.test").code, 0);
}

TEST_F(CliTest, UsageErrorsExitTwo) {
  CreateDatabase();
  CliRun r = Cli("frobnicate");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "mailsuite: unknown command 'frobnicate' (see mailsuite --help)\n");
  EXPECT_EQ(Cli("domain").code, 2);
  EXPECT_EQ(Cli("domain add").code, 2);
  EXPECT_EQ(Cli("user add a@b c@d").code, 2);
  EXPECT_EQ(Cli("alias add onlyone").code, 2);
  EXPECT_EQ(Cli("--no-such-option domain list").code, 2);
  EXPECT_EQ(Cli("").code, 2);
  EXPECT_EQ(Cli("--help").code, 0);
}

TEST_F(CliTest, SetOverridesTheDatabasePath) {
  SQLITE_ONLY("store.path names a database file");
  std::string other = dir_.File("other.db");
  ASSERT_TRUE(MustOpen(other));
  CliRun r = Cli("--set store.path=" + other + " domain add example.test");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(MustOpen(other)->DomainExists("example.test").value());
  EXPECT_FALSE(std::filesystem::exists(db_path_));
}

}  // namespace
}  // namespace mailsuite::store::test
