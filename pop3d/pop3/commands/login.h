// The credential check shared by USER/PASS and AUTH: look the user up, verify the password in
// constant time, answer a failure after the per-address delay with "-ERR [AUTH]" and one
// fail2ban-friendly log line, and on success lock and open the maildrop.
#pragma once

#include <string>

#include "../session.h"

namespace mailsuite::pop3d {

// Refuses with -ERR and returns false when passwords may not be sent now (cleartext from a
// non-loopback peer without auth.allow_cleartext).
bool CheckPasswordsAllowed(Pop3Session& s);

void VerifyAndLogin(Pop3Session& s, const std::string& authzid, const std::string& login,
                    const std::string& password);

}  // namespace mailsuite::pop3d
