// The SMTP session's content filters; see milter_events.h. Macro names are Sendmail's, with
// the values Postfix gives them (rspamd and OpenDKIM read i, j, {daemon_name}, {auth_authen},
// {client_addr}, {mail_addr}, {rcpt_addr}...).
#include "milter_events.h"

#include <Poco/String.h>
#include <Poco/StringTokenizer.h>

#include <algorithm>

#include "../delivery/delivery.h"
#include "session.h"
#include "shared/mail/header_scan.h"
#include "shared/net/dns_resolver.h"

namespace mailsuite::mta {
namespace {

using milter::Macros;
using milter::Verdict;

void SendVerdict(SmtpSession& s, const Verdict& v, const std::string& event) {
  for (const std::string& line : milter::WireLines(v.reply)) s.Reply(line);
  s.log().Info("milter " + v.filter + " refused " + event + ": " +
               Printable(v.reply.empty() ? "" : v.reply.back()));
  if (v.close_session) s.Close();
}

// "FROM:<a@b> SIZE=10" -> {"<a@b>", "SIZE=10"}: the path, then each ESMTP parameter.
std::vector<std::string> CommandArguments(const std::string& argument) {
  size_t colon = argument.find(':');
  std::string rest = colon == std::string::npos ? argument : argument.substr(colon + 1);
  Poco::StringTokenizer words(
      rest, " ", Poco::StringTokenizer::TOK_IGNORE_EMPTY | Poco::StringTokenizer::TOK_TRIM);
  return std::vector<std::string>(words.begin(), words.end());
}

std::string HostOf(const std::string& address) {
  size_t at = address.rfind('@');
  return at == std::string::npos ? "" : address.substr(at + 1);
}

// An address a filter added: resolved like RCPT TO. Nullopt (logged) when it cannot be.
std::optional<Recipient> AddedRecipient(SmtpSession& s, const std::string& text, bool utf8) {
  auto parsed = mail::ParseMailbox(text, utf8);
  if (!parsed) {
    s.log().Warning("milter added an unusable recipient " + Printable(text) + ": " +
                    parsed.error());
    return std::nullopt;
  }
  Recipient r;
  r.rcpt.recipient = *parsed;
  r.address = parsed->ToString();
  auto local = s.services.store.DomainExists(parsed->domain);
  if (local && *local) {
    auto users = s.services.store.ResolveRecipient(r.address);
    if (!users || users->empty()) {
      s.log().Warning("milter added recipient " + Printable(r.address) +
                      ", who is not a user here; not delivered");
      return std::nullopt;
    }
    r.local_users = std::move(*users);
  }
  return r;
}

// The client's verified name (its PTR record, whose own addresses include the client's) and
// the PTR name as found; empty when there is none or no resolver.
std::pair<std::string, std::string> ClientName(SmtpSession& s) {
  if (!s.services.resolver) return {};
  const std::string& addr = s.info().peer_address;
  dns::PtrAnswer ptr = s.services.resolver->LookupPtr(addr);
  if (ptr.outcome != dns::DnsOutcome::kOk || ptr.names.empty()) return {};
  std::string name = ptr.names.front();
  if (!name.empty() && name.back() == '.') name.pop_back();
  dns::AddressAnswer forward = s.services.resolver->LookupAddresses(name);
  bool confirmed = forward.outcome == dns::DnsOutcome::kOk &&
                   std::find(forward.addresses.begin(), forward.addresses.end(), addr) !=
                       forward.addresses.end();
  return {confirmed ? name : "", name};
}

bool HasJunkHeader(const std::string& content, const SpamConfig& spam) {
  if (spam.junk_header_name.empty()) return false;
  for (const std::string& v : mail::HeaderFieldValues(content, spam.junk_header_name))
    if (Poco::icompare(v, spam.junk_header_value) == 0) return true;
  return false;
}

}  // namespace

bool StartFilters(SmtpSession& s) {
  const SmtpConfig& c = s.services.config.smtp;
  const std::vector<MilterSpec>& specs = s.is_submission() ? c.submission_milters : c.milters;
  if (specs.empty()) return true;
  s.milters = std::make_unique<milter::MilterChain>(specs, c, s.log());
  const std::string& addr = s.info().peer_address;
  auto [name, ptr] = ClientName(s);
  Macros macros = {{"j", s.hostname()},
                   {"_", (name.empty() ? "unknown" : name) + " [" + addr + "]"},
                   {"{daemon_name}", s.info().listener},
                   {"{client_addr}", addr},
                   {"{client_name}", name.empty() ? "unknown" : name},
                   {"{client_ptr}", ptr.empty() ? "unknown" : ptr},
                   {"v", "mailsuite"}};
  // The connect event names the client by its name, or "[address]" when it has none that
  // resolves back to it (rspamd scores that as "no reverse DNS").
  Verdict v = s.milters->Connect(macros, name.empty() ? "[" + addr + "]" : name, addr);
  if (v.close_session) {
    SendVerdict(s, v, "the connection");
    return false;
  }
  if (v.refused())
    s.log().Info("milter " + v.filter +
                 " refused the connection: " + Printable(v.reply.empty() ? "" : v.reply.back()));
  return true;
}

bool FilterHelo(SmtpSession& s) {
  if (!s.milters) return true;
  Verdict v = s.milters->Helo({}, s.helo_name);
  if (!v.close_session) return true;
  SendVerdict(s, v, "HELO");
  return false;
}

bool FilterMail(SmtpSession& s, const std::string& argument) {
  if (!s.milters) return true;
  Transaction& t = s.transaction;
  t.id = s.NextMessageId();
  std::string sender = t.mail.null_sender ? "" : t.mail.sender.ToString();
  Macros macros = {{"i", t.id},
                   {"{mail_addr}", sender},
                   {"{mail_host}", HostOf(sender)},
                   {"{mail_mailer}", "smtp"}};
  if (!s.authenticated_user.empty()) {
    macros.push_back({"{auth_type}", s.auth_mechanism});
    macros.push_back({"{auth_authen}", s.authenticated_user});
  }
  Verdict v = s.milters->Mail(macros, CommandArguments(argument));
  if (v.kind == Verdict::Kind::kDiscard) t.discard = true;
  if (!v.refused()) return true;
  SendVerdict(s, v, "MAIL");
  return false;
}

bool FilterRcpt(SmtpSession& s, const std::string& argument) {
  if (!s.milters) return true;
  const Recipient& r = s.transaction.recipients.back();
  Macros macros = {{"{rcpt_addr}", r.address},
                   {"{rcpt_host}", HostOf(r.address)},
                   {"{rcpt_mailer}", r.local_users.empty() ? "smtp" : "local"}};
  Verdict v = s.milters->Rcpt(macros, CommandArguments(argument));
  if (v.kind == Verdict::Kind::kDiscard) s.transaction.discard = true;
  if (!v.refused()) return true;
  SendVerdict(s, v, "RCPT " + Printable(r.address));
  return false;
}

bool FilterMessage(SmtpSession& s, std::string& content, Envelope& env, bool* discarded) {
  *discarded = false;
  if (s.milters) {
    milter::MessageOutcome out = s.milters->Message({{"i", env.id}}, std::move(content));
    content = std::move(out.content);
    for (const auto& [filter, change] : out.changes)
      s.log().Info(env.id + ": milter " + filter + ": " + change);
    if (out.verdict.refused()) {
      SendVerdict(s, out.verdict, "message " + env.id);
      return false;
    }
    if (out.verdict.kind == Verdict::Kind::kDiscard || s.transaction.discard) {
      s.log().Info(env.id + ": discarded by milter " + out.verdict.filter);
      *discarded = true;
      return false;
    }
    if (out.sender) {
      env.sender = *out.sender;
      env.mail.null_sender = out.sender->empty();
    }
    for (const std::string& gone : out.deleted_recipients)
      std::erase_if(env.recipients,
                    [&](const Recipient& r) { return Poco::icompare(r.address, gone) == 0; });
    for (const std::string& added : out.added_recipients)
      if (auto r = AddedRecipient(s, added, env.mail.smtputf8)) env.recipients.push_back(*r);
    if (!out.quarantine.empty()) {
      s.log().Info(env.id + ": quarantined (Junk): " + Printable(out.quarantine));
      env.junk = true;
    }
    if (env.recipients.empty()) {
      s.log().Info(env.id + ": the milters removed every recipient");
      *discarded = true;
      return false;
    }
  }
  if (HasJunkHeader(content, s.services.config.spam)) env.junk = true;
  return true;
}

}  // namespace mailsuite::mta
