// Quota decisions every daemon makes the same way: the limits that apply to a user (their own,
// else the configured default) and whether something more fits under them. The store keeps the
// usage (Store::GetQuota); the daemons check before they add, so two deliveries racing for the
// last free octets may both land (a soft edge, as in Dovecot).
#pragma once

#include <cstdint>
#include <optional>

#include "shared/config.h"
#include "shared/result.h"
#include "store/types.h"

namespace mailsuite::store {

class Store;

// A user's usage and the limits that apply to it (0: none).
struct Quota {
  uint64_t storage_used = 0;
  uint64_t storage_limit = 0;  // octets
  uint64_t messages_used = 0;
  uint64_t messages_limit = 0;

  bool limited() const { return storage_limit != 0 || messages_limit != 0; }
  // Whether `messages` more messages of `octets` in all stay within the limits.
  bool Fits(uint64_t octets, uint64_t messages) const;
};

Quota EffectiveQuota(const QuotaUsage& usage, const QuotaConfig& defaults);

// The user's quota now; nullopt when the user does not exist.
Result<std::optional<Quota>> LoadQuota(Store& store, UserId user, const QuotaConfig& defaults);

}  // namespace mailsuite::store
