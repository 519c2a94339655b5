// Quota checks for SMTP; see quota_check.h.
#include "quota_check.h"

#include <algorithm>

#include "store/quota.h"

namespace mailsuite::mta {

Result<bool> NoneHasRoom(store::Store& store, const QuotaConfig& quota,
                         const std::vector<store::UserId>& users, uint64_t octets) {
  for (store::UserId id : users) {
    auto q = store::LoadQuota(store, id, quota);
    if (!q) return q.status();
    if (!q->has_value() || (*q)->Fits(std::max<uint64_t>(octets, 1), 1)) return false;
  }
  return !users.empty();
}

Result<std::vector<NoRoom>> UsersWithoutRoom(store::Store& store, const QuotaConfig& quota,
                                             const Envelope& env, const std::string& content) {
  std::vector<NoRoom> out;
  std::set<store::UserId> seen;
  for (size_t i = 0; i < env.recipients.size(); ++i) {
    for (store::UserId id : env.recipients[i].local_users) {
      if (!seen.insert(id).second) continue;
      auto q = store::LoadQuota(store, id, quota);
      if (!q) return q.status();
      if (!q->has_value() || !(*q)->limited()) continue;
      auto user = store.GetUser(id);
      if (!user) return user.status();
      if (!user->has_value()) continue;
      uint64_t octets = content.size() + TraceFields(env.sender, (*user)->address).size();
      if (!(*q)->Fits(octets, 1)) out.push_back({id, (*user)->address, i});
    }
  }
  return out;
}

bool WithoutUsers(Envelope& env, const std::vector<NoRoom>& full) {
  std::vector<Recipient> kept;
  for (Recipient& r : env.recipients) {
    bool was_local = !r.local_users.empty();
    std::erase_if(r.local_users, [&](store::UserId id) {
      return std::any_of(full.begin(), full.end(), [&](const NoRoom& n) { return n.user == id; });
    });
    if (!was_local || !r.local_users.empty()) kept.push_back(std::move(r));
  }
  env.recipients = std::move(kept);
  return !env.recipients.empty();
}

}  // namespace mailsuite::mta
