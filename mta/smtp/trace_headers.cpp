#include "trace_headers.h"

#include "shared/mail/header_scan.h"

namespace mailsuite::mta {

std::string BuildReceived(const ReceivedInfo& r) {
  // RFC 3848 / RFC 6531 3.7.3 protocol names: SMTP, ESMTP, ESMTPA, ESMTPS, ESMTPSA, UTF8SMTP…
  std::string with = r.esmtp ? "ESMTP" : "SMTP";
  if (r.utf8) with = "UTF8SMTP";
  if (r.esmtp && r.tls) with += "S";
  if (r.esmtp && r.authenticated) with += "A";
  std::string ip =
      r.peer_address.find(':') != std::string::npos ? "IPv6:" + r.peer_address : r.peer_address;
  std::string out = "Received: from " + r.helo + " ([" + ip + "])\r\n";
  out += "\tby " + r.hostname + " (mailsuite) with " + with + " id " + r.id;
  if (!r.for_address.empty()) out += "\r\n\tfor <" + r.for_address + ">";
  out += "; " + mail::FormatRfc5322Date(r.time) + "\r\n";
  return out;
}

std::string MissingSubmissionHeaders(const std::string& message, const std::string& hostname,
                                     const std::string& id, int64_t time) {
  std::string out;
  if (!mail::HasHeaderField(message, "Date"))
    out += "Date: " + mail::FormatRfc5322Date(time) + "\r\n";
  if (!mail::HasHeaderField(message, "Message-ID"))
    out += "Message-ID: <" + std::to_string(time) + "." + id + "@" + hostname + ">\r\n";
  return out;
}

}  // namespace mailsuite::mta
