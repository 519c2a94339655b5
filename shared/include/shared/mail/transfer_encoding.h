// Content-Transfer-Encoding (RFC 2045 6) both ways: decoding for IMAP's BINARY (RFC 3516, RFC
// 9051 6.4.5) and SEARCH, base64 lines for storing binary parts (binary_parts.h). Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mailsuite::mail {

// Whether `encoding` (lower-cased, as MimePart::encoding) is one this module decodes: 7bit,
// 8bit, binary, base64, quoted-printable.
bool KnownTransferEncoding(std::string_view encoding);

// `body` decoded; nullopt for an unknown encoding. Lenient with broken input, as mail readers
// are: base64 skips characters outside its alphabet and stops at padding; quoted-printable
// keeps an "=" that starts no valid escape.
std::optional<std::string> DecodeTransferEncoding(std::string_view encoding, std::string_view body);

// Quoted-printable decoding (RFC 2045 6.7): "=XX" escapes, soft line breaks ("=" at the end of
// a line, whitespace allowed after it), trailing whitespace of each line dropped (rule 3).
std::string DecodeQuotedPrintable(std::string_view body);

// `data` as base64 in lines of 76 characters separated by CRLF (RFC 2045 6.8); no CRLF after
// the last, which the text that follows (a boundary's CRLF) supplies.
std::string EncodeBase64Lines(std::string_view data);

// `text` with every line end as CRLF (RFC 5322 2.1): a bare CR or LF becomes CRLF, CRLF stays.
std::string WithCrlfLineEnds(std::string_view text);

}  // namespace mailsuite::mail
