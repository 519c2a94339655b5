// Envelope address parsing (RFC 5321 4.1.2 Path/Mailbox, RFC 6531 for SMTPUTF8). Pure: text in,
// a parsed address or the reason it is not one out. Limits of RFC 5321 4.5.3.1 are enforced:
// local part 64 octets, domain 255, path 256.
#pragma once

#include <string>
#include <string_view>

#include "shared/result.h"

namespace mailsuite::mail {

struct Address {
  std::string local;   // as written, quotes removed only when the form is a plain dot-string
  std::string domain;  // lower-cased; an address literal keeps its brackets: "[192.0.2.1]"
  bool utf8 = false;   // contains non-ASCII (needs SMTPUTF8)
  // "local@domain"; a local part that needs quoting is quoted again.
  std::string ToString() const;
};

// Mailbox = Local-part "@" ( Domain / address-literal ). `allow_utf8` admits RFC 6531 UTF-8.
Result<Address> ParseMailbox(std::string_view text, bool allow_utf8);

// Domain = sub-domain *("." sub-domain), 255 octets at most; a trailing dot is not allowed.
bool IsValidDomain(std::string_view domain, bool allow_utf8);
// address-literal = "[" ( IPv4 / "IPv6:" IPv6 / General ) "]" (checked loosely for General).
bool IsValidAddressLiteral(std::string_view literal);

std::string ToLower(std::string_view s);

}  // namespace mailsuite::mail
