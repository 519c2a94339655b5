#include "message_data.h"

#include <algorithm>

#include "format.h"
#include "shared/mail/header_scan.h"
#include "shared/mail/text_decode.h"
#include "shared/mail/transfer_encoding.h"

namespace mailsuite::imapd {
namespace {

// What SEARCH BODY/TEXT reads of a big message at a time.
constexpr uint64_t kSearchChunk = 256 * 1024;

// Whether a message whose raw octets did not match might match once decoded: it has encoded
// words or encoded parts, or the needle is not ASCII (text in another charset).
bool MayNeedDecoding(std::string_view text, std::string_view needle) {
  for (unsigned char c : needle)
    if (c >= 0x80) return true;
  return text.find("=?") != std::string_view::npos || ContainsNoCase(text, "base64") ||
         ContainsNoCase(text, "quoted-printable");
}

}  // namespace

bool MessageSource::Fail(const std::string& what) {
  if (error_.empty()) error_ = what;
  return false;
}

const mail::MimeTree* MessageSource::Tree() {
  if (tree_tried_) return tree_ ? &*tree_ : nullptr;
  tree_tried_ = true;
  auto meta = store_.ReadMetadata(info_.mailbox_id, info_.uid);
  if (!meta) {
    Fail(meta.error());
    return nullptr;
  }
  if (!meta->empty()) {
    auto tree = mail::DeserializeMimeTree(*meta);
    // A cache that disagrees with the stored size is not trusted.
    if (tree && tree->root.size() + info_.header_prefix_size == static_cast<uint64_t>(info_.size)) {
      tree_ = std::move(tree).value();
      mail::AddHeaderPrefix(*tree_, info_.header_prefix_size);
      return &*tree_;
    }
  }
  // No usable cache: parse the text, held whole only for the parse.
  std::string big;
  const std::string* text = small() ? SmallText() : nullptr;
  if (!small()) {
    if (!Open() || !Read({0, static_cast<uint64_t>(info_.size)}, big)) return nullptr;
    text = &big;
  }
  if (!text) return nullptr;
  tree_ = mail::ParseMime(*text);
  return &*tree_;
}

const std::string* MessageSource::Header() {
  if (header_tried_) return header_ ? &*header_ : nullptr;
  header_tried_ = true;
  if (small()) {
    const std::string* text = SmallText();
    if (text) header_ = text->substr(0, mail::HeaderEnd(*text));
  } else if (const mail::MimeTree* tree = Tree()) {
    std::string out;
    if (Read({0, tree->root.header_size}, out)) header_ = std::move(out);
  }
  return header_ ? &*header_ : nullptr;
}

const std::string* MessageSource::SmallText() {
  if (small_text_) return &*small_text_;
  auto text =
      store_.ReadContentRange(info_.mailbox_id, info_.uid, 0, static_cast<uint64_t>(info_.size));
  if (!text) {
    Fail(text.error());
    return nullptr;
  }
  if (text->size() != static_cast<uint64_t>(info_.size)) {
    Fail("text of " + std::to_string(text->size()) + " octets, the row says " +
         std::to_string(info_.size));
    return nullptr;
  }
  small_text_ = std::move(text).value();
  return &*small_text_;
}

store::ContentReader* MessageSource::Reader() {
  if (reader_) return reader_.get();
  auto reader = store_.OpenContent(info_.mailbox_id, info_.uid);
  if (!reader) {
    Fail(reader.error());
    return nullptr;
  }
  if ((*reader)->size() != static_cast<uint64_t>(info_.size)) {
    Fail("text of " + std::to_string((*reader)->size()) + " octets, the row says " +
         std::to_string(info_.size));
    return nullptr;
  }
  reader_ = std::move(reader).value();
  return reader_.get();
}

bool MessageSource::Open() { return small() ? SmallText() != nullptr : Reader() != nullptr; }

bool MessageSource::Read(const mail::ByteRange& range, std::string& out) {
  if (small()) {
    const std::string* text = SmallText();
    if (!text) return false;
    if (range.offset < text->size()) out.append(*text, range.offset, range.size);
    return true;
  }
  if (reader_) {
    Status st = reader_->Read(range.offset, range.size, out);
    return st.ok() || Fail(st.message());
  }
  // A header or a partial of a big message: one store call, no reader kept.
  auto part = store_.ReadContentRange(info_.mailbox_id, info_.uid, range.offset, range.size);
  if (!part) return Fail(part.error());
  out.append(*part);
  return true;
}

std::optional<bool> MessageSource::Contains(std::string_view needle, bool body_only) {
  if (!small()) {
    // A big message is mostly attachments: its headers and text parts are read, decoded, and
    // nothing else (the raw scan of the whole text is only for a message without a tree).
    if (const mail::MimeTree* tree = Tree()) return DecodedContains(tree->root, needle, !body_only);
    return RawContains(needle, body_only);
  }
  std::optional<bool> raw = RawContains(needle, body_only);  // in memory: cheap
  if (!raw || *raw) return raw;
  if (!MayNeedDecoding(*SmallText(), needle)) return false;
  const mail::MimeTree* tree = Tree();
  if (!tree) return false;  // the raw octets did not match; nothing to decode them with
  return DecodedContains(tree->root, needle, !body_only);
}

bool MessageSource::DecodedContains(const mail::MimePart& part, std::string_view needle,
                                    bool with_header) {
  std::string bytes;
  if (with_header && Read({part.offset, part.header_size}, bytes) &&
      ContainsNoCase(mail::DecodeHeaderText(bytes), needle))
    return true;
  if (!part.children.empty()) {
    // A multipart's parts, or the message inside a message/rfc822 part: headers included, as
    // they are part of this body.
    for (const mail::MimePart& child : part.children)
      if (DecodedContains(child, needle, true)) return true;
    return false;
  }
  if (part.type != "text" && part.type != "message") return false;
  const std::string charset = mail::DecodeParam(part.params, "charset").value_or("");
  const bool as_is =
      (part.encoding == "7bit" || part.encoding == "8bit" || part.encoding == "binary") &&
      (part.type != "text" || !mail::ConvertsCharset(charset));
  if (as_is && part.body_size > kSearchChunk)  // a big text as it is: chunk by chunk
    return ScanContains(needle, part.body_offset(), part.body_offset() + part.body_size)
        .value_or(false);
  bytes.clear();
  if (!Read({part.body_offset(), part.body_size}, bytes)) return false;
  std::string text = mail::DecodeTransferEncoding(part.encoding, bytes).value_or(bytes);
  if (part.type == "text") text = mail::CharsetToUtf8(text, charset);
  return ContainsNoCase(text, needle);
}

std::optional<bool> MessageSource::RawContains(std::string_view needle, bool body_only) {
  if (small()) {
    const std::string* text = SmallText();
    if (!text) return std::nullopt;
    size_t from = body_only ? mail::HeaderEnd(*text) : 0;
    return ContainsNoCase(std::string_view(*text).substr(from), needle);
  }
  uint64_t from = 0;
  if (body_only) {
    const mail::MimeTree* tree = Tree();
    if (!tree) return std::nullopt;
    from = tree->root.body_offset();
  }
  store::ContentReader* reader = Reader();
  if (!reader) return std::nullopt;
  return ScanContains(needle, from, reader->size());
}

std::optional<bool> MessageSource::ScanContains(std::string_view needle, uint64_t from,
                                                uint64_t to) {
  store::ContentReader* reader = Reader();
  if (!reader) return std::nullopt;
  if (needle.empty()) return true;
  to = std::min(to, reader->size());
  // Each read is appended behind the last needle.size() - 1 octets of the one before, so a
  // match across a chunk edge is found.
  std::string window;
  window.reserve(kSearchChunk + needle.size());
  for (uint64_t offset = from; offset < to; offset += kSearchChunk) {
    if (window.size() >= needle.size()) window.erase(0, window.size() - (needle.size() - 1));
    Status st = reader->Read(offset, std::min(kSearchChunk, to - offset), window);
    if (!st.ok()) {
      Fail(st.message());
      return std::nullopt;
    }
    if (ContainsNoCase(window, needle)) return true;
  }
  return false;
}

}  // namespace mailsuite::imapd
