#include <Poco/DigestEngine.h>
#include <Poco/SHA1Engine.h>

#include "shared/mail/mime.h"
#include "vacation.h"

namespace mailsuite::sieve {

bool IsValidReplyFrom(std::string_view from) {
  std::vector<mail::EnvelopeAddress> addresses = mail::ParseAddresses(from);
  return addresses.size() == 1 && addresses[0].mailbox && !addresses[0].mailbox->empty() &&
         addresses[0].host && !addresses[0].host->empty();
}

std::string DefaultVacationHandle(const Vacation& vacation) {
  Poco::SHA1Engine sha1;
  // Lengths first, so that no two different field sets give the same input.
  for (const std::string* field : {&vacation.reason, &vacation.subject, &vacation.from}) {
    sha1.update(std::to_string(field->size()) + ":");
    sha1.update(*field);
  }
  sha1.update(vacation.mime ? "mime" : "text");
  return Poco::DigestEngine::digestToHex(sha1.digest());
}

}  // namespace mailsuite::sieve
