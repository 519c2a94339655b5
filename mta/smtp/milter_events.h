// The SMTP session's side of its content filters (smtp.milters on port 25,
// smtp.submission_milters on 587/465): the macros each event carries, and the replies a
// filter's verdict turns into. Each function answers the client itself when a filter refuses.
#pragma once

#include <string>

#include "milter/milter_chain.h"

namespace mailsuite::mta {

class SmtpSession;
struct Envelope;

// At connect: opens the session's filters (none configured: nothing). False when a filter
// ended the session (421 sent).
bool StartFilters(SmtpSession& s);
// After a good HELO/EHLO. A refusal is kept for MAIL; false when a filter ended the session.
bool FilterHelo(SmtpSession& s);
// After MAIL and RCPT passed our own checks: false when a filter refused (reply sent).
bool FilterMail(SmtpSession& s, const std::string& argument);
bool FilterRcpt(SmtpSession& s, const std::string& argument);

// At end of message, on the message as the client sent it (before our trace fields). Applies
// the filters' changes to `content` and `env`; false when the message must not be delivered:
// refused (reply sent) or discarded (the caller still answers 250, as for any accepted
// message). A quarantined message goes to Junk.
bool FilterMessage(SmtpSession& s, std::string& content, Envelope& env, bool* discarded);

}  // namespace mailsuite::mta
