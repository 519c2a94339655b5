// Delivering queued messages to the recipients of one domain: find the servers (MX, the
// implicit MX, or the smarthost), try them in order, and report one outcome per recipient.
// Permanent DNS answers (NXDOMAIN, null MX) fail the recipients; anything the network or a
// server might fix later is temporary.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "../dns/resolver.h"
#include "../sts/sts_cache.h"
#include "shared/config.h"
#include "smtp_client.h"

namespace mailsuite::mta {

enum class RecipientOutcome { kDelivered, kTemporary, kPermanent };

struct RecipientResult {
  RecipientOutcome outcome = RecipientOutcome::kTemporary;
  std::string status;          // enhanced status, e.g. "5.1.1"
  std::string diagnostic;      // "smtp; 550 5.1.1 User unknown" or a local reason
  std::string remote;          // the server that answered, if any
  bool dsn_passed_on = false;  // the remote server took NOTIFY and reports success itself
};

struct RelaySettings {
  std::string helo_name;
  uint16_t port = 25;
  TlsPolicy tls = TlsPolicy::kMay;
  std::string smarthost;  // "host:port" or empty
  std::string smarthost_user;
  std::string smarthost_password;
  std::string tls_ca_file;
  sts::PolicyCache* mta_sts = nullptr;  // null: MTA-STS is off
};

// Called once per message, as soon as its outcome is known, with one result per recipient in
// order: the caller records it before the next message is sent.
using ResultSink = std::function<void(size_t message_index, const std::vector<RecipientResult>&)>;

// Every recipient of every message belongs to `domain`. The messages go over one connection
// (saving a handshake per message); each message's results go to `sink` at once.
void DeliverToDomain(const std::string& domain, const std::vector<OutboundMessage>& messages,
                     const RelaySettings& settings, const Resolver& resolver,
                     const ResultSink& sink);

}  // namespace mailsuite::mta
