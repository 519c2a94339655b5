// The vacation reply message (RFC 5230 5, RFC 3834 3).
#include <Poco/Net/MailMessage.h>
#include <Poco/String.h>

#include "shared/mail/header_scan.h"
#include "shared/mail/text_decode.h"
#include "shared/mail/transfer_encoding.h"
#include "shared/sieve/sieve.h"

namespace mailsuite::sieve {
namespace {

// A header value from the script or the message on one line: a CR or LF in it would start a
// field of the sender's choosing.
std::string OneLine(std::string text) {
  for (char& c : text)
    if (c == '\r' || c == '\n') c = ' ';
  return Poco::trim(text);
}

std::string Field(std::string_view name, const std::string& value) {
  return std::string(name) + ": " + OneLine(value) + "\r\n";
}

std::string FirstValue(std::string_view message, std::string_view name) {
  std::vector<std::string> values = mail::HeaderFieldValues(message, name);
  return values.empty() ? "" : values.front();
}

bool IsAscii(std::string_view text) {
  for (char c : text)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

// The Content-* fields of a :mime entity's header (folded lines kept with their field): the
// only ones it may add to the reply's, which could otherwise gain a second From or To.
std::string ContentFieldsOnly(std::string_view header) {
  std::string out;
  bool keep = false;
  for (size_t at = 0; at < header.size();) {
    size_t end = header.find("\r\n", at);
    end = end == std::string_view::npos ? header.size() : end + 2;
    std::string_view line = header.substr(at, end - at);
    if (line[0] != ' ' && line[0] != '\t')
      keep = line.size() > 8 && Poco::icompare(std::string(line.substr(0, 8)), "content-") == 0;
    if (keep) out += line;
    at = end;
  }
  return out;
}

std::string WithFinalCrlf(std::string text) {
  if (text.size() < 2 || text.compare(text.size() - 2, 2, "\r\n") != 0) text += "\r\n";
  return text;
}

}  // namespace

std::string ComposeVacationReply(const MessageInput& message, const Vacation& vacation,
                                 const ReplyFields& fields) {
  // RFC 5230 4.3 and RFC 3834 3.1.5: without :subject, "Auto: " and the original subject.
  std::string subject = vacation.subject;
  if (subject.empty())
    subject = "Auto: " + mail::DecodeHeaderText(FirstValue(message.message, "Subject"));
  std::string out;
  out += Field("From", vacation.from.empty() ? fields.from_address : vacation.from);
  out += Field("To", "<" + message.envelope_from + ">");
  // RFC 2047: non-ASCII text in a header goes in encoded words.
  out += Field("Subject", Poco::Net::MailMessage::encodeWord(OneLine(subject), "UTF-8"));
  out += Field("Date", fields.date);
  out += Field("Message-ID", fields.message_id);
  // RFC 3834 3.1.3, 3.1.4: thread the reply under the original.
  const std::string original_id = OneLine(FirstValue(message.message, "Message-ID"));
  const std::string references = OneLine(FirstValue(message.message, "References"));
  if (!original_id.empty()) out += Field("In-Reply-To", original_id);
  std::string thread = references.empty()    ? original_id
                       : original_id.empty() ? references
                                             : references + " " + original_id;
  if (!thread.empty()) out += Field("References", thread);
  out += Field("Auto-Submitted", "auto-replied (vacation)");  // RFC 3834 5
  out += Field("MIME-Version", "1.0");
  if (vacation.mime) {
    // RFC 5230 4.4: the reason is a whole MIME entity; its header joins the reply's.
    std::string entity = mail::WithCrlfLineEnds(vacation.reason);
    if (mail::HeaderEnd(entity) == entity.size() && entity.find("\r\n\r\n") == std::string::npos)
      entity = WithFinalCrlf(entity) + "\r\n";
    const size_t body = mail::HeaderEnd(entity);
    return out + ContentFieldsOnly(std::string_view(entity).substr(0, body)) + "\r\n" +
           entity.substr(body);
  }
  out += Field("Content-Type", "text/plain; charset=utf-8");
  out += Field("Content-Transfer-Encoding", IsAscii(vacation.reason) ? "7bit" : "8bit");
  return out + "\r\n" + WithFinalCrlf(mail::WithCrlfLineEnds(vacation.reason));
}

}  // namespace mailsuite::sieve
