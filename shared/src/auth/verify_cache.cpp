// The verification cache of password.h: successes only, keyed digests, a TTL.
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <mutex>
#include <string>
#include <unordered_map>

#include "shared/auth/password.h"
#include "verify_cache.h"

namespace mailsuite::auth {
namespace {

using Clock = std::chrono::steady_clock;

struct VerifyCache {
  std::mutex mu;
  std::chrono::seconds ttl{0};
  size_t max_entries = 0;
  unsigned char key[32] = {};
  bool keyed = false;
  std::unordered_map<std::string, Clock::time_point> expiry;  // digest -> end of validity
};

VerifyCache& Cache() {
  static VerifyCache cache;
  return cache;
}

// SHA-256(key || encoded || NUL || password); empty when hashing fails.
std::string Digest(const VerifyCache& cache, std::string_view password, std::string_view encoded) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const unsigned char nul = 0;
  bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
            EVP_DigestUpdate(ctx, cache.key, sizeof cache.key) == 1 &&
            EVP_DigestUpdate(ctx, encoded.data(), encoded.size()) == 1 &&
            EVP_DigestUpdate(ctx, &nul, 1) == 1 &&
            EVP_DigestUpdate(ctx, password.data(), password.size()) == 1 &&
            EVP_DigestFinal_ex(ctx, out, &len) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return {};
  return std::string(reinterpret_cast<const char*>(out), len);
}

}  // namespace

void SetVerifyCache(std::chrono::seconds ttl, size_t max_entries) {
  VerifyCache& cache = Cache();
  std::lock_guard<std::mutex> lock(cache.mu);
  cache.ttl = ttl;
  cache.max_entries = max_entries;
  cache.expiry.clear();
  cache.keyed = ttl.count() > 0 && RAND_bytes(cache.key, sizeof cache.key) == 1;
}

size_t VerifyCacheEntries() {
  VerifyCache& cache = Cache();
  std::lock_guard<std::mutex> lock(cache.mu);
  return cache.expiry.size();
}

bool RecentlyVerified(std::string_view password, std::string_view encoded) {
  VerifyCache& cache = Cache();
  std::lock_guard<std::mutex> lock(cache.mu);
  if (!cache.keyed) return false;
  std::string digest = Digest(cache, password, encoded);
  auto it = cache.expiry.find(digest);
  if (it == cache.expiry.end()) return false;
  if (Clock::now() < it->second) return true;
  cache.expiry.erase(it);
  return false;
}

void RememberVerified(std::string_view password, std::string_view encoded) {
  VerifyCache& cache = Cache();
  std::lock_guard<std::mutex> lock(cache.mu);
  if (!cache.keyed) return;
  std::string digest = Digest(cache, password, encoded);
  if (digest.empty()) return;
  if (cache.expiry.size() >= cache.max_entries) cache.expiry.clear();
  cache.expiry[digest] = Clock::now() + cache.ttl;
}

}  // namespace mailsuite::auth
