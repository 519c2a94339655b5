// The MIME parser and everything FETCH renders from its tree (RFC 9051 7.5.2: ENVELOPE,
// BODY/BODYSTRUCTURE both ways, sections), the metadata serialisation round trip, transfer
// decoding, parameter and header decoding, and the base64 rewrite of binary parts.
#include <algorithm>

#include "../fuzz_target.h"
#include "shared/mail/binary_parts.h"
#include "shared/mail/mime.h"
#include "shared/mail/text_decode.h"
#include "shared/mail/transfer_encoding.h"

namespace mailsuite::mail {
namespace {

// What FETCH reads of the part `path` names (`part`): the ranges of its sections lie inside the
// message, and its content decodes.
void Check(const MimeTree& tree, const MimePart& part, std::string_view message,
           const std::vector<uint32_t>& path) {
  FUZZ_CHECK(part.offset + part.size() <= message.size());
  if (!path.empty()) FUZZ_CHECK(FindPart(tree, path) == &part);
  for (SectionText t :
       {SectionText::kAll, SectionText::kHeader, SectionText::kText, SectionText::kMime})
    if (auto r = SectionRange(tree, path, t)) FUZZ_CHECK(r->offset + r->size <= message.size());
  std::string_view body = message.substr(part.body_offset(), part.body_size);
  (void)DecodeTransferEncoding(part.encoding, body);
  (void)DecodeParamUtf8(part.params, "charset");
  (void)DecodeParamUtf8(part.disposition_params, "filename");
  (void)DecodeHeaderText(message.substr(part.offset, part.header_size));
}

// The parts numbered below `path`, which names `part` (RFC 9051 6.4.5): a multipart's parts are
// .1, .2, …; after a message part they number the encapsulated message's parts, or .1 is that
// message when it has none.
void Children(const MimeTree& tree, const MimePart& part, std::string_view message,
              std::vector<uint32_t>& path, int& budget) {
  const MimePart* numbered = part.IsMessage() ? &part.children[0] : &part;
  if (numbered->IsMultipart()) {
    for (size_t i = 0; i < numbered->children.size() && --budget > 0; ++i) {
      path.push_back(static_cast<uint32_t>(i + 1));
      Check(tree, numbered->children[i], message, path);
      Children(tree, numbered->children[i], message, path, budget);
      path.pop_back();
    }
  } else if (part.IsMessage() && --budget > 0) {
    path.push_back(1);
    Check(tree, *numbered, message, path);
    Children(tree, *numbered, message, path, budget);
    path.pop_back();
  }
}

MAILSUITE_FUZZ_TARGET(mime_message) {
  MimeLimits limits;
  limits.max_depth = 16;
  limits.max_parts = 200;
  MimeTree tree = ParseMime(input, limits);
  FUZZ_CHECK(tree.root.envelope.has_value());
  (void)RenderEnvelope(*tree.root.envelope);
  (void)RenderBodyStructure(tree.root, false);
  (void)RenderBodyStructure(tree.root, true, true);
  auto loaded = DeserializeMimeTree(SerializeMimeTree(tree));
  FUZZ_CHECK(loaded.ok() && *loaded == tree);  // the cache says what the parse said
  (void)DeserializeMimeTree(input);            // and a broken cache never crashes
  std::vector<uint32_t> path;
  int budget = 300;
  Check(tree, tree.root, input, path);
  if (tree.root.IsMultipart()) {
    Children(tree, tree.root, input, path, budget);
  } else {  // a non-multipart message: part 1 is the message itself
    path.push_back(1);
    Check(tree, tree.root, input, path);
    Children(tree, tree.root, input, path, budget);
  }
  if (auto rewritten = EncodeBinaryParts(input)) {
    // What APPEND stores parses again into as many parts.
    MimeTree again = ParseMime(*rewritten, limits);
    FUZZ_CHECK(again.root.children.size() == tree.root.children.size());
  }
}

}  // namespace
}  // namespace mailsuite::mail
