#include "dsn_sender.h"

#include <Poco/Logger.h>

#include "../dkim/dkim_signer.h"
#include "delivery.h"
#include "shared/logging.h"
#include "shared/mail/address.h"

namespace mailsuite::mta {

Status SendFromNullSender(store::Store& store, const std::string& to_address,
                          const std::string& content, const std::string& id, int64_t now,
                          bool* queued) {
  if (queued) *queued = false;
  Envelope env;
  env.id = id;
  env.sender = "";  // the null sender: never answered with another message
  env.mail.null_sender = true;
  env.received_at = now;
  Recipient to;
  to.address = to_address;
  size_t at = to_address.rfind('@');
  std::string domain = at == std::string::npos ? "" : mail::ToLower(to_address.substr(at + 1));
  auto local = store.DomainExists(domain);
  if (!local) return local.status();
  if (*local) {
    auto users = store.ResolveRecipient(to_address);
    if (!users) return users.status();
    if (users->empty()) {
      Poco::Logger::get("queue").warning(id + " dropped: local recipient <" +
                                         Printable(to_address) + "> does not exist");
      return Status::Ok();
    }
    to.local_users = *users;
  }
  env.recipients.push_back(to);
  DeliveryReport report;
  Status s = DeliverMessage(store, env, content, &report);
  if (queued) *queued = report.queued;
  return s;
}

Status SendDsn(store::Store& store, const DsnInput& in, const std::vector<DsnRecipient>& recipients,
               const std::string& original, const DkimSigner* dkim) {
  // RFC 5321 4.5.5 / RFC 3461 6.2: never send a DSN about a message from the null sender.
  if (in.sender.empty() || recipients.empty()) return Status::Ok();
  std::string dsn = BuildDsn(in, recipients, original);
  if (dkim) {
    auto signature = dkim->Sign(dsn);
    if (signature)
      dsn.insert(0, *signature);
    else
      Poco::Logger::get("queue").error(signature.error());
  }
  Status s = SendFromNullSender(store, in.sender, dsn, "dsn." + in.id, in.now);
  if (s)
    Poco::Logger::get("queue").information("DSN (" + recipients[0].action + ") sent to <" +
                                           Printable(in.sender) + ">");
  return s;
}

}  // namespace mailsuite::mta
