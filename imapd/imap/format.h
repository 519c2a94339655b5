// Small IMAP wire-format helpers shared by the command handlers: quoting, flag lists, the
// INTERNALDATE / APPEND date-time and SEARCH date formats (RFC 3501 9), case folding. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parser/command_parser.h"
#include "store/types.h"

namespace mailsuite::imapd {

std::string Upper(std::string_view s);
bool EqualsNoCase(std::string_view a, std::string_view b);
// Case-insensitive substring search (ASCII folding), as SEARCH requires (RFC 3501 6.4.4).
bool ContainsNoCase(std::string_view haystack, std::string_view needle);

// A quoted string, or a literal when the text holds CR, LF, NUL or 8-bit octets.
std::string Quote(std::string_view text);
// Like Quote, but valid UTF-8 stays in the quoted string (RFC 6855 3, after UTF8=ACCEPT).
std::string QuoteUtf8(std::string_view text);
// A literal "{n}\r\n" followed by the bytes.
std::string Literal(std::string_view bytes);

// "(\Seen \Flagged $Junk)".
std::string FormatFlags(const store::Flags& flags, bool recent = false);
// A flag list from STORE/APPEND arguments (a list or bare atoms). \Recent is accepted and
// ignored (it is per session); an unknown system flag or a non-atom gives nullopt.
std::optional<store::Flags> ParseFlags(const std::vector<Arg>& items);

// "dd-Mon-yyyy hh:mm:ss +0000" (RFC 3501 date-time, without the quotes).
std::string FormatInternalDate(int64_t unix_time);
// APPEND date-time "dd-Mon-yyyy hh:mm:ss +hhmm" (day may be " d" or "d") to Unix time.
std::optional<int64_t> ParseDateTime(std::string_view text);
// SEARCH date "d-Mon-yyyy" to days since the epoch.
std::optional<int64_t> ParseSearchDate(std::string_view text);
// The day (days since the epoch, in the header's own time zone) of an RFC 5322 Date: value.
std::optional<int64_t> Rfc5322Day(std::string_view date);
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);

// Mailbox names: "inbox" in any case is INBOX (RFC 3501 5.1), also as a hierarchy prefix.
std::string CanonicalMailbox(std::string_view name);

}  // namespace mailsuite::imapd
