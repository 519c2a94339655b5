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
