// What a ManageSieve server sends (RFC 5804 4): strings, quoted when they can be and literals
// "{n}" otherwise, and the OK/NO/BYE responses with their optional code and text. Pure.
#pragma once

#include <string>
#include <string_view>

namespace mailsuite::managesieve {

// `value` as a quoted string, or as a literal-s2c "{n}\r\n…" when it holds a CR, LF or NUL or is
// longer than a quoted string may be.
std::string EncodeString(std::string_view value);

// "OK", "NO" or "BYE", then " (code)" when `code` is not empty (it is written as given: an atom
// such as "NONEXISTENT" or "TAG {…}" already encoded), then the human-readable text as a
// string when not empty; CRLF at the end.
std::string Response(std::string_view kind, std::string_view code, std::string_view text);

}  // namespace mailsuite::managesieve
