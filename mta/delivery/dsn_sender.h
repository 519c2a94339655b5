// SendDsn: builds a delivery status notification (queue/dsn.h) and delivers it to the original
// sender from the null sender: into a local INBOX, or into the queue for a remote sender.
// Used for bounces, "relayed" notices and local "delivered" notices (RFC 3461 NOTIFY=SUCCESS).
#pragma once

#include <vector>

#include "../queue/dsn.h"
#include "shared/result.h"
#include "store/store.h"

namespace mailsuite::mta {

class DkimSigner;

// Ok also when nothing had to be sent (null sender, or a local sender that no longer exists).
// With `dkim`, the notice is signed for its From: (MAILER-DAEMON@hostname) like local mail.
Status SendDsn(store::Store& store, const DsnInput& input,
               const std::vector<DsnRecipient>& recipients, const std::string& original,
               const DkimSigner* dkim = nullptr);

}  // namespace mailsuite::mta
