// Mailbox names between UTF-8 and modified UTF-7 (RFC 3501 5.1.3). The store keeps names as
// IMAP4rev1 clients send them, in modified UTF-7; a session that enabled UTF8=ACCEPT
// (RFC 6855 3) speaks UTF-8 names, converted here at the protocol edge. Pure; strict: anything
// that is not valid UTF-8 (or valid modified UTF-7) gives nullopt, never a guess.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mailsuite::imapd {

// "Entwürfe" -> "Entw&APw-rfe", "R&D" -> "R&-D".
std::optional<std::string> Utf8ToMailboxUtf7(std::string_view utf8);
// The reverse; also refuses non-canonical forms (an encoded printable ASCII character).
std::optional<std::string> MailboxUtf7ToUtf8(std::string_view utf7);
// Whether `text` is well-formed UTF-8 (no overlong forms, surrogates or values > U+10FFFF).
bool IsValidUtf8(std::string_view text);

}  // namespace mailsuite::imapd
