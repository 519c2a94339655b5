// IP networks in CIDR notation ("192.0.2.0/24", "::1/128", or a bare address) and membership
// tests, for trusted_networks. Pure.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "shared/result.h"

namespace mailsuite::net {

struct Network {
  bool v6 = false;
  std::array<unsigned char, 16> bytes{};
  int prefix = 0;
};

// A comma-separated list; empty text is an empty list.
Result<std::vector<Network>> ParseNetworks(std::string_view text);

// True if `address` ("192.0.2.7", "::1", "::ffff:192.0.2.7") is inside any of `networks`.
bool InNetworks(const std::string& address, const std::vector<Network>& networks);

}  // namespace mailsuite::net
