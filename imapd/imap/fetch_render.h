// Renders one message's "* n FETCH (…)" response from its store row and its MIME tree (RFC 3501
// 7.4.2). Body data always goes out as literals, byte-exact; a literal that is a range of the
// message text is not copied here but named, for the FETCH handler to stream from the store
// in chunks. Pure: the only message bytes it reads are the header blocks HEADER.FIELDS
// filters and the parts BINARY decodes, through the `read` it is given.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fetch_items.h"
#include "shared/mail/mime.h"
#include "store/types.h"

namespace mailsuite::imapd {

struct FetchMessage {
  const store::MessageInfo* info = nullptr;
  size_t seq = 0;
  const mail::MimeTree* tree = nullptr;  // null unless the request needs_tree
  // Octets of the message text (a header to filter, a part to decode); nullopt if they cannot
  // be read. Unused unless the request has HEADER.FIELDS sections or BINARY items.
  std::function<std::optional<std::string>(const mail::ByteRange&)> read;
  bool recent = false;  // \Recent to this session
  bool rev2 = false;    // IMAP4rev2: BODY/BODYSTRUCTURE parameters RFC 2231-decoded (7.5.2)
};

// One stretch of a response: `text`, then the `stream.size` octets of the message text from
// `stream.offset`, the contents of the literal whose "{n}\r\n" ends `text`.
struct FetchPiece {
  std::string text;
  mail::ByteRange stream;
};

// `with_uid`: UID FETCH reports the UID even when not asked (RFC 3501 6.4.8); `with_flags`:
// report FLAGS (a fetch that just set \Seen) even when not asked; `with_modseq`: report MODSEQ
// even when not asked (CHANGEDSINCE, or a flag change once CONDSTORE is on: RFC 7162 3.1.4.2,
// 3.2.4). nullopt when `read` failed.
std::optional<std::vector<FetchPiece>> RenderFetch(const FetchRequest& req, const FetchMessage& m,
                                                   bool with_uid, bool with_flags,
                                                   bool with_modseq = false);

// The range of the message text a section other than HEADER.FIELDS[.NOT] names, its partial
// applied; size 0 when there is no such part (an empty literal).
mail::ByteRange SectionOctets(const FetchItem& item, const FetchMessage& m);

// Whether a BINARY item of `req` names a part whose transfer encoding cannot be decoded (the
// command then fails with NO [UNKNOWN-CTE], RFC 3516 4.3 / RFC 9051 7.1).
bool HasUnknownEncoding(const FetchRequest& req, const mail::MimeTree& tree);

// The header lines of `header` (a header block ending with its blank line) whose field names are
// (or, with exclude, are not) in `fields`, case-insensitively, followed by the blank line.
std::string FilterHeader(std::string_view header, const std::vector<std::string>& fields,
                         bool exclude);

}  // namespace mailsuite::imapd
