// Pure parsers for SMTP command lines (RFC 5321 4.1): the verb, MAIL/RCPT paths with their
// ESMTP parameters (SIZE, BODY, SMTPUTF8, AUTH, RET, ENVID, NOTIFY, ORCPT), and EHLO/HELO
// arguments. No I/O and no store: a line in, a command or a reply-ready error out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/mail/address.h"

namespace mailsuite::mta {

// A reply-ready error: "501 5.5.4 <text>".
struct SmtpError {
  int code = 501;
  std::string enhanced = "5.5.4";
  std::string text;
  std::string ToString() const { return std::to_string(code) + " " + enhanced + " " + text; }
};

struct CommandLine {
  std::string verb;      // upper-cased
  std::string argument;  // the rest after one space, unchanged
};
CommandLine SplitCommand(std::string_view line);

enum class BodyType { kUnset, k7Bit, k8BitMime, kBinaryMime };

struct MailFrom {
  bool null_sender = false;  // MAIL FROM:<>
  mail::Address sender;
  std::optional<int64_t> size;  // SIZE= (RFC 1870)
  BodyType body = BodyType::kUnset;
  bool smtputf8 = false;  // RFC 6531
  std::string ret;        // DSN RET=FULL|HDRS (RFC 3461 4.3)
  std::string envid;      // DSN ENVID, xtext-decoded
  std::string auth;       // AUTH= (RFC 4954 5), as given
};

struct RcptTo {
  mail::Address recipient;
  bool postmaster = false;  // "RCPT TO:<Postmaster>" without a domain (RFC 5321 4.5.1)
  std::string notify;       // NOTIFY=, upper-cased (RFC 3461 4.1)
  std::string orcpt;        // ORCPT= as given: "rfc822;bob@example.test" (xtext-decoded)
};

template <typename T>
struct Parsed {
  std::optional<T> value;
  SmtpError error;
};

// `argument` is what follows "MAIL " (e.g. "FROM:<a@b> SIZE=10"). `utf8_ok` tells whether the
// server offers SMTPUTF8, so a UTF-8 address is judged with or without its SMTPUTF8 parameter.
Parsed<MailFrom> ParseMailFrom(std::string_view argument, bool utf8_ok);
// `smtputf8` is whether the transaction's MAIL carried SMTPUTF8.
Parsed<RcptTo> ParseRcptTo(std::string_view argument, bool smtputf8);

// EHLO/HELO argument: a domain or an address literal ("[192.0.2.1]", "[IPv6:::1]").
bool IsValidHeloArgument(std::string_view argument);

// xtext (RFC 3461 4): "+" followed by two upper-case hex digits encodes one octet.
std::optional<std::string> DecodeXtext(std::string_view text);

}  // namespace mailsuite::mta
