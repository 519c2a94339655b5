// Binary content made storable as text: what APPEND of a literal8 (RFC 3516 4.4) keeps, so that
// BODY[] never has to send a NUL (no IMAP literal may hold one) and BINARY[] still returns the
// octets appended. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mailsuite::mail {

// `message` with its leaf parts that hold NUL octets or say "binary" rewritten as base64 (their
// Content-Transfer-Encoding field replaced), and a multipart or message part that said
// "binary" saying "8bit" (RFC 2045 6.4: its parts are now 7bit or 8bit); nullopt when no part
// needs it. Every other byte is kept as it is.
std::optional<std::string> EncodeBinaryParts(std::string_view message);

}  // namespace mailsuite::mail
