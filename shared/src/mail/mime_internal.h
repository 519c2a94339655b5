// Internals shared by the mime_*.cpp files: header field scanning and the structured-field
// parsers (Content-Type and friends, address lists). Not part of the public API.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "shared/mail/mime.h"

namespace mailsuite::mail::mime_internal {

struct HeaderField {
  std::string_view name;   // as written, without trailing whitespace
  std::string_view value;  // raw, from after the colon to the end of its last continuation line
};

// Splits the header section at the start of `text` into fields; returns its size including the
// blank line that ends it (text.size() when there is none). Continuation lines (RFC 5322 2.2.3)
// extend the previous field; lines that are neither are skipped.
size_t ScanHeader(std::string_view text, std::vector<HeaderField>& fields);

// The first field named `name` (case-insensitive), or nullptr.
const HeaderField* FindField(const std::vector<HeaderField>& fields, std::string_view name);

// RFC 5322 2.2.3 unfolding (line breaks removed, the whitespace after them kept), then trimmed.
std::string Unfold(std::string_view raw);

std::string Lower(std::string_view s);
std::string Upper(std::string_view s);

// Content-Type (RFC 2045 5.1). False when there is no valid "type/subtype".
bool ParseContentType(std::string_view value, std::string& type, std::string& subtype,
                      std::vector<MimeParam>& params);
// Content-Disposition (RFC 2183). False when there is no disposition type.
bool ParseDisposition(std::string_view value, std::string& type, std::vector<MimeParam>& params);
// Content-Language (RFC 3282): the language tags.
std::vector<std::string> ParseLanguage(std::string_view value);
// Content-Transfer-Encoding (RFC 2045 6.1), lower-cased; "7bit" when empty.
std::string ParseEncoding(std::string_view value);

// RFC 5322 3.4 address-list in IMAP ENVELOPE form (groups as start/end markers).
std::vector<EnvelopeAddress> ParseAddressList(std::string_view value);
Envelope BuildEnvelope(const std::vector<HeaderField>& fields);

}  // namespace mailsuite::mail::mime_internal
