// The POP3 placeholder session until the POP3 daemon lands: +OK greeting, +OK to QUIT, -ERR to
// every other command. No mailbox is opened yet.
#pragma once

#include "shared/net/line_server.h"

namespace mailsuite::pop3d {

void RunGreetingSession(net::LineConnection& conn, const net::ConnectionInfo& info);

}  // namespace mailsuite::pop3d
