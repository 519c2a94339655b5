// The quota helpers of store/quota.h.
#include "store/quota.h"

#include "store/store.h"

namespace mailsuite::store {

bool Quota::Fits(uint64_t octets, uint64_t messages) const {
  if (storage_limit != 0 && (octets > storage_limit || storage_used > storage_limit - octets))
    return false;
  if (messages_limit != 0 &&
      (messages > messages_limit || messages_used > messages_limit - messages))
    return false;
  return true;
}

Quota EffectiveQuota(const QuotaUsage& usage, const QuotaConfig& defaults) {
  Quota q;
  q.storage_used = usage.storage;
  q.messages_used = usage.messages;
  q.storage_limit = usage.limits.storage.value_or(defaults.storage);
  q.messages_limit = usage.limits.messages.value_or(defaults.messages);
  return q;
}

Result<std::optional<Quota>> LoadQuota(Store& store, UserId user, const QuotaConfig& defaults) {
  auto usage = store.GetQuota(user);
  if (!usage) return usage.status();
  if (!usage->has_value()) return std::optional<Quota>();
  return std::optional<Quota>(EffectiveQuota(**usage, defaults));
}

}  // namespace mailsuite::store
