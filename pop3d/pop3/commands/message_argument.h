// The message-number argument of LIST, UIDL, RETR, TOP and DELE (RFC 1939 5): parsed, looked up
// in the session's maildrop, and answered with -ERR when it is malformed or names no message.
#pragma once

#include <string_view>

#include "../session.h"

namespace mailsuite::pop3d {

// Returns the message, or nullptr after replying "-ERR". `usage` is the syntax line for a
// malformed number ("RETR message"). A deleted message is "no such message" (RFC 1939 5).
const MaildropMessage* FindMessage(Pop3Session& s, std::string_view number, std::string_view usage);

}  // namespace mailsuite::pop3d
