// Sieve script names; see shared/sieve/script_name.h.
#include <Poco/UTF8Encoding.h>

#include "shared/sieve/script_name.h"

namespace mailsuite::sieve {

std::string ScriptNameProblem(std::string_view name) {
  if (name.empty()) return "is empty";
  if (name.size() > 512) return "is longer than 512 octets";
  Poco::UTF8Encoding utf8;
  const auto* p = reinterpret_cast<const unsigned char*>(name.data());
  const auto* end = p + name.size();
  while (p < end) {
    int length = utf8.sequenceLength(p, static_cast<int>(end - p));
    if (length <= 0 || length > end - p || !Poco::UTF8Encoding::isLegal(p, length))
      return "is not UTF-8";
    int c = utf8.queryConvert(p, length);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029)
      return "contains a control character";
    p += length;
  }
  return "";
}

}  // namespace mailsuite::sieve
