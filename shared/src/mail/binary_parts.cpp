#include "shared/mail/binary_parts.h"

#include <strings.h>

#include "shared/mail/mime.h"
#include "shared/mail/transfer_encoding.h"

namespace mailsuite::mail {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

bool NeedsBase64(const MimePart& part, std::string_view message) {
  if (part.encoding == "base64" || part.encoding == "quoted-printable") return false;
  if (part.encoding == "binary") return true;
  return message.substr(part.body_offset(), part.body_size).find('\0') != std::string_view::npos;
}

// The part's header without its Content-Transfer-Encoding fields, with `encoding` instead,
// before the blank line that ends it.
std::string WithEncoding(std::string_view header, std::string_view encoding) {
  std::string out;
  bool skipping = false;
  size_t pos = 0;
  while (pos < header.size()) {
    size_t eol = header.find('\n', pos);
    size_t next = eol == std::string_view::npos ? header.size() : eol + 1;
    std::string_view line = header.substr(pos, next - pos);
    pos = next;
    if (line == "\r\n" || line == "\n") break;
    if (!IsSpace(line[0])) {
      constexpr std::string_view kName = "content-transfer-encoding:";
      skipping =
          line.size() >= kName.size() && strncasecmp(line.data(), kName.data(), kName.size()) == 0;
    }
    if (!skipping) out.append(line);
  }
  out += "Content-Transfer-Encoding: ";
  out += encoding;
  out += "\r\n\r\n";
  return out;
}

// Appends `message` from *copied up to the end of `part`, rewriting the parts that need it.
void Rewrite(const MimePart& part, std::string_view message, uint64_t* copied, std::string& out,
             bool* changed) {
  if (!part.children.empty()) {
    if (part.encoding == "binary" && part.offset >= *copied) {
      out.append(message.substr(*copied, part.offset - *copied));
      out += WithEncoding(message.substr(part.offset, part.header_size), "8bit");
      *copied = part.body_offset();
      *changed = true;
    }
    for (const MimePart& child : part.children) Rewrite(child, message, copied, out, changed);
    return;
  }
  if (!NeedsBase64(part, message) || part.offset < *copied) return;
  out.append(message.substr(*copied, part.offset - *copied));
  out += WithEncoding(message.substr(part.offset, part.header_size), "base64");
  out += EncodeBase64Lines(message.substr(part.body_offset(), part.body_size));
  *copied = part.body_offset() + part.body_size;
  *changed = true;
}

}  // namespace

std::optional<std::string> EncodeBinaryParts(std::string_view message) {
  MimeTree tree = ParseMime(message);
  std::string out;
  uint64_t copied = 0;
  bool changed = false;
  Rewrite(tree.root, message, &copied, out, &changed);
  if (!changed) return std::nullopt;
  if (copied < message.size()) out.append(message.substr(copied));
  return out;
}

}  // namespace mailsuite::mail
