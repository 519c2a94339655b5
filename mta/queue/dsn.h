// Delivery status notifications (RFC 3464, RFC 3461): the bounce a sender gets when a recipient
// fails for good, or the "relayed" notice asked for with NOTIFY=SUCCESS. Pure: builds the text;
// the caller delivers it from the null sender <> (RFC 5321 4.5.5), so a DSN never bounces.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mailsuite::mta {

struct DsnRecipient {
  std::string address;     // Final-Recipient
  std::string orcpt;       // "rfc822;addr" from ORCPT, or empty
  std::string action;      // "failed", "relayed", "delivered" or "delayed"
  std::string status;      // "5.1.1"
  std::string diagnostic;  // "smtp; 550 5.1.1 User unknown" or "x-local; …"
  std::string remote;      // Remote-MTA host, or empty
};

struct DsnInput {
  std::string reporting_host;  // our host name
  std::string sender;          // where the DSN goes
  std::string envid;           // ORIGINAL ENVELOPE ID, or empty
  bool full_content = false;   // RET=FULL: return the whole message, else only its header
  int64_t arrival = 0;         // when the original was accepted
  int64_t now = 0;
  std::string id;  // unique token for Message-ID and the MIME boundary
};

// The whole DSN message (multipart/report; report-type=delivery-status), CRLF line ends.
std::string BuildDsn(const DsnInput& in, const std::vector<DsnRecipient>& recipients,
                     const std::string& original);

// True when a DSN of `action` is wanted for a recipient with this NOTIFY value (RFC 3461 4.1):
// no NOTIFY means failures only; NEVER means none.
bool DsnWanted(const std::string& notify, const std::string& action);

}  // namespace mailsuite::mta
