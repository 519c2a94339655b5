// A light scan of an RFC 5322 message's header section: where it ends, which fields it has.
// Enough for the MTA's checks (Received: count, missing Date:/Message-ID:) without a full
// MIME parse. Pure; works on CRLF or LF text; never reads past the input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mailsuite::mail {

// Offset just past the blank line that ends the header section, or the input size when there
// is no body (a message that is all header).
size_t HeaderEnd(std::string_view message);

// Number of header fields named `name` (case-insensitive), continuation lines not counted.
int CountHeaderFields(std::string_view message, std::string_view name);

// The values of every field named `name` (case-insensitive), in order, unfolded (RFC 5322
// 2.2.3: CRLF before WSP removed) and trimmed.
std::vector<std::string> HeaderFieldValues(std::string_view message, std::string_view name);

// The RFC 5322.From domain (RFC 7489 3.1 "Author Domain"), lower case: "" unless the message has
// exactly one From: field naming exactly one domain (several mailboxes of one domain are fine).
std::string AuthorDomain(std::string_view message);

inline bool HasHeaderField(std::string_view message, std::string_view name) {
  return CountHeaderFields(message, name) > 0;
}

// RFC 5322 3.3 date-time for `unix_time` in UTC: "Mon, 23 Nov 2026 05:43:13 +0000".
std::string FormatRfc5322Date(int64_t unix_time);

}  // namespace mailsuite::mail
