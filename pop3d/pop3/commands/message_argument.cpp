#include "message_argument.h"

#include "../command_parser.h"

namespace mailsuite::pop3d {

const MaildropMessage* FindMessage(Pop3Session& s, std::string_view number,
                                   std::string_view usage) {
  auto n = ParseNumber(number);
  if (!n) {
    s.Err("Syntax: " + std::string(usage));
    s.CountError();
    return nullptr;
  }
  const MaildropMessage* m = s.maildrop->Find(*n);
  if (!m) {
    bool deleted = *n >= 1 && *n <= s.maildrop->highest_number();
    s.Err(deleted ? "Message " + std::to_string(*n) + " already deleted" : "No such message");
  }
  return m;
}

}  // namespace mailsuite::pop3d
