#include "delivery.h"

#include <set>

namespace mailsuite::mta {

std::string TraceFields(const std::string& sender, const std::string& user_address) {
  return "Return-Path: <" + sender + ">\r\nDelivered-To: " + user_address + "\r\n";
}

Status DeliverMessage(store::Store& store, const Envelope& env, const std::string& content) {
  // Local: one INBOX row per distinct user, however many addresses or aliases reached them.
  std::vector<store::DeliveryTarget> targets;
  std::set<store::UserId> seen;
  for (const Recipient& r : env.recipients) {
    for (store::UserId uid : r.local_users) {
      if (!seen.insert(uid).second) continue;
      auto user = store.GetUser(uid);
      if (!user) return user.status();
      if (!user->has_value()) continue;  // removed since RCPT; nothing to deliver to
      auto inbox = store.GetMailbox(uid, "INBOX");
      if (!inbox) return inbox.status();
      if (env.junk) {  // every user is created with a Junk folder; one deleted means INBOX
        auto junk = store.GetMailbox(uid, "Junk");
        if (!junk) return junk.status();
        if (junk->has_value()) inbox = std::move(junk);
      }
      if (!inbox->has_value()) return Status::Error("user " + (*user)->address + " has no INBOX");
      store::DeliveryTarget t;
      t.mailbox = (*inbox)->id;
      t.header_prefix = TraceFields(env.sender, (*user)->address);
      targets.push_back(std::move(t));
    }
  }

  store::NewQueueMessage queued;
  for (const Recipient& r : env.recipients) {
    if (!r.local_users.empty()) continue;
    queued.recipients.push_back({r.address, r.rcpt.notify, r.rcpt.orcpt});
  }

  if (!queued.recipients.empty()) {
    queued.sender = env.sender;
    queued.envid = env.mail.envid;
    queued.ret = env.mail.ret;
  }
  // The store parses the MIME structure once and caches it with the body.
  auto accepted = store.Accept(targets, queued.recipients.empty() ? nullptr : &queued, content,
                               env.received_at);
  if (!accepted) return accepted.status();
  return Status::Ok();
}

}  // namespace mailsuite::mta
