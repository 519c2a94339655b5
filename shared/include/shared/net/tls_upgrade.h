// The server side of STARTTLS/STLS after the "go ahead" reply: ask for the upgrade and log what
// was discarded. The handshake itself runs once the session's step returns (LineServer, while
// the session waits in the parking lot), which logs "TLS started" or why not. Every protocol
// forgets at once what it learned before TLS (RFC 3207 4.2, RFC 2595 3.1), in its own way: the
// next command it reads is the first one under TLS.
#pragma once

#include <string>

#include "shared/logging.h"
#include "shared/net/line_connection.h"

namespace mailsuite::net {

// False when the reply could not be sent: the connection is gone and the session must end.
// Plaintext the client pipelined after `command` is discarded (CVE-2011-0411) and logged.
bool BeginTls(LineConnection& conn, const SessionLog& log, const std::string& command);

}  // namespace mailsuite::net
