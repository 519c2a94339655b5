// argon2id hashing via libargon2 and the failure tracker; see shared/auth/password.h.
#include "shared/auth/password.h"

#include "shared/config.h"
#include "verify_cache.h"

#include <argon2.h>
#include <openssl/rand.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <tuple>
#include <vector>

namespace mailsuite::auth {
namespace {

constexpr size_t kSaltLength = 16;
constexpr size_t kHashLength = 32;
constexpr std::string_view kArgon2idPrefix = "$argon2id$";

std::atomic<uint32_t> configured_time_cost{kDefaultPasswordCost.time_cost};
std::atomic<uint32_t> configured_memory_kib{kDefaultPasswordCost.memory_kib};

}  // namespace

void SetPasswordCost(const AuthConfig& config) {
  configured_time_cost = static_cast<uint32_t>(config.hash_iterations);
  configured_memory_kib = static_cast<uint32_t>(config.hash_memory_kib);
}

PasswordCost ConfiguredPasswordCost() {
  return PasswordCost{configured_time_cost.load(), configured_memory_kib.load(),
                      kDefaultPasswordCost.parallelism};
}

std::string HashPassword(std::string_view password, const PasswordCost& cost) {
  unsigned char salt[kSaltLength];
  if (RAND_bytes(salt, sizeof salt) != 1) return {};
  std::vector<char> encoded(argon2_encodedlen(cost.time_cost, cost.memory_kib, cost.parallelism,
                                              kSaltLength, kHashLength, Argon2_id) +
                            1);
  int rc = argon2id_hash_encoded(cost.time_cost, cost.memory_kib, cost.parallelism, password.data(),
                                 password.size(), salt, sizeof salt, kHashLength, encoded.data(),
                                 encoded.size());
  if (rc != ARGON2_OK) return {};
  return std::string(encoded.data());
}

namespace {

// argon2 itself, without the verification cache.
bool VerifyUncached(std::string_view password, std::string_view encoded) {
  if (encoded.substr(0, kArgon2idPrefix.size()) != kArgon2idPrefix) return false;
  if (encoded.find('\0') != std::string_view::npos) return false;
  std::string terminated(encoded);  // argon2id_verify wants a C string
  return argon2id_verify(terminated.c_str(), password.data(), password.size()) == ARGON2_OK;
}

}  // namespace

bool VerifyPassword(std::string_view password, std::string_view encoded) {
  if (RecentlyVerified(password, encoded)) return true;
  if (!VerifyUncached(password, encoded)) return false;
  RememberVerified(password, encoded);
  return true;
}

void VerifyAgainstDummy(std::string_view password, const PasswordCost& cost) {
  static std::mutex mu;
  static std::map<std::tuple<uint32_t, uint32_t, uint32_t>, std::string> dummies;
  std::string dummy;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto key = std::make_tuple(cost.time_cost, cost.memory_kib, cost.parallelism);
    auto it = dummies.find(key);
    if (it == dummies.end()) {
      // A random password nobody knows: a fixed one (in this source) would verify, and
      // would then answer fast for every unknown user.
      unsigned char secret[32];
      if (RAND_bytes(secret, sizeof secret) != 1) return;
      it = dummies
               .emplace(key, HashPassword(std::string_view(reinterpret_cast<const char*>(secret),
                                                           sizeof secret),
                                          cost))
               .first;
    }
    dummy = it->second;
  }
  // Never through the cache: an unknown user must cost as much as a wrong password, always.
  (void)VerifyUncached(password, dummy);
}

AuthFailureTracker::AuthFailureTracker(std::chrono::milliseconds base,
                                       std::chrono::milliseconds max, std::chrono::seconds expiry,
                                       size_t max_entries, std::function<Clock::time_point()> now)
    : base_(base),
      max_(max),
      expiry_(expiry),
      max_entries_(std::max<size_t>(1, max_entries)),
      now_(std::move(now)) {}

std::chrono::milliseconds AuthFailureTracker::DelayFor(uint32_t failures) const {
  if (failures == 0) return std::chrono::milliseconds(0);
  std::chrono::milliseconds delay = base_;
  for (uint32_t i = 1; i < failures && delay < max_; ++i) delay *= 2;
  return std::min(delay, max_);
}

void AuthFailureTracker::PruneLocked(Clock::time_point now) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (now - it->second.last >= expiry_) {
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  last_prune_ = now;
}

std::chrono::milliseconds AuthFailureTracker::RecordFailure(const std::string& ip) {
  std::lock_guard<std::mutex> lock(mu_);
  Clock::time_point now = now_();
  if (now - last_prune_ >= std::chrono::seconds(60) || entries_.size() >= max_entries_) {
    PruneLocked(now);
  }
  auto it = entries_.find(ip);
  if (it != entries_.end() && now - it->second.last >= expiry_) {
    entries_.erase(it);
    it = entries_.end();
  }
  if (it == entries_.end()) {
    while (entries_.size() >= max_entries_) {  // still full: drop the oldest
      auto oldest = std::min_element(entries_.begin(), entries_.end(), [](auto& a, auto& b) {
        return a.second.last < b.second.last;
      });
      entries_.erase(oldest);
    }
    it = entries_.emplace(ip, Entry{}).first;
  }
  if (it->second.failures < 64) ++it->second.failures;
  it->second.last = now;
  return DelayFor(it->second.failures);
}

void AuthFailureTracker::RecordSuccess(const std::string& ip) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.erase(ip);
}

bool AuthFailureTracker::Throttled(const std::string& ip) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(ip);
  if (it == entries_.end()) return false;
  return now_() - it->second.last < DelayFor(it->second.failures);
}

std::chrono::milliseconds AuthFailureTracker::CurrentDelay(const std::string& ip) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(ip);
  if (it == entries_.end() || now_() - it->second.last >= expiry_) {
    return std::chrono::milliseconds(0);
  }
  return DelayFor(it->second.failures);
}

size_t AuthFailureTracker::Size() {
  std::lock_guard<std::mutex> lock(mu_);
  PruneLocked(now_());
  return entries_.size();
}

}  // namespace mailsuite::auth
