// SMTP command lines (RFC 5321 4.1): the verb split, MAIL FROM and RCPT TO paths with their
// ESMTP parameters, HELO/EHLO arguments, xtext, and the mailbox parser behind them.
#include "../fuzz_target.h"
#include "shared/mail/address.h"
#include "smtp/command_parser.h"

namespace mailsuite::mta {
namespace {

MAILSUITE_FUZZ_TARGET(smtp_command) {
  size_t pos = 0;
  for (int lines = 0; lines < 200 && pos <= input.size(); ++lines) {
    size_t eol = input.find("\r\n", pos);
    std::string_view line =
        input.substr(pos, eol == std::string_view::npos ? input.npos : eol - pos);
    CommandLine c = SplitCommand(line);
    for (bool utf8 : {false, true}) {
      (void)ParseMailFrom(c.argument, utf8);
      (void)ParseRcptTo(c.argument, utf8);
      (void)mail::ParseMailbox(c.argument, utf8);
      (void)mail::IsValidDomain(c.argument, utf8);
    }
    (void)IsValidHeloArgument(c.argument);
    (void)DecodeXtext(c.argument);
    (void)mail::IsValidAddressLiteral(c.argument);
    if (eol == std::string_view::npos) break;
    pos = eol + 2;
  }
}

}  // namespace
}  // namespace mailsuite::mta
