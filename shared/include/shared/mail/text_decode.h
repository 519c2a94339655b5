// Text as a reader sees it, for SEARCH (RFC 9051 6.4.4: "[MIME-IMB] content transfer encodings
// and [MIME-HDRS] strings in [RFC5322]/[MIME-IMB] headers MUST be decoded before comparing
// text"): RFC 2047 encoded words decoded, and text in another charset converted to UTF-8. Pure
// (the charset tables are Poco's, registered once).
#pragma once

#include <string>
#include <string_view>

namespace mailsuite::mail {

// `header` (one value or a whole header block) unfolded (RFC 5322 2.2.3) with its encoded words
// ("=?charset?B|Q?…?=", RFC 2047) decoded to UTF-8. Unchanged when it has none.
std::string DecodeHeaderText(std::string_view header);

// `text` in `charset` (a MIME charset name, any case) as UTF-8; unchanged for UTF-8, US-ASCII,
// an empty or an unknown charset.
std::string CharsetToUtf8(std::string_view text, std::string_view charset);
// Whether CharsetToUtf8 changes text in `charset` (a known charset other than UTF-8/US-ASCII).
bool ConvertsCharset(std::string_view charset);

}  // namespace mailsuite::mail
