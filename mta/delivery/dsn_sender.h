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
// Delivers `content` from the null sender to `to`: into a local user's mailbox (no Sieve script
// runs for it) or into the queue, which `queued` reports. Ok also when `to` is a local address
// nobody answers (logged). For DSNs and Sieve's vacation replies (RFC 5230 5.1 sends them from
// <>, so they are never answered in turn).
Status SendFromNullSender(store::Store& store, const std::string& to, const std::string& content,
                          const std::string& id, int64_t now, bool* queued = nullptr);

Status SendDsn(store::Store& store, const DsnInput& input,
               const std::vector<DsnRecipient>& recipients, const std::string& original,
               const DkimSigner* dkim = nullptr);

}  // namespace mailsuite::mta
