#include "shared/net/tls_upgrade.h"

namespace mailsuite::net {

bool UpgradeToTls(LineConnection& conn, const SessionLog& log, const std::string& command) {
  size_t discarded = 0;
  if (!conn.StartTls(&discarded)) {
    log.Info("TLS handshake failed");
    return false;
  }
  if (discarded > 0)
    log.Warning("discarded " + std::to_string(discarded) + " plaintext bytes pipelined after " +
                command);
  log.Info("TLS started");
  return true;
}

}  // namespace mailsuite::net
