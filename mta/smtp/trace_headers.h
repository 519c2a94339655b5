// The header fields the MTA itself writes: Received: (RFC 5321 4.4), and on submission the
// Date: and Message-ID: a client left out (RFC 6409 8.2, 8.3). Everything taken from the peer
// (HELO name, addresses) is already free of CR and LF; these functions add no line breaks
// except their own folding.
#pragma once

#include <cstdint>
#include <string>

namespace mailsuite::mta {

struct ReceivedInfo {
  std::string helo;          // the client's HELO/EHLO name
  std::string peer_address;  // "192.0.2.7" or "::1"
  std::string hostname;      // ours
  bool esmtp = false;
  bool tls = false;
  bool authenticated = false;
  bool utf8 = false;        // SMTPUTF8 transaction (RFC 6531 3.7.3 "UTF8SMTP…")
  std::string id;           // the queue id we give in the 250 reply
  std::string for_address;  // only when there is exactly one recipient
  int64_t time = 0;
};

// "Received: from … by … with ESMTPSA id …; <date>\r\n", folded.
std::string BuildReceived(const ReceivedInfo& info);

// Date: and/or Message-ID: lines (CRLF-terminated) that `message` lacks; empty if it has both.
std::string MissingSubmissionHeaders(const std::string& message, const std::string& hostname,
                                     const std::string& id, int64_t time);

}  // namespace mailsuite::mta
