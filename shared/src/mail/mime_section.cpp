// BODY[section] lookups (RFC 3501 6.4.5) over a parsed tree.
#include "shared/mail/mime.h"

namespace mailsuite::mail {

const MimePart* FindPart(const MimeTree& tree, std::span<const uint32_t> section) {
  const MimePart* current = &tree.root;
  bool in_message = true;  // `current` is a message whose parts the next number indexes
  for (uint32_t n : section) {
    const MimePart* container = current;
    if (!in_message) {
      if (!current->IsMessage() && !current->IsMultipart()) return nullptr;  // a leaf has no parts
      if (current->IsMessage()) container = &current->children[0];
    }
    if (container->IsMultipart()) {
      if (n < 1 || n > container->children.size()) return nullptr;
      current = &container->children[n - 1];
    } else if (n == 1) {
      current = container;  // a non-multipart message's part 1 is its body
    } else {
      return nullptr;
    }
    in_message = false;
  }
  return current;
}

std::optional<ByteRange> SectionRange(const MimeTree& tree, std::span<const uint32_t> section,
                                      SectionText text) {
  const MimePart* part = section.empty() ? &tree.root : FindPart(tree, section);
  if (part == nullptr) return std::nullopt;
  if (section.empty() || text == SectionText::kHeader || text == SectionText::kText) {
    if (!section.empty()) {
      if (!part->IsMessage()) return std::nullopt;
      part = &part->children[0];  // HEADER and TEXT of a message/rfc822 part: its message
    }
    switch (text) {
      case SectionText::kAll:
        return ByteRange{part->offset, part->size()};
      case SectionText::kHeader:
        return ByteRange{part->offset, part->header_size};
      case SectionText::kText:
        return ByteRange{part->body_offset(), part->body_size};
      case SectionText::kMime:
        return std::nullopt;  // MIME needs a part number
    }
  }
  if (text == SectionText::kMime) return ByteRange{part->offset, part->header_size};
  return ByteRange{part->body_offset(), part->body_size};
}

}  // namespace mailsuite::mail
