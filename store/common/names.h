// Validation and normalisation of the names the store keeps: domains, addresses, mailbox
// names, keywords; plus the content hash. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/result.h"
#include "store/flags.h"
#include "store/types.h"

namespace mailsuite::store {

std::string AsciiLower(std::string_view text);

// "Example.TEST" -> "example.test"; rejects empty labels and characters outside [a-z0-9-].
Result<std::string> NormalizeDomain(std::string_view domain);

struct Address {
  std::string full;   // "local@domain", lower-cased ("@domain" for a catch-all)
  std::string local;  // empty for a catch-all
  std::string domain;
};
// Lower-cases and checks "local@domain". With allow_catch_all, "@domain" is accepted too.
Result<Address> NormalizeAddress(std::string_view address, bool allow_catch_all = false);

// A quota limit as both backends keep it (users.quota_storage, quota_messages): -1 for
// nullopt (the configured default), else the limit (0: none).
inline int64_t QuotaLimitColumn(const std::optional<uint64_t>& limit) {
  return limit ? static_cast<int64_t>(*limit) : -1;
}
inline std::optional<uint64_t> QuotaLimitValue(int64_t column) {
  if (column < 0) return std::nullopt;
  return static_cast<uint64_t>(column);
}

// Checks a mailbox name and spells a leading INBOX component in upper case.
Result<std::string> NormalizeMailboxName(std::string_view name);
bool IsInbox(std::string_view normalized_name);

// Keywords are stored as one space-separated, sorted string.
Status ValidateKeywords(const std::vector<std::string>& keywords);
std::string EncodeKeywords(std::vector<std::string> keywords);
std::vector<std::string> DecodeKeywords(std::string_view text);

// SHA-256 of the content (raw 32 bytes).
std::string ContentHash(std::string_view content);

int64_t NowSeconds();

}  // namespace mailsuite::store
