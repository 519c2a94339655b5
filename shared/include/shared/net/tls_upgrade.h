// The server side of STARTTLS/STLS after the "go ahead" reply: upgrade the connection, log what
// happened, and say whether the session may go on. Every protocol then forgets what it learned
// before TLS (RFC 3207 4.2, RFC 2595 3.1), in its own way.
#pragma once

#include <string>

#include "shared/logging.h"
#include "shared/net/line_connection.h"

namespace mailsuite::net {

// False when the handshake failed: the connection is then unusable and the session must end.
// Plaintext the client pipelined after `command` is discarded (CVE-2011-0411) and logged.
bool UpgradeToTls(LineConnection& conn, const SessionLog& log, const std::string& command);

}  // namespace mailsuite::net
