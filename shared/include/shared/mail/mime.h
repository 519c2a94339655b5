// The RFC 5322 / MIME (RFC 2045-2049) structure of a message, as the IMAP server needs it: a part
// tree with byte offsets for BODY[section] (RFC 3501 6.4.5), the ENVELOPE and BODY/BODYSTRUCTURE
// strings (RFC 3501 7.4.2), and a compact serialisation so the parse runs once at delivery and is
// cached in the store's per-message `metadata`; FETCH then never re-parses a whole message.
//
// Pure: bytes in, structure out. No I/O, no logging, no store. Never decodes transfer encodings
// or encoded words (IMAP sends raw header values), never reads past its input, never fails:
// broken input gives the best structure it can. Nesting depth and part count are bounded.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "shared/result.h"

namespace mailsuite::mail {

// A Content-Type / Content-Disposition parameter. RFC 2231 continuations and charset forms are
// kept as written ("filename*0", "filename*1"), like Dovecot; see DecodeParam for the joined value.
struct MimeParam {
  std::string attribute;  // lower-cased
  std::string value;      // quotes and backslash escapes removed
  bool operator==(const MimeParam&) const = default;
};

// One entry of an ENVELOPE address list (RFC 3501 7.4.2). Group syntax becomes a start marker
// (mailbox = group name, host = nullopt) and an end marker (all nullopt). The source route of an
// obsolete route-addr is dropped (adl is always NIL). A mailbox without "@domain" gets host "".
struct EnvelopeAddress {
  std::optional<std::string> name;   // display name (or the comment of "a@b (Name)"), raw
  std::optional<std::string> route;  // obs-route "@a,@b" of "<@a,@b:u@h>" (RFC 5322 4.4)
  std::optional<std::string> mailbox;
  std::optional<std::string> host;
  bool operator==(const EnvelopeAddress&) const = default;
};

// Header values are raw (unfolded, trimmed, encoded words kept). nullopt = field absent; an
// empty list = field absent, empty or without any address.
struct Envelope {
  std::optional<std::string> date, subject, in_reply_to, message_id;
  std::vector<EnvelopeAddress> from, sender, reply_to, to, cc, bcc;
  bool operator==(const Envelope&) const = default;
};

// One MIME entity. Offsets are into the text given to ParseMime (see AddHeaderPrefix).
struct MimePart {
  uint64_t offset = 0;       // first byte of the header
  uint64_t header_size = 0;  // header including the blank line that ends it
  uint64_t body_size = 0;
  uint64_t body_lines = 0;  // LF count, +1 for an unterminated last line; text/* and message/rfc822

  std::string type = "text";      // lower-cased
  std::string subtype = "plain";  // lower-cased
  std::vector<MimeParam> params;
  std::optional<std::string> id, description, md5, location;  // raw header values
  std::string encoding = "7bit";                              // lower-cased
  std::optional<std::string> disposition;                     // lower-cased disposition type
  std::vector<MimeParam> disposition_params;
  std::vector<std::string> language;

  // Set on every message: the root, and the child of each message/rfc822 part.
  std::optional<Envelope> envelope;
  // multipart/*: its parts. message/rfc822: exactly one, the encapsulated message, whose header
  // is the inner message header and whose whole range is this part's body. Otherwise empty.
  std::vector<MimePart> children;

  uint64_t body_offset() const { return offset + header_size; }
  uint64_t size() const { return header_size + body_size; }
  bool IsMultipart() const { return type == "multipart" && !children.empty(); }
  bool IsMessage() const { return IsEncapsulating() && children.size() == 1; }
  // message/rfc822, or message/global (RFC 6532 3.5, as RFC 9051 6.4.5.1 and 7.5.2 treat it):
  // a type whose body is a whole message.
  bool IsEncapsulating() const {
    return type == "message" && (subtype == "rfc822" || subtype == "global");
  }
  bool operator==(const MimePart&) const = default;
};

struct MimeTree {
  MimePart root;  // the message itself; root.envelope is always set
  bool operator==(const MimeTree&) const = default;
};

struct MimeLimits {
  int max_depth = 64;        // multipart and message/rfc822 levels below the root
  size_t max_parts = 10000;  // MimePart nodes in the whole tree
};

// An address header's value (From:, To:, ...) as ENVELOPE addresses, comments dropped: lenient,
// any text gives some list.
std::vector<EnvelopeAddress> ParseAddresses(std::string_view value);

// Parses a whole message (CRLF or LF line ends).
//  - A header ends at the first empty line; without one, the whole text is header, body empty.
//    Lines that are neither a field nor a continuation are ignored.
//  - A missing or invalid Content-Type is text/plain; charset=US-ASCII (RFC 2045 5.2); in
//    multipart/digest it is message/rfc822 (RFC 2046 5.1.5). A text/* part without a charset
//    parameter gets charset=US-ASCII appended (RFC 2046 4.1.2), as Dovecot and Cyrus show it.
//  - Multipart (RFC 2046 5.1.1): delimiters are "--boundary" at a line start followed only by
//    transport padding, close "--boundary--"; preamble and epilogue belong to no part. A missing
//    close delimiter ends the last part at the end of the enclosing body. A multipart that
//    cannot be split (no boundary parameter, or no delimiter in its body) is treated as a single
//    text/plain; charset=US-ASCII body, so BODY[1] of it is still its whole body.
//  - Past max_depth, or once max_parts nodes exist, a multipart or message/rfc822 becomes an
//    opaque application/octet-stream leaf.
MimeTree ParseMime(std::string_view message, const MimeLimits& limits = {});

// The store keeps one body per content and a per-mailbox header prefix (Return-Path:, ...): the
// metadata is parsed without it. This adjusts a tree to the text ReadContent returns.
void AddHeaderPrefix(MimeTree& tree, uint64_t prefix_size);

// ---- BODY[section] (RFC 3501 6.4.5) -----------------------------------------------------------

// The part a section number path names ({} is the message itself, {1, 2} is "1.2"). A
// non-multipart message's part 1 is the message itself (its body); after a message/rfc822 part,
// numbers index the encapsulated message the same way. nullptr if there is no such part.
const MimePart* FindPart(const MimeTree& tree, std::span<const uint32_t> section);

struct ByteRange {
  uint64_t offset = 0;
  uint64_t size = 0;
  bool operator==(const ByteRange&) const = default;
};

enum class SectionText {
  kAll,     // BODY[] for {}, BODY[1.2] for a part: its body (a message/rfc822 part: the message)
  kHeader,  // BODY[HEADER], BODY[1.2.HEADER]: the message's or encapsulated message's header
  kText,    // BODY[TEXT], BODY[1.2.TEXT]: the message's or encapsulated message's body
  kMime,    // BODY[1.2.MIME]: the part's own MIME header; not valid for {}
};

// The bytes a section names, or nullopt when the section does not exist (HEADER/TEXT of a part
// that is not message/rfc822, MIME of the message). HEADER.FIELDS filters the kHeader range.
// Ranges are only as good as the metadata: check them against the content size.
std::optional<ByteRange> SectionRange(const MimeTree& tree, std::span<const uint32_t> section,
                                      SectionText text);

// ---- IMAP rendering (RFC 3501 7.4.2) ----------------------------------------------------------

// ("date" "subject" (from) (sender) (reply-to) (to) (cc) (bcc) "in-reply-to" "message-id");
// sender and reply-to default to from. Strings are quoted, or literals ({n}\r\n...) when they hold
// CR, LF, 8-bit octets or are long; NUL octets are dropped (IMAP forbids them).
std::string RenderEnvelope(const Envelope& envelope);
// BODYSTRUCTURE (extensions = true: md5, disposition, language, location; multipart parameters,
// disposition, language, location) or BODY (extensions = false) of a part, usually tree.root.
// Type, subtype, encoding, disposition type and parameter names are upper-cased.
// decode_params: parameters RFC 2231-decoded (continuations joined, extended values turned into
// UTF-8) as RFC 9051 7.5.2 asks of an IMAP4rev2 server; otherwise as written (IMAP4rev1 and
// Dovecot show them so).
std::string RenderBodyStructure(const MimePart& part, bool extensions, bool decode_params = false);

// ---- Serialisation for the store's metadata ----------------------------------------------------

// Compact binary form with a version tag; DeserializeMimeTree(SerializeMimeTree(t)) == t.
std::string SerializeMimeTree(const MimeTree& tree);
// Error on anything that is not a well-formed serialisation (other version, truncated, trailing
// bytes, a child outside its parent); never crashes.
Result<MimeTree> DeserializeMimeTree(std::string_view data);

// ---- Helpers ---------------------------------------------------------------------------------

// The value of parameter `attribute` (lower-case), joining RFC 2231 continuations (name*0,
// name*1*, ...) and percent-decoding extended values; the charset of an extended value is
// dropped (the bytes are returned as they are). nullopt if absent.
std::optional<std::string> DecodeParam(const std::vector<MimeParam>& params,
                                       std::string_view attribute);
// DecodeParam with an extended value's charset applied: the value in UTF-8 (unchanged when the
// charset is UTF-8, US-ASCII or unknown).
std::optional<std::string> DecodeParamUtf8(const std::vector<MimeParam>& params,
                                           std::string_view attribute);

}  // namespace mailsuite::mail
