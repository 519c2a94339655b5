// DKIM canonicalization (RFC 6376 3.4) and header selection (5.4.2), pure: text in, the exact
// octets that are hashed out. Messages are CRLF text as the MTA stores them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mailsuite::mta::dkim {

enum class Canon { kSimple, kRelaxed };

// One header field as it stands in the message: the whole field with its continuation lines,
// including the final CRLF, and its name.
struct HeaderField {
  std::string_view name;  // as written, before the colon, trailing WSP removed
  std::string_view raw;   // "Name: value\r\n\tmore\r\n"
};

// The fields of the header section, top to bottom, and where the body starts.
struct SplitMessage {
  std::vector<HeaderField> fields;
  std::string_view body;  // after the empty line; empty when there is none
};
SplitMessage SplitHeader(std::string_view message);

// A field in canonical form, with its CRLF (RFC 6376 3.4.1, 3.4.2).
std::string CanonicalHeader(std::string_view raw_field, Canon canon);

// The canonical body (RFC 6376 3.4.3, 3.4.4): trailing empty lines dropped; simple turns an
// empty body into one CRLF, relaxed leaves it empty.
std::string CanonicalBody(std::string_view body, Canon canon);

// For each name in `signed_names` (h=), the lowest field of that name not yet used (RFC 6376
// 5.4.2); a name with no field left selects nothing. Returns the chosen fields in h= order.
std::vector<std::string_view> SelectHeaders(const std::vector<HeaderField>& fields,
                                            const std::vector<std::string>& signed_names);

}  // namespace mailsuite::mta::dkim
