// Helpers for store tests: a temporary directory and a store opened inside it.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
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
    db_path_ = dir_.File("mail.db");
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
  std::string db_path_;
  std::unique_ptr<Store> store_;
  UserId alice_ = 0;
  UserId bob_ = 0;
};

}  // namespace mailsuite::store::test
