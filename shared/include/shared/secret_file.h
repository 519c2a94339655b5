// A password kept in a file of its own (store.password_file, metrics.password_file): its first
// line, without a trailing CR. `key` names the setting in the error, "cannot read KEY PATH".
#pragma once

#include <string>
#include <string_view>

#include "shared/result.h"

namespace mailsuite {

Result<std::string> ReadSecretFile(const std::string& path, std::string_view key);

}  // namespace mailsuite
