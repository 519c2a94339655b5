// Users' Sieve scripts in the store: put/replace, list, get, one active at a time, delete and
// rename with RFC 5804's rules, and removal with the user.
#include <gtest/gtest.h>

#include "store_test_util.h"

namespace mailsuite::store::test {
namespace {

std::vector<std::string> Names(const std::vector<SieveScript>& list) {
  std::vector<std::string> out;
  for (const SieveScript& s : list) out.push_back(s.name + (s.active ? "*" : ""));
  return out;
}

TEST_F(StoreTest, SieveScriptsKeepOneActive) {
  using V = std::vector<std::string>;
  EXPECT_TRUE(store_->ListSieveScripts(alice_).value().empty());
  EXPECT_FALSE(store_->ActiveSieveScript(alice_).value().has_value());
  ASSERT_TRUE(store_->PutSieveScript(alice_, "work", "keep;").ok());
  ASSERT_TRUE(store_->PutSieveScript(alice_, "home", "discard;").ok());
  ASSERT_TRUE(store_->PutSieveScript(bob_, "work", "stop;").ok());
  EXPECT_EQ(Names(store_->ListSieveScripts(alice_).value()), (V{"home", "work"}));
  EXPECT_FALSE(store_->ActivateSieveScript(alice_, "nope").ok());
  ASSERT_TRUE(store_->ActivateSieveScript(alice_, "work").ok());
  ASSERT_TRUE(store_->ActivateSieveScript(alice_, "home").ok());
  EXPECT_EQ(Names(store_->ListSieveScripts(alice_).value()), (V{"home*", "work"}));
  auto active = store_->ActiveSieveScript(alice_).value();
  ASSERT_TRUE(active.has_value());
  EXPECT_EQ(active->name, "home");
  EXPECT_EQ(active->content, "discard;");
  EXPECT_FALSE(store_->ActiveSieveScript(bob_).value().has_value());

  // Replacing keeps it active; the active one cannot be deleted (RFC 5804 2.10).
  ASSERT_TRUE(store_->PutSieveScript(alice_, "home", "keep;\r\n").ok());
  EXPECT_EQ(store_->ActiveSieveScript(alice_).value()->content, "keep;\r\n");
  EXPECT_FALSE(store_->DeleteSieveScript(alice_, "home").ok());
  EXPECT_FALSE(store_->DeleteSieveScript(alice_, "nope").ok());
  ASSERT_TRUE(store_->DeleteSieveScript(alice_, "work").ok());
  // Rename keeps the active mark; not onto an existing name.
  ASSERT_TRUE(store_->PutSieveScript(alice_, "other", "stop;").ok());
  EXPECT_FALSE(store_->RenameSieveScript(alice_, "home", "other").ok());
  EXPECT_FALSE(store_->RenameSieveScript(alice_, "nope", "x").ok());
  ASSERT_TRUE(store_->RenameSieveScript(alice_, "home", "Home 2").ok());
  EXPECT_EQ(Names(store_->ListSieveScripts(alice_).value()), (V{"Home 2*", "other"}));
  auto got = store_->GetSieveScript(alice_, "other").value();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->content, "stop;");
  EXPECT_FALSE(got->active);
  EXPECT_FALSE(store_->GetSieveScript(alice_, "home").value().has_value());
  // Deactivating leaves none active; then it may go.
  ASSERT_TRUE(store_->ActivateSieveScript(alice_, "").ok());
  EXPECT_FALSE(store_->ActiveSieveScript(alice_).value().has_value());
  ASSERT_TRUE(store_->DeleteSieveScript(alice_, "Home 2").ok());
  EXPECT_EQ(Names(store_->ListSieveScripts(bob_).value()), V{"work"});
  EXPECT_FALSE(store_->PutSieveScript(424242, "x", "keep;").ok());
  // The scripts go with their user.
  ASSERT_TRUE(store_->RemoveUser("bob@example.test").ok());
  EXPECT_TRUE(store_->ListSieveScripts(bob_).value().empty());
}

// RFC 5230 4.2: one vacation reply per sender and handle within the period; records expire,
// belong to one user, and go with their user.
TEST_F(StoreTest, VacationRepliesOncePerSenderAndPeriod) {
  const int64_t day = 86400, t0 = 1700000000;
  EXPECT_TRUE(store_->ClaimVacationReply(alice_, "h1", "carol@example.org", t0, 7 * day).value());
  EXPECT_FALSE(
      store_->ClaimVacationReply(alice_, "h1", "carol@example.org", t0 + day, 7 * day).value());
  // Another sender, another handle (a new reason), another user: each gets its own reply.
  EXPECT_TRUE(store_->ClaimVacationReply(alice_, "h1", "dave@example.org", t0, 7 * day).value());
  EXPECT_TRUE(store_->ClaimVacationReply(alice_, "h2", "carol@example.org", t0, 7 * day).value());
  EXPECT_TRUE(store_->ClaimVacationReply(bob_, "h1", "carol@example.org", t0, 7 * day).value());
  // Once the period is over, the sender is answered again, and then not for another period.
  EXPECT_FALSE(
      store_->ClaimVacationReply(alice_, "h1", "carol@example.org", t0 + 7 * day - 1, 7 * day)
          .value());
  EXPECT_TRUE(
      store_->ClaimVacationReply(alice_, "h1", "carol@example.org", t0 + 7 * day, day).value());
  EXPECT_FALSE(store_->ClaimVacationReply(alice_, "h1", "carol@example.org", t0 + 7 * day + 10, day)
                   .value());
  ASSERT_TRUE(store_->RemoveUser("bob@example.test").ok());
  EXPECT_TRUE(store_->ClaimVacationReply(alice_, "h2", "dave@example.org", t0, day).value());
}

}  // namespace
}  // namespace mailsuite::store::test
