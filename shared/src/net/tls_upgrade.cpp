#include "shared/net/tls_upgrade.h"

namespace mailsuite::net {

bool BeginTls(LineConnection& conn, const SessionLog& log, const std::string& command) {
  size_t discarded = 0;
  if (!conn.RequestTls(&discarded)) return false;
  if (discarded > 0)
    log.Warning("discarded " + std::to_string(discarded) + " plaintext bytes pipelined after " +
                command);
  return true;
}

}  // namespace mailsuite::net
