// MessageSource: what FETCH and SEARCH need of one message, each part read only when asked for
// and at most once: the MIME tree from the metadata cached at delivery (which describes the
// shared body, without the per-recipient header prefix; parsed from the text when that cache
// is missing or broken), the header block alone, byte ranges, and the text opened for
// streaming. A header read never reads the body; no method holds the whole text except the
// fallback parse of a message without usable metadata.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "shared/mail/mime.h"
#include "store/store.h"

namespace mailsuite::imapd {

class MessageSource {
 public:
  MessageSource(store::Store& store, const store::MessageInfo& info) : store_(store), info_(info) {}
  MessageSource(const MessageSource&) = delete;
  MessageSource& operator=(const MessageSource&) = delete;

  // The tree with offsets into the whole text (header prefix included); null if the message
  // cannot be read (error() says why).
  const mail::MimeTree* Tree();
  // The header block, up to and including the blank line that ends it (the whole text when
  // there is none). Null if the message cannot be read.
  const std::string* Header();
  // Octets [range.offset, range.offset + range.size) of the text; nullopt if it cannot be read.
  std::optional<std::string> Read(const mail::ByteRange& range);
  // The text opened for reading in chunks, its size checked against the message row; null if
  // the message cannot be read.
  store::ContentReader* Reader();
  // Whether the body (body_only) or the whole text contains `needle`, ASCII case-insensitively
  // (SEARCH BODY / TEXT), read chunk by chunk. nullopt if the message cannot be read.
  std::optional<bool> Contains(std::string_view needle, bool body_only);

  // The first failure, for the log.
  const std::string& error() const { return error_; }

 private:
  bool Fail(const std::string& what);

  store::Store& store_;
  const store::MessageInfo& info_;
  std::optional<mail::MimeTree> tree_;
  bool tree_tried_ = false;
  std::optional<std::string> header_;
  bool header_tried_ = false;
  std::unique_ptr<store::ContentReader> reader_;
  std::string error_;
};

}  // namespace mailsuite::imapd
