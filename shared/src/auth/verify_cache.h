// Internal to password.cpp: the verification cache's lookups (see SetVerifyCache).
#pragma once

#include <string_view>

namespace mailsuite::auth {

bool RecentlyVerified(std::string_view password, std::string_view encoded);
void RememberVerified(std::string_view password, std::string_view encoded);

}  // namespace mailsuite::auth
