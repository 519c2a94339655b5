// Password hashing and the per-address failure tracker.
#include "shared/auth/password.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

namespace mailsuite::auth {
namespace {

using std::chrono::milliseconds;

TEST(Password, HashAndVerify) {
  std::string hash = HashPassword("correct horse", kTestPasswordCost);
  ASSERT_FALSE(hash.empty());
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u) << hash;
  EXPECT_TRUE(VerifyPassword("correct horse", hash));
  EXPECT_FALSE(VerifyPassword("correct horse ", hash));
  EXPECT_FALSE(VerifyPassword("", hash));
  EXPECT_FALSE(VerifyPassword("Correct horse", hash));
}

TEST(Password, VerifyCacheRemembersSuccessesOnly) {
  SetVerifyCache(std::chrono::seconds(3600), 2);
  std::string hash = HashPassword("correct horse", kTestPasswordCost);
  EXPECT_FALSE(VerifyPassword("wrong", hash));
  EXPECT_EQ(VerifyCacheEntries(), 0u);  // failures are never cached
  EXPECT_TRUE(VerifyPassword("correct horse", hash));
  EXPECT_EQ(VerifyCacheEntries(), 1u);
  EXPECT_TRUE(VerifyPassword("correct horse", hash));  // a hit adds nothing
  EXPECT_EQ(VerifyCacheEntries(), 1u);
  EXPECT_FALSE(VerifyPassword("correct horse!", hash));
  // A new password means a new stored hash: the old digest does not match it.
  std::string changed = HashPassword("battery staple", kTestPasswordCost);
  EXPECT_FALSE(VerifyPassword("correct horse", changed));
  EXPECT_TRUE(VerifyPassword("battery staple", changed));
  EXPECT_EQ(VerifyCacheEntries(), 2u);
  std::string third = HashPassword("third", kTestPasswordCost);
  EXPECT_TRUE(VerifyPassword("third", third));
  EXPECT_EQ(VerifyCacheEntries(), 1u);  // full at 2: started over
  SetVerifyCache(std::chrono::seconds(0));
  EXPECT_TRUE(VerifyPassword("third", third));
  EXPECT_EQ(VerifyCacheEntries(), 0u);  // off: argon2 every time
}

TEST(Password, UnknownUsersNeverHitTheCache) {
  // If the dummy verification could succeed and be cached, unknown users would answer fast
  // and a stopwatch would tell which accounts exist.
  SetVerifyCache(std::chrono::seconds(3600));
  for (const char* guess : {"mailsuite dummy password", "", "password"})
    VerifyAgainstDummy(guess, kTestPasswordCost);
  EXPECT_EQ(VerifyCacheEntries(), 0u);
  SetVerifyCache(std::chrono::seconds(0));
}

TEST(Password, SaltIsRandom) {
  std::string a = HashPassword("same", kTestPasswordCost);
  std::string b = HashPassword("same", kTestPasswordCost);
  EXPECT_NE(a, b);
  EXPECT_TRUE(VerifyPassword("same", a));
  EXPECT_TRUE(VerifyPassword("same", b));
}

TEST(Password, DefaultCostIsInTheHash) {
  std::string hash = HashPassword("pw");
  EXPECT_NE(hash.find("m=65536,t=3,p=1"), std::string::npos) << hash;
  EXPECT_TRUE(VerifyPassword("pw", hash));
}

TEST(Password, MalformedHashesNeverVerify) {
  EXPECT_FALSE(VerifyPassword("pw", ""));
  EXPECT_FALSE(VerifyPassword("pw", "pw"));
  EXPECT_FALSE(VerifyPassword("pw", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaA"));
  EXPECT_FALSE(VerifyPassword("pw", "$argon2id$garbage"));
  std::string hash = HashPassword("pw", kTestPasswordCost);
  EXPECT_FALSE(VerifyPassword("pw", hash.substr(0, hash.size() - 2)));
}

TEST(Password, NulInPasswordMatters) {
  std::string with_nul("a\0b", 3);
  std::string hash = HashPassword(with_nul, kTestPasswordCost);
  EXPECT_TRUE(VerifyPassword(with_nul, hash));
  EXPECT_FALSE(VerifyPassword("a", hash));
}

TEST(Password, DummyVerifyTakesComparableTime) {
  std::string hash = HashPassword("pw", kDefaultPasswordCost);
  VerifyAgainstDummy("warm-up");  // computes the dummy hash once
  auto time = [](auto fn) {
    auto start = std::chrono::steady_clock::now();
    fn();
    return std::chrono::steady_clock::now() - start;
  };
  auto real = time([&] { (void)VerifyPassword("wrong", hash); });
  auto dummy = time([&] { VerifyAgainstDummy("wrong"); });
  // Same cost parameters: within a factor of 3 either way (generous for noisy machines).
  EXPECT_LT(dummy, real * 3);
  EXPECT_LT(real, dummy * 3);
}

struct FakeClock {
  std::chrono::steady_clock::time_point now{};
};

TEST(AuthFailureTracker, DoublesAndCaps) {
  FakeClock clock;
  AuthFailureTracker tracker(milliseconds(100), milliseconds(1000), std::chrono::seconds(60), 10,
                             [&] { return clock.now; });
  EXPECT_EQ(tracker.CurrentDelay("1.2.3.4"), milliseconds(0));
  EXPECT_EQ(tracker.RecordFailure("1.2.3.4"), milliseconds(100));
  EXPECT_EQ(tracker.RecordFailure("1.2.3.4"), milliseconds(200));
  EXPECT_EQ(tracker.RecordFailure("1.2.3.4"), milliseconds(400));
  EXPECT_EQ(tracker.RecordFailure("1.2.3.4"), milliseconds(800));
  EXPECT_EQ(tracker.RecordFailure("1.2.3.4"), milliseconds(1000));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(tracker.RecordFailure("1.2.3.4"), milliseconds(1000));
  EXPECT_EQ(tracker.RecordFailure("5.6.7.8"), milliseconds(100));  // other addresses unaffected
  tracker.RecordSuccess("1.2.3.4");
  EXPECT_EQ(tracker.CurrentDelay("1.2.3.4"), milliseconds(0));
  EXPECT_EQ(tracker.RecordFailure("1.2.3.4"), milliseconds(100));
}

TEST(AuthFailureTracker, EntriesExpire) {
  FakeClock clock;
  AuthFailureTracker tracker(milliseconds(100), milliseconds(30000), std::chrono::seconds(60), 1000,
                             [&] { return clock.now; });
  tracker.RecordFailure("a");
  tracker.RecordFailure("a");
  EXPECT_EQ(tracker.CurrentDelay("a"), milliseconds(200));
  clock.now += std::chrono::seconds(61);
  EXPECT_EQ(tracker.CurrentDelay("a"), milliseconds(0));
  EXPECT_EQ(tracker.Size(), 0u);
  EXPECT_EQ(tracker.RecordFailure("a"), milliseconds(100));
}

TEST(AuthFailureTracker, BoundedSize) {
  FakeClock clock;
  AuthFailureTracker tracker(milliseconds(10), milliseconds(1000), std::chrono::seconds(600), 5,
                             [&] { return clock.now; });
  for (int i = 0; i < 50; ++i) {
    clock.now += milliseconds(1);
    tracker.RecordFailure("10.0.0." + std::to_string(i));
  }
  EXPECT_LE(tracker.Size(), 5u);
  EXPECT_EQ(tracker.CurrentDelay("10.0.0.49"), milliseconds(10));
}

TEST(AuthFailureTracker, ThreadSafe) {
  AuthFailureTracker tracker(milliseconds(1), milliseconds(30000));
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i) {
        tracker.RecordFailure("ip" + std::to_string(i % 7));
        if (i % 13 == t) tracker.RecordSuccess("ip" + std::to_string(i % 7));
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_LE(tracker.Size(), 7u);
}

}  // namespace
}  // namespace mailsuite::auth
