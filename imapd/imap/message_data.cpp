#include "message_data.h"

#include "format.h"

namespace mailsuite::imapd {
namespace {

// What SEARCH BODY/TEXT reads at a time.
constexpr uint64_t kSearchChunk = 256 * 1024;

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
  store::ContentReader* reader = Reader();
  if (!reader) return nullptr;
  std::string text;
  Status st = reader->Read(0, reader->size(), text);
  if (!st.ok()) {
    Fail(st.message());
    return nullptr;
  }
  tree_ = mail::ParseMime(text);
  return &*tree_;
}

const std::string* MessageSource::Header() {
  if (header_tried_) return header_ ? &*header_ : nullptr;
  header_tried_ = true;
  const mail::MimeTree* tree = Tree();
  if (!tree) return nullptr;
  header_ = Read({0, tree->root.header_size});
  return header_ ? &*header_ : nullptr;
}

std::optional<std::string> MessageSource::Read(const mail::ByteRange& range) {
  if (reader_) {
    std::string out;
    Status st = reader_->Read(range.offset, range.size, out);
    if (!st.ok()) {
      Fail(st.message());
      return std::nullopt;
    }
    return out;
  }
  auto out = store_.ReadContentRange(info_.mailbox_id, info_.uid, range.offset, range.size);
  if (!out) {
    Fail(out.error());
    return std::nullopt;
  }
  return std::move(out).value();
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

std::optional<bool> MessageSource::Contains(std::string_view needle, bool body_only) {
  uint64_t from = 0;
  if (body_only) {
    const mail::MimeTree* tree = Tree();
    if (!tree) return std::nullopt;
    from = tree->root.body_offset();
  }
  store::ContentReader* reader = Reader();
  if (!reader) return std::nullopt;
  if (needle.empty()) return true;
  // Each read is appended behind the last needle.size() - 1 octets of the one before, so a
  // match across a chunk edge is found.
  std::string window;
  window.reserve(kSearchChunk + needle.size());
  for (uint64_t offset = from; offset < reader->size(); offset += kSearchChunk) {
    if (window.size() >= needle.size()) window.erase(0, window.size() - (needle.size() - 1));
    Status st = reader->Read(offset, kSearchChunk, window);
    if (!st.ok()) {
      Fail(st.message());
      return std::nullopt;
    }
    if (ContainsNoCase(window, needle)) return true;
  }
  return false;
}

}  // namespace mailsuite::imapd
