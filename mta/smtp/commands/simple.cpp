// The commands with no state of their own: RSET, NOOP, QUIT, HELP, VRFY/EXPN.
#include "../session.h"

namespace mailsuite::mta {

void HandleRset(SmtpSession& s, const std::string& argument) {
  if (!argument.empty()) {
    s.Reply(501, "5.5.4", "Syntax: RSET");
    s.CountError();
    return;
  }
  s.ResetTransaction();
  s.Reply(250, "2.0.0", "Ok");
}

void HandleNoop(SmtpSession& s, const std::string&) { s.Reply(250, "2.0.0", "Ok"); }

void HandleQuit(SmtpSession& s, const std::string&) {
  s.Reply(221, "2.0.0", s.hostname() + " Bye");
  s.Close();
}

void HandleHelp(SmtpSession& s, const std::string&) {
  s.Reply(214, "2.0.0",
          "Commands: HELO EHLO STARTTLS AUTH MAIL RCPT DATA BDAT RSET NOOP QUIT HELP VRFY");
}

// RFC 5321 3.5.3: 252 says "cannot verify, but will try" and discloses nothing about users.
void HandleVrfy(SmtpSession& s, const std::string&) {
  s.Reply(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");
}

}  // namespace mailsuite::mta
