// Password hashing (argon2id, PHC-encoded strings) and the per-IP delay after failed logins.
//
// What it does: hashes a new password with a random salt, verifies a password against a stored
// encoded hash in constant time, burns the same time when the user does not exist (so timing
// does not tell which users exist), and tracks consecutive failures per client address.
// What it does not do: look users up, talk to the store, sleep, or log. Callers apply the delay
// returned by AuthFailureTracker themselves (e.g. by postponing the reply).
// All free functions are thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mailsuite {
struct AuthConfig;
}

namespace mailsuite::auth {

// argon2id cost parameters.
struct PasswordCost {
  uint32_t time_cost = 3;           // iterations
  uint32_t memory_kib = 64 * 1024;  // 64 MiB
  uint32_t parallelism = 1;
};

// The production default (t=3, m=64 MiB, p=1).
inline constexpr PasswordCost kDefaultPasswordCost{};
// Cheap parameters for unit tests only: never use for real accounts.
inline constexpr PasswordCost kTestPasswordCost{1, 64, 1};

// The cost new hashes get and unknown users are made to spend (auth.hash_iterations and
// auth.hash_memory_kib): process-wide, kDefaultPasswordCost until a program sets it from its
// configuration. Verification always uses the cost written in the stored hash.
void SetPasswordCost(const AuthConfig& config);
PasswordCost ConfiguredPasswordCost();

// Returns a PHC string "$argon2id$v=19$m=...,t=...,p=...$salt$hash" with a fresh 16-byte
// random salt. Returns an empty string only if hashing itself fails (out of memory or no
// randomness); an empty string never verifies.
std::string HashPassword(std::string_view password,
                         const PasswordCost& cost = ConfiguredPasswordCost());

// True when `password` matches `encoded` (an argon2id PHC string). The comparison is constant
// time; a malformed or non-argon2id `encoded` gives false.
bool VerifyPassword(std::string_view password, std::string_view encoded);

// The verification cache (Dovecot's auth cache): with a TTL above zero, VerifyPassword
// remembers each success for `ttl` so that reconnects (Thunderbird opens five connections, a
// restart brings thousands back at once) skip argon2's 64 MiB and ~0.5 s of CPU. It holds only
// SHA-256(per-process random key, stored hash, password) digests, never a password; changing the
// password changes the stored hash and so misses. Failures are never cached. Process-wide;
// off (0) until a daemon turns it on from auth.cache_seconds. At most `max_entries` digests:
// when full, it starts over empty.
void SetVerifyCache(std::chrono::seconds ttl, size_t max_entries = 100000);
// Digests held right now (tests, diagnostics).
size_t VerifyCacheEntries();

// Spends about as long as VerifyPassword on a hash of `cost`, and always "fails". Call it when
// the user does not exist so that a wrong user and a wrong password take the same time.
// The dummy hash is computed once per cost on first use.
void VerifyAgainstDummy(std::string_view password,
                        const PasswordCost& cost = ConfiguredPasswordCost());

// Per-client-address failure counter: the first failure asks for `base` delay, each further
// consecutive failure doubles it, capped at `max`. A success resets the address. Entries expire
// `expiry` after their last failure; the table never holds more than `max_entries` addresses
// (the oldest are dropped first). Thread-safe.
class AuthFailureTracker {
 public:
  using Clock = std::chrono::steady_clock;

  explicit AuthFailureTracker(std::chrono::milliseconds base = std::chrono::milliseconds(1000),
                              std::chrono::milliseconds max = std::chrono::milliseconds(30000),
                              std::chrono::seconds expiry = std::chrono::seconds(900),
                              size_t max_entries = 100000,
                              std::function<Clock::time_point()> now = Clock::now);
  AuthFailureTracker(const AuthFailureTracker&) = delete;
  AuthFailureTracker& operator=(const AuthFailureTracker&) = delete;

  // Records one failed attempt from `ip`; returns the delay to apply before answering.
  std::chrono::milliseconds RecordFailure(const std::string& ip);
  // Forgets `ip`'s failures.
  void RecordSuccess(const std::string& ip);
  // True while `ip` is inside the delay its last failure asked for: a further attempt then is
  // refused without checking the password, so parallel connections cannot guess faster.
  bool Throttled(const std::string& ip);
  // The delay the last recorded failure of `ip` asked for (zero when none or expired).
  std::chrono::milliseconds CurrentDelay(const std::string& ip);
  // Number of addresses on record (after dropping expired ones).
  size_t Size();

 private:
  struct Entry {
    uint32_t failures = 0;
    Clock::time_point last;
  };
  std::chrono::milliseconds DelayFor(uint32_t failures) const;
  void PruneLocked(Clock::time_point now);

  const std::chrono::milliseconds base_;
  const std::chrono::milliseconds max_;
  const std::chrono::seconds expiry_;
  const size_t max_entries_;
  const std::function<Clock::time_point()> now_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  Clock::time_point last_prune_{};
};

}  // namespace mailsuite::auth
