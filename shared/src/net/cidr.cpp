#include "shared/net/cidr.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace mailsuite::net {
namespace {

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  return std::string(s.substr(b, s.find_last_not_of(" \t") - b + 1));
}

bool ParseAddress(const std::string& text, Network& out) {
  if (inet_pton(AF_INET, text.c_str(), out.bytes.data()) == 1) {
    out.v6 = false;
    return true;
  }
  if (inet_pton(AF_INET6, text.c_str(), out.bytes.data()) == 1) {
    out.v6 = true;
    return true;
  }
  return false;
}

bool Matches(const Network& net, const Network& addr) {
  if (net.v6 != addr.v6) return false;
  int bits = net.prefix;
  for (size_t i = 0; bits > 0; ++i, bits -= 8) {
    unsigned char mask = bits >= 8 ? 0xff : static_cast<unsigned char>(0xff << (8 - bits));
    if ((net.bytes[i] & mask) != (addr.bytes[i] & mask)) return false;
  }
  return true;
}

}  // namespace

Result<std::vector<Network>> ParseNetworks(std::string_view text) {
  std::vector<Network> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string item =
        Trim(text.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (!item.empty()) {
      Network n;
      size_t slash = item.find('/');
      if (!ParseAddress(item.substr(0, slash), n))
        return Status::Error("'" + item + "' is not an IP network");
      int max = n.v6 ? 128 : 32;
      n.prefix = max;
      if (slash != std::string::npos) {
        std::string p = item.substr(slash + 1);
        auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), n.prefix);
        if (p.empty() || ec != std::errc() || end != p.data() + p.size() || n.prefix < 0 ||
            n.prefix > max)
          return Status::Error("'" + item + "' has a bad prefix length");
      }
      out.push_back(n);
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

bool InNetworks(const std::string& address, const std::vector<Network>& networks) {
  Network a;
  if (!ParseAddress(address, a)) return false;
  // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is matched as IPv4.
  static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (a.v6 && std::equal(kMapped, kMapped + 12, a.bytes.begin())) {
    Network v4;
    std::copy(a.bytes.begin() + 12, a.bytes.end(), v4.bytes.begin());
    a = v4;
  }
  for (const Network& n : networks)
    if (Matches(n, a)) return true;
  return false;
}

}  // namespace mailsuite::net
