#include <algorithm>

#include "shared/sieve/sieve.h"
#include "supported_extensions.h"

namespace mailsuite::sieve {

const std::vector<std::string>& SupportedExtensions() {
  // The two comparators every implementation has (RFC 5228 2.7.3) are listed as Dovecot lists
  // them, so scripts that require them by name compile.
  static const std::vector<std::string> kExtensions = {
      "body",                        // RFC 5173
      "comparator-i;ascii-casemap",  // RFC 4790 9.2
      "comparator-i;ascii-numeric",  // RFC 4790 9.1
      "comparator-i;octet",          // RFC 4790 9.3
      "copy",                        // RFC 3894
      "date",                        // RFC 5260 4, 5
      "encoded-character",           // RFC 5228 2.4.2.4
      "envelope",                    // RFC 5228 5.4
      "ereject",                     // RFC 5429 2.2
      "fileinto",                    // RFC 5228 4.1
      "imap4flags",                  // RFC 5232
      "index",                       // RFC 5260 6
      "mailbox",                     // RFC 5490 3 (fileinto :create only)
      "reject",                      // RFC 5429 2.1
      "relational",                  // RFC 5231
      "vacation",                    // RFC 5230
      "vacation-seconds",            // RFC 6131
      "variables",                   // RFC 5229
  };
  return kExtensions;
}

bool IsSupportedExtension(std::string_view name) {
  const auto& all = SupportedExtensions();
  return std::find(all.begin(), all.end(), name) != all.end();
}

}  // namespace mailsuite::sieve
