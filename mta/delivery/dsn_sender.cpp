#include "dsn_sender.h"

#include <Poco/Logger.h>

#include "../dkim/dkim_signer.h"
#include "delivery.h"
#include "shared/logging.h"
#include "shared/mail/address.h"

namespace mailsuite::mta {

Status SendDsn(store::Store& store, const DsnInput& in, const std::vector<DsnRecipient>& recipients,
               const std::string& original, const DkimSigner* dkim) {
  // RFC 5321 4.5.5 / RFC 3461 6.2: never send a DSN about a message from the null sender.
  if (in.sender.empty() || recipients.empty()) return Status::Ok();
  Envelope env;
  env.id = "dsn." + in.id;
  env.sender = "";  // the null sender: a DSN is never answered with another
  env.mail.null_sender = true;
  env.received_at = in.now;
  Recipient to;
  to.address = in.sender;
  size_t at = in.sender.rfind('@');
  std::string domain = at == std::string::npos ? "" : mail::ToLower(in.sender.substr(at + 1));
  auto local = store.DomainExists(domain);
  if (!local) return local.status();
  if (*local) {
    auto users = store.ResolveRecipient(in.sender);
    if (!users) return users.status();
    if (users->empty()) {
      Poco::Logger::get("queue").warning("DSN dropped: local sender <" + Printable(in.sender) +
                                         "> does not exist");
      return Status::Ok();
    }
    to.local_users = *users;
  }
  env.recipients.push_back(to);
  std::string dsn = BuildDsn(in, recipients, original);
  if (dkim) {
    auto signature = dkim->Sign(dsn);
    if (signature)
      dsn.insert(0, *signature);
    else
      Poco::Logger::get("queue").error(signature.error());
  }
  Status s = DeliverMessage(store, env, dsn);
  if (s)
    Poco::Logger::get("queue").information("DSN (" + recipients[0].action + ") sent to <" +
                                           Printable(in.sender) + ">");
  return s;
}

}  // namespace mailsuite::mta
