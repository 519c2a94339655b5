// RCPT TO (RFC 5321 4.1.1.3) with DSN NOTIFY/ORCPT (RFC 3461). Local domains: the recipient
// must resolve to users (directly, by alias, or by catch-all) or it is refused at once with
// 550 5.1.1, so no bounce is ever sent to a forged sender (no backscatter). Other domains:
// only for authenticated clients and trusted networks (no open relay). A local recipient
// without room for the message (quota) gets 452 4.2.2.
#include "../../delivery/quota_check.h"
#include "../milter_events.h"
#include "../session.h"

namespace mailsuite::mta {
namespace {

// RFC 5321 4.5.1: "Postmaster" without a domain must be accepted. It goes to postmaster of
// this host's name, or of the first local domain that has one.
std::vector<store::UserId> ResolvePostmaster(SmtpSession& s, std::string& address) {
  std::vector<std::string> candidates = {"postmaster@" + s.hostname()};
  if (auto domains = s.services.store.ListDomains())
    for (const auto& d : *domains) candidates.push_back("postmaster@" + d);
  for (const auto& c : candidates) {
    auto users = s.services.store.ResolveRecipient(c);
    if (users && !users->empty()) {
      address = c;
      return *users;
    }
  }
  return {};
}

}  // namespace

void HandleRcpt(SmtpSession& s, const std::string& argument) {
  auto parsed = ParseRcptTo(argument, s.transaction.mail.smtputf8);
  if (!parsed.value) {
    s.Reply(parsed.error.ToString());
    s.CountError();
    return;
  }
  if (!s.esmtp && (!parsed.value->notify.empty() || !parsed.value->orcpt.empty())) {
    s.Reply(555, "5.5.4", "Parameters need EHLO");
    return;
  }
  if (static_cast<int>(s.transaction.recipients.size()) >= s.services.config.smtp.max_recipients) {
    s.Reply(452, "4.5.3", "Too many recipients");  // RFC 5321 4.5.3.1.10
    return;
  }
  Recipient r;
  r.rcpt = std::move(*parsed.value);
  if (r.rcpt.postmaster) {
    r.local_users = ResolvePostmaster(s, r.address);
    if (r.local_users.empty()) {
      s.Reply(550, "5.1.1", "No postmaster is configured here");
      return;
    }
  } else {
    r.address = r.rcpt.recipient.ToString();
    auto local = s.services.store.DomainExists(r.rcpt.recipient.domain);
    if (!local) {
      s.log().Error("store: " + local.error());
      s.Reply(451, "4.3.0", "Temporary lookup failure");
      return;
    }
    if (*local) {
      auto users = s.services.store.ResolveRecipient(r.address);
      if (!users) {
        s.log().Error("store: " + users.error());
        s.Reply(451, "4.3.0", "Temporary lookup failure");
        return;
      }
      if (users->empty()) {
        s.Reply(550, "5.1.1", "Recipient address rejected: user unknown");
        s.CountError();  // address probing costs the session like any other error
        s.log().Info("unknown recipient " + Printable(r.address));
        return;
      }
      // RFC 1870 6.4 and RFC 3463 X.2.2: a full mailbox is a transient failure; the client
      // keeps the message for this recipient and tries again.
      auto full = NoneHasRoom(s.services.store, s.services.config.quota, *users,
                              static_cast<uint64_t>(s.transaction.mail.size.value_or(0)));
      if (!full) {
        s.log().Error("store: " + full.error());
        s.Reply(451, "4.3.0", "Temporary lookup failure");
        return;
      }
      if (*full) {
        s.Reply(452, "4.2.2", "Mailbox full: " + Printable(r.address));
        s.log().Info("mailbox full: " + Printable(r.address));
        return;
      }
      r.local_users = std::move(*users);
    } else {
      bool may_relay =
          !s.authenticated_user.empty() ||
          net::InNetworks(s.info().peer_address, s.services.config.smtp.trusted_networks);
      if (!may_relay) {
        s.Reply(554, "5.7.1", "Relay access denied");
        s.CountError();
        s.log().Info("relay denied for " + Printable(r.address));
        return;
      }
    }
  }
  s.transaction.recipients.push_back(std::move(r));
  if (!FilterRcpt(s, argument)) {
    s.transaction.recipients.pop_back();
    return;
  }
  s.EnterState(SmtpState::kRcpt);
  s.Reply(250, "2.1.5", "Ok");
}

}  // namespace mailsuite::mta
