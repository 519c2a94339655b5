#include "store/authenticate.h"

#include "shared/auth/password.h"
#include "store_test_util.h"

namespace mailsuite::store::test {
namespace {

class CheckLoginTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    ASSERT_TRUE(store_
                    ->SetPasswordHash("bob@example.test",
                                      auth::HashPassword("hungry", auth::kTestPasswordCost))
                    .ok());
  }
};

TEST_F(CheckLoginTest, Outcomes) {
  LoginCheck ok = CheckLogin(*store_, "Bob@Example.TEST", "hungry");
  ASSERT_EQ(ok.outcome, LoginCheck::Outcome::kOk);
  EXPECT_EQ(ok.user->address, "bob@example.test");
  EXPECT_EQ(CheckLogin(*store_, "bob@example.test", "hungry", "bob@example.test").outcome,
            LoginCheck::Outcome::kOk);

  LoginCheck wrong = CheckLogin(*store_, "bob@example.test", "thirsty");
  EXPECT_EQ(wrong.outcome, LoginCheck::Outcome::kRefused);
  EXPECT_EQ(wrong.reason, "bad password");
  EXPECT_FALSE(wrong.user);

  EXPECT_EQ(CheckLogin(*store_, "nobody@example.test", "hungry").reason, "unknown user");
  EXPECT_EQ(CheckLogin(*store_, "bob@example.test", "hungry", "alice@example.test").reason,
            "authzid not permitted");
  EXPECT_EQ(CheckLogin(*store_, "alice@example.test", "hash-a").outcome,
            LoginCheck::Outcome::kRefused)
      << "a stored value that is not an argon2id hash never verifies";
}

}  // namespace
}  // namespace mailsuite::store::test

namespace mailsuite::store::test {
namespace {

TEST_F(CheckLoginTest, FailuresThrottleTheAddressAndTheAccount) {
  auto now = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  auth::AuthFailureTracker failures(std::chrono::milliseconds(1000), std::chrono::seconds(30),
                                    std::chrono::seconds(900), 1000, [&] { return now; });
  LoginCheck first =
      CheckLogin("imap", *store_, failures, "192.0.2.1", "bob@example.test", "guess");
  EXPECT_EQ(first.outcome, LoginCheck::Outcome::kRefused);
  EXPECT_EQ(first.delay, std::chrono::milliseconds(1000));

  // Inside the delay even the right password is not checked, from this address…
  EXPECT_EQ(
      CheckLogin("imap", *store_, failures, "192.0.2.1", "bob@example.test", "hungry").outcome,
      LoginCheck::Outcome::kThrottled);
  // …nor for this account from another address (a botnet guessing one password).
  EXPECT_EQ(
      CheckLogin("imap", *store_, failures, "198.51.100.9", "bob@example.test", "hungry").outcome,
      LoginCheck::Outcome::kThrottled);

  now += std::chrono::milliseconds(1001);
  EXPECT_EQ(
      CheckLogin("imap", *store_, failures, "192.0.2.1", "bob@example.test", "hungry").outcome,
      LoginCheck::Outcome::kOk);
  // A success does not wipe the address's count: the next failure there waits longer.
  LoginCheck again =
      CheckLogin("imap", *store_, failures, "192.0.2.1", "alice@example.test", "guess");
  EXPECT_EQ(again.delay, std::chrono::milliseconds(2000));
}

}  // namespace
}  // namespace mailsuite::store::test
