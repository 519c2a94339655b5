// A light scan of an RFC 5322 message's header section: where it ends, which fields it has.
// Enough for the MTA's checks (Received: count, missing Date:/Message-ID:) without a full
// MIME parse. Pure; works on CRLF or LF text; never reads past the input.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailsuite::mail {

// Offset just past the blank line that ends the header section, or the input size when there
// is no body (a message that is all header).
size_t HeaderEnd(std::string_view message);

// Number of header fields named `name` (case-insensitive), continuation lines not counted.
int CountHeaderFields(std::string_view message, std::string_view name);

// The values of every field named `name` (case-insensitive, WSP before the colon allowed as in
// RFC 5322 4.5's obsolete syntax), in order, unfolded (2.2.3: CRLF before WSP removed), trimmed.
std::vector<std::string> HeaderFieldValues(std::string_view message, std::string_view name);

// The domains of the RFC5322.From field (RFC 7489 3.1 "Author Domain"), distinct, lower case,
// group syntax looked through. An empty list when there is no From: field; nullopt when the field
// cannot be trusted to name its author: several From: fields, or a mailbox without a valid domain.
std::optional<std::vector<std::string>> AuthorDomains(std::string_view message);

// The one author domain, or "" when there is not exactly one (AuthorDomains).
std::string AuthorDomain(std::string_view message);

inline bool HasHeaderField(std::string_view message, std::string_view name) {
  return CountHeaderFields(message, name) > 0;
}

// RFC 5322 3.3 date-time for `unix_time` in UTC: "Mon, 23 Nov 2026 05:43:13 +0000".
std::string FormatRfc5322Date(int64_t unix_time);

}  // namespace mailsuite::mail
