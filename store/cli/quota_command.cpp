// mailsuite user quota ADDRESS [STORAGE [MESSAGES]]: shows a user's usage and limits, or sets
// their own limits. A value is a size ("2G", "500M", octets) or count, "unlimited" (0: no
// limit), or "default" (the config's quota.storage / quota.messages apply again).
#include <charconv>
#include <cstdint>
#include <iostream>

#include "cli_common.h"
#include "shared/byte_size.h"
#include "shared/config.h"
#include "store/quota.h"

namespace mailsuite::cli {
namespace {

// The limit a word asks for: nullopt inside for "default"; false when it is none of the forms.
bool ParseLimit(const std::string& word, bool size, std::optional<uint64_t>& out) {
  if (word == "default") {
    out.reset();
    return true;
  }
  if (word == "unlimited" || word == "none") {
    out = 0;
    return true;
  }
  // The store keeps limits as signed 64-bit numbers.
  constexpr uint64_t kMax = static_cast<uint64_t>(INT64_MAX);
  if (size) {
    out = ParseByteSize(word);
    return out.has_value() && *out <= kMax;
  }
  uint64_t count = 0;
  auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), count);
  if (ec != std::errc() || end != word.data() + word.size() || count > kMax) return false;
  out = count;
  return true;
}

std::string Describe(uint64_t used, uint64_t limit, bool own, bool size) {
  auto text = [size](uint64_t n) { return size ? FormatByteSize(n) : std::to_string(n); };
  std::string out = text(used) + " of ";
  if (limit == 0) {
    out += "no limit";
  } else {
    out += text(limit) + " (" + std::to_string(used * 100 / limit) + "%)";
  }
  return out + (own ? ", the user's own limit" : ", the default");
}

}  // namespace

int RunQuotaCommand(const GlobalOptions& options, const std::vector<std::string>& words) {
  if (words.empty() || words.size() > 3)
    return UsageError("usage: user quota ADDRESS [STORAGE|unlimited|default [MESSAGES]]");
  const std::string& address = words[0];
  const std::string subject = "user " + address;
  Result<Config> config = LoadConfig(options.config_path, options.overrides);
  if (!config.ok()) return Fail(config.error());
  auto store = OpenConfiguredStore(options);
  if (!store.ok()) return Fail(store.error());
  auto user = (*store)->FindUser(address);
  if (!user.ok()) return Fail(subject, user.error());
  if (!user->has_value()) return Fail(subject, "user " + address + " does not exist");

  auto usage = (*store)->GetQuota((*user)->id);
  if (!usage.ok()) return Fail(subject, usage.error());
  if (!usage->has_value()) return Fail(subject, "user " + address + " does not exist");
  store::QuotaLimits limits = (*usage)->limits;
  if (words.size() >= 2) {
    if (!ParseLimit(words[1], true, limits.storage))
      return UsageError("'" + words[1] + "' is not a size (2G, 500M, unlimited or default)");
    if (words.size() == 3 && !ParseLimit(words[2], false, limits.messages))
      return UsageError("'" + words[2] + "' is not a count (10000, unlimited or default)");
    Status s = (*store)->SetQuotaLimits(address, limits);
    if (!s.ok()) return Fail(subject, s.message());
    (*usage)->limits = limits;
  }
  store::Quota q = store::EffectiveQuota(**usage, config->quota);
  std::cout << (*user)->address << "\n"
            << "  storage:  "
            << Describe(q.storage_used, q.storage_limit, limits.storage.has_value(), true) << "\n"
            << "  messages: "
            << Describe(q.messages_used, q.messages_limit, limits.messages.has_value(), false)
            << "\n";
  return kExitOk;
}

}  // namespace mailsuite::cli
