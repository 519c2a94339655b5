// Names of users' Sieve scripts (RFC 5804 1.6): what the CLI and ManageSieve accept.
#pragma once

#include <string>
#include <string_view>

namespace mailsuite::sieve {

// Empty when `name` is a good script name; else why not ("contains a control character").
// RFC 5804 1.6: at least one octet, UTF-8, no control characters (0000-001F, 007F-009F),
// no U+2028/U+2029; we also cap it at 512 octets.
std::string ScriptNameProblem(std::string_view name);

}  // namespace mailsuite::sieve
