// Renders one message's "* n FETCH (…)" response from its store row, its bytes and its MIME
// tree (RFC 3501 7.4.2). Body data always goes out as literals, byte-exact. Pure.
#pragma once

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
  std::string_view content;              // empty unless the request needs_content
  const mail::MimeTree* tree = nullptr;  // null unless the request needs_tree
};

// `with_uid`: UID FETCH reports the UID even when not asked (RFC 3501 6.4.8); `with_flags`:
// report FLAGS (a fetch that just set \Seen) even when not asked; `with_modseq`: report MODSEQ
// even when not asked (CHANGEDSINCE, or a flag change once CONDSTORE is on: RFC 7162 3.1.4.2,
// 3.2.4).
std::string RenderFetch(const FetchRequest& req, const FetchMessage& m, bool with_uid,
                        bool with_flags, bool with_modseq = false);

// The bytes a section names (before any partial); empty when there is no such part.
std::string SectionBytes(const FetchItem& item, std::string_view content,
                         const mail::MimeTree& tree);

// The header lines of `header` (a header block ending with its blank line) whose field names are
// (or, with exclude, are not) in `fields`, case-insensitively, followed by the blank line.
std::string FilterHeader(std::string_view header, const std::vector<std::string>& fields,
                         bool exclude);

}  // namespace mailsuite::imapd
