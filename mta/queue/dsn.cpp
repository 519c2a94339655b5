#include "dsn.h"

#include "shared/mail/header_scan.h"

namespace mailsuite::mta {
namespace {

// Keeps a value on one header line: no CR or LF from a remote reply gets into our headers.
std::string OneLine(const std::string& s) {
  std::string out;
  for (char c : s) out += (c == '\r' || c == '\n') ? ' ' : c;
  return out;
}

}  // namespace

bool DsnWanted(const std::string& notify, const std::string& action) {
  if (notify.empty()) return action == "failed";
  if (notify == "NEVER") return false;
  if (action == "failed") return notify.find("FAILURE") != std::string::npos;
  if (action == "delayed") return notify.find("DELAY") != std::string::npos;
  return notify.find("SUCCESS") != std::string::npos;
}

std::string BuildDsn(const DsnInput& in, const std::vector<DsnRecipient>& recipients,
                     const std::string& original) {
  bool failed = false;
  for (const auto& r : recipients) failed = failed || r.action == "failed";
  const std::string boundary = "mailsuite-dsn-" + in.id;
  std::string m;
  m += "From: Mail Delivery System <MAILER-DAEMON@" + in.reporting_host + ">\r\n";
  m += "To: <" + OneLine(in.sender) + ">\r\n";
  m += std::string("Subject: ") +
       (failed ? "Undelivered Mail Returned to Sender" : "Successful Mail Delivery Report") +
       "\r\n";
  m += "Date: " + mail::FormatRfc5322Date(in.now) + "\r\n";
  m += "Message-ID: <" + in.id + ".dsn@" + in.reporting_host + ">\r\n";
  m += "Auto-Submitted: auto-replied\r\n";  // RFC 3834: no auto-replies to this
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"" + boundary +
       "\"\r\n\r\n";
  m += "This is a MIME-encapsulated message.\r\n\r\n";

  m += "--" + boundary + "\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n";
  m += "This is the mail system at host " + in.reporting_host + ".\r\n\r\n";
  if (failed)
    m += "Your message could not be delivered to one or more recipients.\r\n"
         "It is attached below.\r\n\r\n";
  else
    m += "Your message was delivered as requested.\r\n\r\n";
  for (const auto& r : recipients)
    m += "<" + OneLine(r.address) + ">: " + r.action + ": " + OneLine(r.diagnostic) + "\r\n";
  m += "\r\n";

  // RFC 3464 2.2 per-message fields, 2.3 per-recipient fields.
  m += "--" + boundary + "\r\nContent-Type: message/delivery-status\r\n\r\n";
  m += "Reporting-MTA: dns; " + in.reporting_host + "\r\n";
  if (!in.envid.empty()) m += "Original-Envelope-Id: " + OneLine(in.envid) + "\r\n";
  m += "Arrival-Date: " + mail::FormatRfc5322Date(in.arrival) + "\r\n";
  for (const auto& r : recipients) {
    m += "\r\n";
    if (!r.orcpt.empty()) m += "Original-Recipient: " + OneLine(r.orcpt) + "\r\n";
    m += "Final-Recipient: rfc822; " + OneLine(r.address) + "\r\n";
    m += "Action: " + r.action + "\r\n";
    m += "Status: " + r.status + "\r\n";
    if (!r.remote.empty()) m += "Remote-MTA: dns; " + OneLine(r.remote) + "\r\n";
    if (!r.diagnostic.empty()) m += "Diagnostic-Code: " + OneLine(r.diagnostic) + "\r\n";
    m += "Last-Attempt-Date: " + mail::FormatRfc5322Date(in.now) + "\r\n";
  }
  m += "\r\n";

  if (in.full_content) {
    m += "--" + boundary + "\r\nContent-Type: message/rfc822\r\n\r\n" + original;
  } else {
    m += "--" + boundary + "\r\nContent-Type: text/rfc822-headers\r\n\r\n" +
         original.substr(0, mail::HeaderEnd(original));
  }
  if (m.size() < 2 || m.compare(m.size() - 2, 2, "\r\n") != 0) m += "\r\n";
  m += "--" + boundary + "--\r\n";
  return m;
}

}  // namespace mailsuite::mta
