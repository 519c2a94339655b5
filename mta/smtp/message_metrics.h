// The metrics of messages received over SMTP: what their replies said, and what SPF, DKIM and
// DMARC made of a stranger's message.
#pragma once

#include <cstddef>
#include <string_view>

#include "../inbound/inbound_checks.h"
#include "session.h"

namespace mailsuite::mta {

// mailsuite_smtp_messages_total by the reply the message just got: accepted (2xx), deferred
// (4xx) or rejected (5xx), and why; `octets` of an accepted one, as its client sent them, in
// mailsuite_smtp_received_bytes_total.
void CountMessage(const SmtpSession& s, std::string_view reason, size_t octets = 0);

// mailsuite_mail_auth_results_total: the SPF result, each DKIM signature's (or none), and the
// DMARC outcome of one message.
void CountAuthenticationResults(const InboundResults& results);

}  // namespace mailsuite::mta
