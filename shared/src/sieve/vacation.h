// Helpers of the "vacation" action (RFC 5230) used by the compiler and the interpreter; the
// public VacationSuppressed and ComposeVacationReply are declared in sieve.h.
#pragma once

#include <string>
#include <string_view>

#include "shared/sieve/sieve.h"

namespace mailsuite::sieve {

// RFC 5230 4.3: :from is one mailbox ("addr@domain" or "Name <addr@domain>").
bool IsValidReplyFrom(std::string_view from);

// RFC 5230 4.2: without :handle, vacations with the same reason, :subject, :from and :mime
// share their record of senders answered; the handle is a digest of those four.
std::string DefaultVacationHandle(const Vacation& vacation);

}  // namespace mailsuite::sieve
