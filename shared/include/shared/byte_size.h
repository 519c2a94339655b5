// Sizes as people write them in configs and on command lines: "2G", "500M", "64K", "1048576".
// Suffixes are binary (K = 1024 octets), as Dovecot's and Postfix's sizes are; case does not
// matter and a trailing "B" or "iB" is allowed ("2GiB", "500MB").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mailsuite {

// nullopt for anything else (no digits, an unknown suffix, overflow).
std::optional<uint64_t> ParseByteSize(std::string_view text);

// "0 B", "512 B", "1.5 KiB", "2.0 GiB": for people, one decimal.
std::string FormatByteSize(uint64_t octets);

}  // namespace mailsuite
