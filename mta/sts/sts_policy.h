// MTA-STS (RFC 8461), pure parts: the _mta-sts TXT record (3.1), the policy file (3.2) and MX
// pattern matching (4.1).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailsuite::mta::sts {

enum class Mode { kEnforce, kTesting, kNone };
const char* ModeName(Mode mode);

struct Policy {
  Mode mode = Mode::kNone;
  std::vector<std::string> mx;  // "mail.example.com", "*.example.net"
  int64_t max_age = 0;          // seconds
};

// The id of a "v=STSv1; id=..." record; nullopt when the text is not one.
std::optional<std::string> ParseTxtRecord(std::string_view text);

// The policy file's text; nullopt when it is not a valid STSv1 policy.
std::optional<Policy> ParsePolicy(std::string_view text);

// Does `host` (an MX name) match one of the policy's patterns? "*.example.net" matches exactly
// one more label on the left (4.1).
bool MxMatches(const Policy& policy, const std::string& host);

}  // namespace mailsuite::mta::sts
