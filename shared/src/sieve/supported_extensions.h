// The `require` names this implementation accepts (RFC 5228 3.2), lower case.
#pragma once

#include <string_view>

namespace mailsuite::sieve {

bool IsSupportedExtension(std::string_view name);

}  // namespace mailsuite::sieve
