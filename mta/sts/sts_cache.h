// MTA-STS policy discovery for relay (RFC 8461 3.3, 5.1): the _mta-sts TXT record says which
// policy id is current; the policy itself comes over HTTPS from
// https://mta-sts.<domain>/.well-known/mta-sts.txt, with a certificate valid for that name, no
// redirects, at most 64 KB, and is kept until its max_age runs out. A fetch that fails keeps
// the cached policy; a domain that never had one has none. Used by the queue runner's workers
// on several threads.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "../dns/resolver.h"
#include "shared/result.h"
#include "sts_policy.h"

namespace mailsuite::mta::sts {

struct FetchSettings {
  uint16_t port = 443;
  std::string ca_file;  // extra trusted CAs (tests, private CAs); the system's are always used
  std::chrono::seconds timeout{10};
};

class PolicyCache {
 public:
  PolicyCache(const Resolver& resolver, FetchSettings settings)
      : resolver_(resolver), settings_(std::move(settings)) {}

  // The policy in force for `domain` at `now` (Unix time), or nullopt.
  std::optional<Policy> PolicyFor(const std::string& domain, int64_t now);

 private:
  Result<std::string> Fetch(const std::string& domain) const;

  struct Entry {
    std::string id;
    Policy policy;
    int64_t expires = 0;
  };
  const Resolver& resolver_;
  FetchSettings settings_;
  std::mutex mu_;
  std::map<std::string, Entry> cache_;
};

}  // namespace mailsuite::mta::sts
