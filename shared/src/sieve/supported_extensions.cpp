#include <algorithm>

#include "shared/sieve/sieve.h"
#include "supported_extensions.h"

namespace mailsuite::sieve {

const std::vector<std::string>& SupportedExtensions() {
  // The two comparators every implementation has (RFC 5228 2.7.3) are listed as Dovecot lists
  // them, so scripts that require them by name compile.
  static const std::vector<std::string> kExtensions = {
      "comparator-i;ascii-casemap",  // RFC 4790 9.2
      "comparator-i;ascii-numeric",  // RFC 4790 9.1
      "comparator-i;octet",          // RFC 4790 9.3
      "copy",                        // RFC 3894
      "envelope",                    // RFC 5228 5.4
      "fileinto",                    // RFC 5228 4.1
      "mailbox",                     // RFC 5490 3 (fileinto :create only)
      "relational",                  // RFC 5231
  };
  return kExtensions;
}

bool IsSupportedExtension(std::string_view name) {
  const auto& all = SupportedExtensions();
  return std::find(all.begin(), all.end(), name) != all.end();
}

}  // namespace mailsuite::sieve
