// MessageSource: what FETCH and SEARCH need of one message, each part read only when asked for
// and at most once: the MIME tree from the metadata cached at delivery (which describes the
// shared body, without the per-recipient header prefix; parsed from the text when that cache
// is missing or broken), the header block, byte ranges, and the text for streaming.
//
// A small message (most mail) is read whole in one store call the first time any of its bytes
// are needed: cheaper than several range reads. A big one is never held whole (except to parse
// it when its metadata is unusable): its header comes through the tree's header size, ranges
// are read by range, and streaming goes through a store::ContentReader.
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
  // Messages up to this size are read whole.
  static constexpr int64_t kSmallMessage = 64 * 1024;

  MessageSource(store::Store& store, const store::MessageInfo& info) : store_(store), info_(info) {}
  MessageSource(const MessageSource&) = delete;
  MessageSource& operator=(const MessageSource&) = delete;

  // The tree with offsets into the whole text (header prefix included); null if the message
  // cannot be read (error() says why).
  const mail::MimeTree* Tree();
  // The header block, up to and including the blank line that ends it (the whole text when
  // there is none). Null if the message cannot be read.
  const std::string* Header();
  // Makes the text readable before a response that streams it begins, so that a message gone
  // meanwhile is skipped rather than cut off: reads a small one, opens a big one. False if the
  // message cannot be read.
  bool Open();
  // Appends octets [range.offset, range.offset + range.size) of the text to `out`; false if they
  // cannot be read (out is then unchanged).
  bool Read(const mail::ByteRange& range, std::string& out);
  // Whether the body (body_only) or the whole text contains `needle`, ASCII case-insensitively
  // (SEARCH BODY / TEXT), as a reader sees it (RFC 9051 6.4.4): the headers with encoded words
  // decoded and the text parts decoded and in UTF-8. Parts that are not text/* or message/*
  // (attachments, which RFC 9051 6.4.4 lets a server skip) are not searched in a big message,
  // which is read part by part; a small one is first matched raw, in memory, and decoded only
  // when that fails and something in it is encoded. nullopt if the message cannot be read.
  std::optional<bool> Contains(std::string_view needle, bool body_only);

  // The first failure, for the log.
  const std::string& error() const { return error_; }

 private:
  bool small() const { return info_.size <= kSmallMessage; }
  // The whole text of a small message, read once; null if it cannot be read.
  const std::string* SmallText();
  // The big message's text opened for reading, its size checked against the row.
  store::ContentReader* Reader();
  bool Fail(const std::string& what);
  std::optional<bool> RawContains(std::string_view needle, bool body_only);
  // Whether octets [from, to) of a big message's text contain `needle`, read chunk by chunk.
  std::optional<bool> ScanContains(std::string_view needle, uint64_t from, uint64_t to);
  // The decoded pass of Contains over `part` (its header too when `with_header`).
  bool DecodedContains(const mail::MimePart& part, std::string_view needle, bool with_header);

  store::Store& store_;
  const store::MessageInfo& info_;
  std::optional<mail::MimeTree> tree_;
  bool tree_tried_ = false;
  std::optional<std::string> header_;
  bool header_tried_ = false;
  std::optional<std::string> small_text_;
  std::unique_ptr<store::ContentReader> reader_;
  std::string error_;
};

}  // namespace mailsuite::imapd
