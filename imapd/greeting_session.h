// The IMAP placeholder session until the IMAP daemon lands: an untagged OK greeting, BYE and a
// tagged OK to LOGOUT, a tagged BAD to every other command. No mailbox is opened yet.
#pragma once

#include "shared/net/line_server.h"

namespace mailsuite::imapd {

void RunGreetingSession(net::LineConnection& conn, const net::ConnectionInfo& info);

}  // namespace mailsuite::imapd
