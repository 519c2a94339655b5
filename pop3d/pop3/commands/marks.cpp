// DELE, RSET and NOOP (RFC 1939 5): DELE only marks a message; nothing leaves the store before
// the UPDATE state that QUIT enters. RSET unmarks everything.
#include "../command_parser.h"
#include "message_argument.h"

namespace mailsuite::pop3d {

void HandleDele(Pop3Session& s, const std::string& argument) {
  auto args = SplitArguments(argument, 1, 1);
  std::string_view number = args ? (*args)[0] : "";
  const MaildropMessage* m = FindMessage(s, number, "DELE message");
  if (!m) return;
  s.maildrop->MarkDeleted(*ParseNumber(number));
  s.Ok("Message " + std::string(number) + " deleted");
}

void HandleRset(Pop3Session& s, const std::string& argument) {
  if (!argument.empty()) {
    s.Err("Syntax: RSET");
    s.CountError();
    return;
  }
  s.maildrop->UnmarkAll();
  s.Ok("Maildrop has " + std::to_string(s.maildrop->count()) + " messages (" +
       std::to_string(s.maildrop->total_size()) + " octets)");
}

void HandleNoop(Pop3Session& s, const std::string&) { s.Ok(""); }

}  // namespace mailsuite::pop3d
