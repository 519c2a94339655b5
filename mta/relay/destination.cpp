#include "destination.h"

#include <Poco/Logger.h>

#include <ctime>

#include "shared/logging.h"
#include "shared/mail/address.h"

namespace mailsuite::mta {
namespace {

struct Server {
  std::string name;  // for TLS and logs
  uint16_t port = 25;
};

std::vector<RecipientResult> All(size_t n, RecipientOutcome outcome, const std::string& status,
                                 const std::string& diagnostic) {
  return std::vector<RecipientResult>(n, RecipientResult{outcome, status, diagnostic, ""});
}

RecipientResult FromReply(const SmtpReply& r, const std::string& remote) {
  RecipientResult out;
  out.remote = remote;
  out.status = r.EnhancedStatus();
  out.diagnostic = r.code == 0 ? r.text : "smtp; " + std::to_string(r.code) + " " + r.text;
  out.outcome = r.positive()    ? RecipientOutcome::kDelivered
                : r.temporary() ? RecipientOutcome::kTemporary
                                : RecipientOutcome::kPermanent;
  return out;
}

}  // namespace

void DeliverToDomain(const std::string& domain, const std::vector<OutboundMessage>& messages,
                     const RelaySettings& settings, const Resolver& resolver,
                     const ResultSink& sink) {
  Poco::Logger& log = Poco::Logger::get("relay");
  // The same outcome for every recipient of every message.
  auto all = [&](RecipientOutcome outcome, const std::string& status, const std::string& why) {
    for (size_t i = 0; i < messages.size(); ++i)
      sink(i, All(messages[i].recipients.size(), outcome, status, why));
  };
  std::vector<Server> servers;
  bool via_smarthost = !settings.smarthost.empty();
  if (via_smarthost) {
    auto ep = ParseEndpoints(settings.smarthost);
    if (!ep || ep->empty())
      return all(RecipientOutcome::kTemporary, "4.3.5", "x-local; bad relay.smarthost");
    servers.push_back(Server{(*ep)[0].host, (*ep)[0].port});
  } else {
    MxAnswer mx = resolver.LookupMx(domain);
    if (mx.null_mx)  // RFC 7505 3
      return all(RecipientOutcome::kPermanent, "5.1.10",
                 "x-local; domain " + domain + " accepts no mail (null MX)");
    switch (mx.outcome) {
      case DnsOutcome::kOk:
        // RFC 5321 5.1: we must not relay to ourselves or to MX hosts less preferred than us.
        for (const MxHost& h : mx.hosts) {
          if (mail::ToLower(h.name) == mail::ToLower(settings.helo_name)) break;
          servers.push_back(Server{h.name, settings.port});
        }
        if (servers.empty())
          return all(RecipientOutcome::kPermanent, "5.4.6",
                     "x-local; mail for " + domain + " loops back to myself");
        break;
      case DnsOutcome::kNoRecords:  // RFC 5321 5.1: the domain itself is the implicit MX
        servers.push_back(Server{domain, settings.port});
        break;
      case DnsOutcome::kNoDomain:
        return all(RecipientOutcome::kPermanent, "5.1.2",
                   "x-local; domain " + domain + " does not exist");
      case DnsOutcome::kTemporary:
        return all(RecipientOutcome::kTemporary, "4.4.3",
                   "x-local; DNS lookup of " + domain + " failed: " + mx.error);
    }
  }

  std::string last_error = "x-local; no server for " + domain + " could be reached";
  // RFC 8461 4: under an enforced MTA-STS policy, only MX hosts the policy names, only over TLS
  // with a certificate valid for the MX name; otherwise the mail waits (a temporary failure).
  std::optional<sts::Policy> sts_policy;
  if (!via_smarthost && settings.mta_sts)
    sts_policy = settings.mta_sts->PolicyFor(domain, static_cast<int64_t>(std::time(nullptr)));
  bool enforce = sts_policy && sts_policy->mode == sts::Mode::kEnforce;
  for (const Server& server : servers) {
    if (sts_policy && sts_policy->mode != sts::Mode::kNone &&
        !sts::MxMatches(*sts_policy, server.name)) {
      log.warning("MTA-STS (" + std::string(sts::ModeName(sts_policy->mode)) + ") of " + domain +
                  ": MX " + server.name + " is not in the policy" +
                  (enforce ? "; skipped" : "; used anyway"));
      if (enforce) {
        last_error =
            "x-local; MX " + server.name + " is not allowed by the MTA-STS policy of " + domain;
        continue;
      }
    }
    AddressAnswer addrs = resolver.LookupAddresses(server.name);
    if (addrs.outcome != DnsOutcome::kOk) {
      last_error = "x-local; cannot resolve " + server.name + ": " + addrs.error;
      continue;
    }
    for (const std::string& address : addrs.addresses) {
      ClientSettings cs;
      cs.helo_name = settings.helo_name;
      // A smarthost gets the password: TLS is required, and `verify` stays `verify`.
      cs.tls =
          via_smarthost && settings.tls != TlsPolicy::kVerify ? TlsPolicy::kEncrypt : settings.tls;
      if (enforce) cs.tls = TlsPolicy::kVerify;
      cs.tls_host_name = server.name;
      cs.tls_ca_file = settings.tls_ca_file;
      if (via_smarthost) {
        cs.auth_user = settings.smarthost_user;
        cs.auth_password = settings.smarthost_password;
      }
      SmtpClient client(cs);
      SmtpReply open = client.Open(address, server.port);
      if (!open.positive()) {
        last_error = open.code == 0 ? "x-local; " + open.text
                                    : "smtp; " + std::to_string(open.code) + " " + open.text;
        log.information("relay to " + server.name + " [" + address +
                        "]: " + Printable(open.text, 200));
        continue;  // RFC 5321 5.1: try the next address or MX
      }
      bool lost = false;
      for (size_t i = 0; i < messages.size(); ++i) {
        if (lost) {  // the connection died: the rest waits for the next attempt
          sink(i, All(messages[i].recipients.size(), RecipientOutcome::kTemporary, "4.4.2",
                      "x-local; connection to " + server.name + " lost"));
          continue;
        }
        SendResult sent = client.Send(messages[i]);
        lost = sent.transaction.code == 0;
        std::vector<RecipientResult> results;
        for (const SmtpReply& r : sent.per_rcpt) {
          results.push_back(FromReply(r, server.name));
          results.back().dsn_passed_on = sent.dsn_passed_on;
        }
        sink(i, results);
      }
      if (!lost) client.Quit();
      return;
    }
  }
  // Nothing answered: temporary, since servers and records may come back (RFC 5321 4.5.4.1).
  all(RecipientOutcome::kTemporary, "4.4.1", last_error);
}

}  // namespace mailsuite::mta
