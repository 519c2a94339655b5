// DeliverMessage; see delivery.h.
#include "delivery.h"

#include <Poco/Logger.h>
#include <Poco/String.h>

#include <set>

#include "../dkim/dkim_signer.h"
#include "dsn_sender.h"
#include "shared/metrics/registry.h"
#include "sieve_delivery.h"

namespace mailsuite::mta {
namespace {

// The user's INBOX, or their Junk folder for a message judged spam (every user is created with
// one; a deleted Junk means INBOX). nullopt: the user has no INBOX.
Result<std::optional<store::MailboxId>> DefaultMailbox(store::Store& store, store::UserId uid,
                                                       bool junk) {
  if (junk) {
    auto box = store.GetMailbox(uid, "Junk");
    if (!box) return box.status();
    if (box->has_value()) return std::optional<store::MailboxId>((**box).id);
  }
  auto inbox = store.GetMailbox(uid, "INBOX");
  if (!inbox) return inbox.status();
  if (!inbox->has_value()) return std::optional<store::MailboxId>();
  return std::optional<store::MailboxId>((**inbox).id);
}

// Sieve redirects to our own users land in their default mailbox at once (without running
// their scripts, so two scripts cannot bounce a message between them); the rest are returned
// for the queue. A user the envelope names already gets their own copy (and their own script
// runs for it), and a user already reached by a redirect gets one copy. Returns false in
// `delivered` when no redirect reached anyone (the redirecting user themself, or an address
// no user answers): the caller then keeps the message, as a redirect must not lose it.
Result<std::vector<std::string>> RedirectLocally(store::Store& store, const Envelope& env,
                                                 store::UserId from,
                                                 const std::vector<std::string>& redirects,
                                                 const std::set<store::UserId>& envelope_users,
                                                 std::set<store::UserId>& redirected,
                                                 std::vector<store::DeliveryTarget>& targets,
                                                 bool* delivered) {
  std::vector<std::string> remote;
  *delivered = false;
  for (const std::string& to : redirects) {
    auto local = store.DomainExists(to.substr(to.rfind('@') + 1));
    if (!local) return local.status();
    if (!*local) {
      remote.push_back(to);
      *delivered = true;
      continue;
    }
    auto users = store.ResolveRecipient(to);
    if (!users) return users.status();
    if (users->empty())
      Poco::Logger::get("sieve").warning(env.id + ": redirect to unknown local " + to);
    for (store::UserId uid : *users) {
      if (uid == from) continue;
      *delivered = true;
      if (envelope_users.count(uid) || !redirected.insert(uid).second) continue;
      auto user = store.GetUser(uid);
      if (!user) return user.status();
      auto box = DefaultMailbox(store, uid, env.junk);
      if (!box) return box.status();
      if (!user->has_value() || !box->has_value()) continue;
      targets.push_back({**box, TraceFields(env.sender, (*user)->address)});
    }
  }
  return remote;
}

// RFC 5230 4.2: the reply goes only if this sender had none under its handle within the
// period, which the store records; DKIM-signed for the user's domain like their own mail, so a
// receiver that checks DMARC takes it.
void SendVacationReply(store::Store& store, const Envelope& env, store::UserId user,
                       const std::string& user_address, VacationReply& reply, bool* queued) {
  auto& log = Poco::Logger::get("sieve");
  const std::string who = env.id + ": vacation of " + user_address;
  auto due = store.ClaimVacationReply(user, reply.handle, Poco::toLower(env.sender),
                                      env.received_at, reply.period);
  if (!due) return log.error(who + " not sent: " + due.error());
  if (!*due)
    return log.information(who + " not sent: <" + env.sender + "> had one within " +
                           std::to_string(reply.period) + " s");
  if (env.dkim) {
    auto signature = env.dkim->Sign(reply.message);
    if (signature)
      reply.message.insert(0, *signature);
    else
      log.error(who + " goes unsigned: " + signature.error());
  }
  bool sent_to_queue = false;
  Status sent = SendFromNullSender(store, env.sender, reply.message, "vacation." + env.id,
                                   env.received_at, &sent_to_queue);
  if (!sent) return log.error(who + " to <" + env.sender + "> not sent: " + sent.message());
  log.information(who + " sent to <" + env.sender + ">");
  *queued = *queued || sent_to_queue;
}

}  // namespace

std::string TraceFields(const std::string& sender, const std::string& user_address) {
  return "Return-Path: <" + sender + ">\r\nDelivered-To: " + user_address + "\r\n";
}

namespace {

// mailsuite_deliveries_total, once the store took the message.
void CountDeliveries(size_t stored, size_t refused, size_t queued,
                     const std::vector<store::NewQueueMessage>& redirects) {
  static metrics::Family<metrics::Counter>& deliveries = metrics::Default().AddCounter(
      "mailsuite_deliveries_total",
      "What became of each recipient of a received message: stored (one per mailbox copy), "
      "sieve_reject (refused by the user's script), queued (for another host) or "
      "sieve_redirect (queued by a script's redirect).",
      {"result"});
  static metrics::Counter& stored_count = deliveries.With({"stored"});
  static metrics::Counter& refused_count = deliveries.With({"sieve_reject"});
  static metrics::Counter& queued_count = deliveries.With({"queued"});
  static metrics::Counter& redirect_count = deliveries.With({"sieve_redirect"});
  stored_count.Inc(stored);
  refused_count.Inc(refused);
  queued_count.Inc(queued);
  for (const store::NewQueueMessage& r : redirects) redirect_count.Inc(r.recipients.size());
}

}  // namespace

Status DeliverMessage(store::Store& store, const Envelope& env, const std::string& content,
                      DeliveryReport* report) {
  DeliveryReport ignored;
  DeliveryReport& out = report ? *report : ignored;
  out = DeliveryReport{};
  struct PendingReply {
    store::UserId user;
    std::string user_address;
    VacationReply reply;
  };
  std::vector<PendingReply> vacation_replies;     // sent once the message itself is stored
  std::vector<store::NewQueueMessage> redirects;  // Sieve redirects to other hosts
  size_t local_users = 0;
  // Local: one row per distinct user and mailbox, however many addresses or aliases reached
  // them; the user's Sieve script picks the mailboxes.
  std::vector<store::DeliveryTarget> targets;
  std::vector<std::string> stored_for;  // users with a copy among the targets
  std::set<store::UserId> envelope_users, seen, redirected;
  for (const Recipient& r : env.recipients)
    envelope_users.insert(r.local_users.begin(), r.local_users.end());
  for (size_t i = 0; i < env.recipients.size(); ++i) {
    const Recipient& r = env.recipients[i];
    for (store::UserId uid : r.local_users) {
      if (!seen.insert(uid).second) continue;
      ++local_users;
      auto user = store.GetUser(uid);
      if (!user) return user.status();
      if (!user->has_value()) continue;  // removed since RCPT; nothing to deliver to
      auto box = DefaultMailbox(store, uid, env.junk);
      if (!box) return box.status();
      if (!box->has_value()) return Status::Error("user " + (*user)->address + " has no INBOX");
      const std::string trace = TraceFields(env.sender, (*user)->address);
      SieveDecision where;
      where.filings.push_back({**box, {}});
      if (env.run_sieve)
        where = DecideWithSieve(store,
                                {uid, (*user)->address, r.address, **box, env.sender, env.id,
                                 env.hostname, env.received_at, env.junk},
                                content);
      if (where.vacation)
        vacation_replies.push_back({uid, (*user)->address, std::move(*where.vacation)});
      if (where.reject) {
        out.refusals.push_back({i, (*user)->address, *where.reject});
        continue;
      }
      bool redirect_delivered = true;
      if (!where.redirects.empty()) {
        auto remote = RedirectLocally(store, env, uid, where.redirects, envelope_users, redirected,
                                      targets, &redirect_delivered);
        if (!remote) return remote.status();
        where.redirects = std::move(*remote);
      }
      if (!redirect_delivered && where.filings.empty()) {
        Poco::Logger::get("sieve").warning(env.id + ": no redirect of " + (*user)->address +
                                           "'s script reached anyone; kept");
        where.filings.push_back({**box, {}});
      }
      if (!where.filings.empty()) stored_for.push_back((*user)->address);
      for (SieveFiling& f : where.filings) {
        store::DeliveryTarget target(f.mailbox, trace);
        target.flags = std::move(f.flags);
        targets.push_back(std::move(target));
      }
      if (!where.redirects.empty()) {
        // Queued in the transaction that stores the local copies. The copy carries this
        // user's Delivered-To (not our Return-Path, RFC 5321 4.4), so a redirect that comes
        // back round is recognised (sieve_delivery.h).
        store::NewQueueMessage& redirect = redirects.emplace_back();
        redirect.sender = env.sender;
        for (const std::string& to : where.redirects) redirect.recipients.push_back({to, "", ""});
        redirect.content = "Delivered-To: " + (*user)->address + "\r\n" + content;
      }
    }
  }

  store::NewQueueMessage remote;
  for (const Recipient& r : env.recipients) {
    if (!r.local_users.empty()) continue;
    remote.recipients.push_back({r.address, r.rcpt.notify, r.rcpt.orcpt});
  }
  if (!remote.recipients.empty()) {
    remote.sender = env.sender;
    remote.envid = env.mail.envid;
    remote.ret = env.mail.ret;
  }
  if (!targets.empty() || !remote.recipients.empty() || !redirects.empty()) {
    // One transaction for all of it; the store parses the MIME structure once and caches it
    // with the body.
    auto accepted = store.Accept(targets, remote.recipients.empty() ? nullptr : &remote, content,
                                 env.received_at, "", redirects);
    if (!accepted) return accepted.status();
    out.queued = !remote.recipients.empty() || !redirects.empty();
    out.queue_id = accepted->queue_id;
    out.delivered_to = std::move(stored_for);
    CountDeliveries(targets.size(), out.refusals.size(), remote.recipients.size(), redirects);
  } else if (!out.refusals.empty() && out.refusals.size() == local_users) {
    out.all_refused = true;  // nothing stored: the reply refuses, and no vacation reply goes
    CountDeliveries(0, out.refusals.size(), 0, {});
    return Status::Ok();
  }
  // After the message is stored: a failure here loses a reply, never the message.
  for (PendingReply& p : vacation_replies)
    SendVacationReply(store, env, p.user, p.user_address, p.reply, &out.queued);
  return Status::Ok();
}

}  // namespace mailsuite::mta
