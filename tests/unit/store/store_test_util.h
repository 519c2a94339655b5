// Helpers for store tests: a temporary directory and a store opened inside it.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "store/store.h"
#include "store/testing.h"

namespace mailsuite::store::test {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "mailsuite-store-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The backend the store tests run against: SQLite, or with MAILSUITE_TEST_BACKEND=postgresql a
// PostgreSQL cluster: the one at MAILSUITE_TEST_PG_URL (ctest starts one for the whole run), or
// else one this process starts itself with tests/pg/pg_cluster.sh and stops when it exits.
inline bool TestingPostgres() {
  const char* backend = std::getenv("MAILSUITE_TEST_BACKEND");
  const char* url = std::getenv("MAILSUITE_TEST_PG_URL");
  return (backend && std::string(backend) == "postgresql") || (url && *url);
}

// Skips a test that is about SQLite itself (its file, schema versions, group commit).
#define SQLITE_ONLY(why)                             \
  if (::mailsuite::store::test::TestingPostgres()) { \
    GTEST_SKIP() << "SQLite only: " << why;          \
  }

// Runs a command; its first line of output, or an exception when it fails.
inline std::string RunCommand(const std::string& command) {
  FILE* out = popen(command.c_str(), "r");
  if (!out) throw std::runtime_error("cannot run " + command);
  std::string line;
  char buf[512];
  while (fgets(buf, sizeof buf, out)) line += buf;
  if (pclose(out) != 0) throw std::runtime_error(command + " failed: " + line);
  if (size_t nl = line.find('\n'); nl != std::string::npos) line.resize(nl);
  return line;
}

// The URL of the test cluster's "postgres" database.
inline const std::string& PostgresBaseUrl() {
  struct Cluster {
    std::string url;
    std::unique_ptr<TempDir> dir;
    pid_t owner = 0;
    Cluster() {
      if (const char* given = std::getenv("MAILSUITE_TEST_PG_URL"); given && *given) {
        url = given;
        return;
      }
      dir = std::make_unique<TempDir>();
      chmod(dir->path().c_str(), 0711);  // under root the cluster's user (nobody) passes through
      owner = getpid();
      url = RunCommand(std::string(MAILSUITE_SOURCE_DIR) + "/tests/pg/pg_cluster.sh start " +
                       dir->File("pg"));
    }
    ~Cluster() {
      if (!dir) return;
      // Forked test children exit too; only the process that started the cluster stops it.
      if (owner != getpid()) {
        (void)dir.release();
        return;
      }
      try {
        RunCommand(std::string(MAILSUITE_SOURCE_DIR) + "/tests/pg/pg_cluster.sh stop " +
                   dir->File("pg"));
      } catch (const std::exception&) {
      }
    }
  };
  static Cluster cluster;
  return cluster.url;
}

inline std::string PsqlCommand(const std::string& url, const std::string& sql) {
  return "psql -X -q -v ON_ERROR_STOP=1 '" + url + "' -c '" + sql + "' 2>&1";
}

// A fresh, empty place for one test's store: a file in `dir`, or a new PostgreSQL database
// that is dropped again when this goes.
class TestStoreLocation {
 public:
  explicit TestStoreLocation(const TempDir& dir) {
    if (!TestingPostgres()) {
      location_ = dir.File("mail.db");
      return;
    }
    static int counter = 0;
    const std::string& base = PostgresBaseUrl();
    database_ = "t" + std::to_string(getpid()) + "_" + std::to_string(++counter);
    RunCommand(PsqlCommand(base, "CREATE DATABASE " + database_));
    location_ = base;
    location_.replace(location_.find("/postgres"), 9, "/" + database_);
  }
  ~TestStoreLocation() {
    if (database_.empty()) return;
    try {
      RunCommand(PsqlCommand(PostgresBaseUrl(), "DROP DATABASE " + database_ + " WITH (FORCE)"));
    } catch (const std::exception&) {
    }
  }
  TestStoreLocation(const TestStoreLocation&) = delete;
  TestStoreLocation& operator=(const TestStoreLocation&) = delete;
  const std::string& location() const { return location_; }

 private:
  std::string location_;
  std::string database_;
};

inline std::unique_ptr<Store> MustOpen(const std::string& path, int busy_timeout_ms = 30000) {
  auto store = OpenStore(path, busy_timeout_ms);
  if (!store.ok()) {
    ADD_FAILURE() << store.error();
    return nullptr;
  }
  return std::move(store).value();
}

// A store with domain example.test and users alice@ and bob@ (cheap fake hashes).
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_path_ = place_.location();
    store_ = MustOpen(db_path_);
    ASSERT_TRUE(store_);
    ASSERT_TRUE(store_->AddDomain("example.test").ok());
    auto alice = store_->AddUser("alice@example.test", "hash-a");
    ASSERT_TRUE(alice.ok()) << alice.error();
    alice_ = alice->id;
    auto bob = store_->AddUser("bob@example.test", "hash-b");
    ASSERT_TRUE(bob.ok()) << bob.error();
    bob_ = bob->id;
  }

  void TearDown() override {
    store_.reset();
    Status consistent = testing::CheckConsistency(db_path_);
    EXPECT_TRUE(consistent.ok()) << consistent.message();
  }

  MailboxId Box(UserId user, const std::string& name) {
    auto m = store_->GetMailbox(user, name);
    EXPECT_TRUE(m.ok() && m->has_value()) << name;
    return m.ok() && m->has_value() ? (*m)->id : 0;
  }

  TempDir dir_;
  TestStoreLocation place_{dir_};
  std::string db_path_;  // the store's location: a SQLite file or a PostgreSQL URL
  std::unique_ptr<Store> store_;
  UserId alice_ = 0;
  UserId bob_ = 0;
};

}  // namespace mailsuite::store::test
