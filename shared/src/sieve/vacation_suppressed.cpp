// Whether a vacation reply may go (RFC 5230 4.5, 4.6; RFC 3834 2): never to a bounce, a daemon,
// a list or another automatic message, and only to mail that names the user as a recipient.
#include <Poco/String.h>

#include <algorithm>

#include "message_view.h"
#include "shared/mail/header_scan.h"
#include "shared/mail/mime.h"
#include "shared/sieve/sieve.h"

namespace mailsuite::sieve {
namespace {

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         Poco::icompare(std::string(text.substr(0, prefix.size())), std::string(prefix)) == 0;
}
bool EndsWithNoCase(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         Poco::icompare(std::string(text.substr(text.size() - suffix.size())),
                        std::string(suffix)) == 0;
}

// RFC 5230 4.6: senders that are mailing lists or daemons by their local part.
bool LooksAutomated(std::string_view local) {
  static const char* const kDaemons[] = {"mailer-daemon", "listserv", "majordomo"};
  return StartsWithNoCase(local, "owner-") || EndsWithNoCase(local, "-request") ||
         std::any_of(std::begin(kDaemons), std::end(kDaemons),
                     [&](const char* d) { return Poco::icompare(std::string(local), d) == 0; });
}

// The first word of a header value: "auto-replied" of "auto-replied (vacation); x=y".
std::string FirstToken(const std::string& value) {
  std::string text = Poco::trim(value);
  size_t end = text.find_first_of(" \t;(");
  return text.substr(0, end);
}

// Addresses compare without regard to case, in the local part too (as Dovecot does): users do
// not expect "Me@" and "me@" to be different people.
bool SameAddress(const MailAddress& a, const MailAddress& b) {
  return Poco::icompare(a.local, b.local) == 0 && Poco::icompare(a.domain, b.domain) == 0;
}

}  // namespace

std::string VacationSuppressed(const MessageInput& message, const Vacation& vacation,
                               const std::vector<std::string>& user_addresses) {
  if (message.envelope_from.empty()) return "the sender is <>";
  const MailAddress sender = SplitAddress(message.envelope_from);
  if (LooksAutomated(sender.local))
    return "the sender <" + message.envelope_from + "> is a list or a daemon";
  // RFC 3834 2 and 5: anything but "no" marks a message sent by a program.
  for (const std::string& value : mail::HeaderFieldValues(message.message, "Auto-Submitted"))
    if (Poco::icompare(FirstToken(value), "no") != 0)
      return "the message is Auto-Submitted: " + FirstToken(value);
  // RFC 2369 and RFC 2919 fields mark mail from a list.
  static const char* const kListFields[] = {"List-Id",       "List-Help",  "List-Unsubscribe",
                                            "List-Post",     "List-Owner", "List-Archive",
                                            "List-Subscribe"};
  for (const char* field : kListFields)
    if (mail::HasHeaderField(message.message, field))
      return std::string("the message has a ") + field + " field";
  for (const std::string& value : mail::HeaderFieldValues(message.message, "Precedence")) {
    std::string precedence = Poco::toLower(FirstToken(value));
    if (precedence == "bulk" || precedence == "list" || precedence == "junk")
      return "the message has Precedence: " + precedence;
  }
  // RFC 5230 4.5: only mail sent to the user (not through a list or a Bcc of someone else).
  std::vector<MailAddress> mine;
  for (const std::string& a : user_addresses) mine.push_back(SplitAddress(a));
  for (const std::string& a : vacation.addresses) mine.push_back(SplitAddress(a));
  static const char* const kRecipientFields[] = {"To",        "Cc",        "Bcc",
                                                 "Resent-To", "Resent-Cc", "Resent-Bcc"};
  for (const char* field : kRecipientFields) {
    for (const std::string& value : mail::HeaderFieldValues(message.message, field)) {
      for (const mail::EnvelopeAddress& a : mail::ParseAddresses(value)) {
        if (!a.mailbox || !a.host) continue;  // a group marker
        MailAddress recipient{*a.mailbox, *a.host};
        if (std::any_of(mine.begin(), mine.end(),
                        [&](const MailAddress& m) { return SameAddress(m, recipient); }))
          return "";
      }
    }
  }
  return "none of the user's addresses is in To, Cc, Bcc, Resent-To, Resent-Cc or Resent-Bcc";
}

}  // namespace mailsuite::sieve
