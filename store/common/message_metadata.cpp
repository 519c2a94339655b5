#include "message_metadata.h"

#include "shared/mail/mime.h"

namespace mailsuite::store {

std::string MessageMetadata(const std::string& content, const std::string& given) {
  if (!given.empty()) return given;
  return mail::SerializeMimeTree(mail::ParseMime(content));
}

}  // namespace mailsuite::store
