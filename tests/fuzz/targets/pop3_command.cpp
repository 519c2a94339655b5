// POP3 command lines (RFC 1939 3) and the multi-line responses built from message text:
// dot-stuffing (RFC 1939 3) and TOP's header-plus-n-lines cut.
#include "../fuzz_target.h"
#include "pop3/command_parser.h"
#include "pop3/message_text.h"

namespace mailsuite::pop3d {
namespace {

MAILSUITE_FUZZ_TARGET(pop3_command) {
  size_t eol = input.find("\r\n");
  std::string_view line = input.substr(0, eol);
  CommandLine c = SplitCommand(line);
  if (auto args = SplitArguments(c.argument, 0, 3))
    for (std::string_view a : *args) (void)ParseNumber(a);
  std::string out;
  AppendMultiline(out, input);
  // The terminator is the only line that is a lone "."; a body line starting with "." is
  // stuffed, so a client never stops early.
  size_t end = out.find("\r\n.\r\n");
  FUZZ_CHECK(end == std::string::npos || end + 5 == out.size());
  FUZZ_CHECK(out.size() >= 3 && out.compare(out.size() - 3, 3, ".\r\n") == 0);
  (void)TopText(input, 3);
}

}  // namespace
}  // namespace mailsuite::pop3d
