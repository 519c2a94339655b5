// DATA (RFC 5321 4.1.1.4) and BDAT (RFC 3030 CHUNKING). Both end in AcceptMessage, which checks
// the message, adds our trace headers, and hands it to delivery; "250" is sent only once the
// store has committed it to disk. A connection lost before the end leaves nothing behind.
#include <ctime>
#include <set>

#include "../../delivery/delivery.h"
#include "../../delivery/dsn_sender.h"
#include "../../delivery/quota_check.h"
#include "../../dkim/dkim_signer.h"
#include "../../inbound/inbound_checks.h"
#include "../message_metrics.h"
#include "../milter_events.h"
#include "../session.h"
#include "../trace_headers.h"
#include "shared/event_log.h"
#include "shared/mail/header_scan.h"
#include "shared/mail/transfer_encoding.h"

namespace mailsuite::mta {
namespace {

// Checks (or, when normalizing, repairs) the line ends of a BDAT message: false if it has a NUL,
// or a bare CR or LF that may not be normalized.
bool CleanLineEnds(std::string& content, bool normalize) {
  if (content.find('\0') != std::string::npos) return false;
  bool bare = false;
  for (size_t i = 0; i < content.size() && !bare; ++i) {
    if (content[i] == '\r') bare = i + 1 >= content.size() || content[i + 1] != '\n';
    if (content[i] == '\n') bare = i == 0 || content[i - 1] != '\r';
  }
  if (!bare) return true;
  if (!normalize) return false;
  content = mail::WithCrlfLineEnds(content);
  return true;
}

// "pass", "none", or each signature's result: "fail,pass".
std::string DkimSummary(const std::vector<DkimResult>& results) {
  std::string out;
  for (const DkimResult& r : results)
    out += (out.empty() ? "" : ",") + std::string(DkimOutcomeName(r.outcome));
  return out.empty() ? "none" : out;
}

// Quota at the end of data. SMTP has one reply for every recipient, so a message some local
// users have no room for is never half-delivered in silence: when nobody has room, 552 5.2.2
// (452 4.2.2 when the client declared a SIZE the message kept to: RFC 1870 6.3, our trace
// fields made the difference);
// when others have, our own users' mail goes to them and a DSN names the full mailboxes (each
// with NOTIFY=FAILURE, the default), while a stranger's is refused for all with 452 4.2.2 (a
// bounce to a sender we cannot vouch for would be backscatter) and tried again later.
// Returns false when it answered the transaction.
bool MakeRoom(SmtpSession& s, Envelope& env, const std::string& content, size_t received_octets,
              bool known_sender, std::vector<DsnRecipient>* full_notices) {
  auto full = UsersWithoutRoom(s.services.store, s.services.config.quota, env, content);
  if (!full) {
    s.log().Error("store: " + full.error());
    s.Reply(451, "4.3.0", "Local error in processing; try again later");
    return false;
  }
  if (full->empty()) return true;
  // The client hears the addresses it gave, never whom an alias expands to; the log has both.
  std::string users, addresses;
  std::set<std::string> named;
  for (const NoRoom& n : *full) {
    users += (users.empty() ? "" : ", ") + n.user_address;
    const std::string& address = env.recipients[n.recipient].address;
    if (named.insert(address).second) addresses += (addresses.empty() ? "" : ", ") + address;
  }
  Envelope rest = env;
  if (!WithoutUsers(rest, *full)) {
    s.log().Info("refused " + env.id + ": mailbox full: " + users);
    const auto& declared = s.transaction.mail.size;
    if (declared && received_octets <= static_cast<uint64_t>(*declared))
      s.Reply(452, "4.2.2", "Mailbox full: " + addresses + "; try again later");
    else
      s.Reply(552, "5.2.2", "Mailbox full: " + addresses);
    return false;
  }
  if (!known_sender) {
    s.log().Info("deferred " + env.id + ": mailbox full: " + users);
    s.Reply(452, "4.2.2", "Mailbox full: " + addresses + "; try again later");
    return false;
  }
  s.log().Info(env.id + ": not delivered to " + users + ": mailbox full");
  for (const NoRoom& n : *full) {
    const Recipient& r = env.recipients[n.recipient];
    if (DsnWanted(r.rcpt.notify, "failed"))
      full_notices->push_back(
          {r.address, r.rcpt.orcpt, "failed", "5.2.2", "x-local; mailbox full", ""});
  }
  env = std::move(rest);
  return true;
}

// A script's reject reason (any UTF-8, any length, RFC 5429 2.1) in an SMTP reply or a DSN's
// Diagnostic-Code: one line of printable ASCII, at most 200 characters.
std::string SieveReasonForReply(const std::string& reason) {
  std::string out;
  for (char c : reason) {
    if (out.size() == 200) break;
    unsigned char u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : (c == '\r' || c == '\n' || c == '\t') ? ' ' : '?';
  }
  return out;
}

// The message's events: received (with the queue number of its remote recipients), and one
// delivered per local user who got a copy.
void LogReceived(SmtpSession& s, const Envelope& env, const DeliveryReport& report,
                 size_t received_octets, size_t stored_octets) {
  EventLine received("received");
  received.Add("msgid", env.id);
  if (report.queue_id) received.Add("queue", report.queue_id);
  received.Add("from", "<" + env.sender + ">")
      .Add("rcpts", static_cast<int64_t>(env.recipients.size()))
      .Add("size", static_cast<int64_t>(received_octets))
      .Add("client", s.info().peer_address)
      .Add("helo", s.helo_name, 80)
      .Add("tls", s.conn().IsTls() ? "yes" : "no")
      .Add("session", s.info().session_id);
  if (!s.authenticated_user.empty()) received.Add("user", s.authenticated_user);
  if (env.junk) received.Add("junk", "yes");
  received.Log();
  for (const std::string& user : report.delivered_to)
    EventLine("delivered")
        .Add("msgid", env.id)
        .Add("to", "<" + user + ">")
        .Add("size", static_cast<int64_t>(stored_octets))
        .Log();
}

void AcceptMessage(SmtpSession& s, std::string content) {
  const SmtpConfig& c = s.services.config.smtp;
  const size_t received_octets = content.size();  // as the client sent it (SIZE= counts this)
  Transaction& t = s.transaction;
  int received = mail::CountHeaderFields(content, "Received");
  if (received > c.max_received_headers) {  // RFC 5321 6.3
    s.Reply(554, "5.4.6", "Too many Received headers: mail loop detected");
    CountMessage(s, "mail_loop");
    s.log().Warning("mail loop: " + std::to_string(received) + " Received headers");
    s.ResetTransaction();
    return;
  }

  int64_t now = static_cast<int64_t>(std::time(nullptr));
  std::string id = t.id.empty() ? s.NextMessageId() : t.id;
  // Our own users and trusted networks are known; everyone else on port 25 is a stranger whose
  // claims (From:, MAIL FROM, signatures) are checked.
  bool known_sender =
      !s.authenticated_user.empty() || net::InNetworks(s.info().peer_address, c.trusted_networks);
  std::string authentication_results;
  bool junk = false;
  if (!known_sender && s.services.inbound) {
    InboundFacts facts{s.info().peer_address, s.helo_name,
                       t.mail.null_sender ? "" : t.mail.sender.ToString()};
    InboundResults results = s.services.inbound->Check(content, facts);
    std::string summary = "spf=" + std::string(spf::ResultName(results.spf.result)) +
                          " dkim=" + DkimSummary(results.dkim) +
                          " dmarc=" + dmarc::OutcomeName(results.dmarc.outcome) +
                          " (p=" + dmarc::PolicyName(results.dmarc.policy) +
                          ") from=" + Printable(results.author_domain);
    CountAuthenticationResults(results);
    switch (DecideInbound(results, s.services.inbound->on_reject())) {
      case InboundAction::kReject:  // RFC 7489 7.3 / RFC 7372 5.7.1
        s.log().Info("refused " + id + ": " + summary);
        s.Reply(
            550, "5.7.1",
            results.author_unusable
                ? "Message rejected: its From: field must name exactly one author"
                : "Message rejected: it fails the DMARC policy of " + results.dmarc.policy_domain);
        CountMessage(s, results.author_unusable ? "from_field" : "dmarc");
        s.ResetTransaction();
        return;
      case InboundAction::kDefer:
        s.log().Info("deferred " + id + ": " + summary + ": " + results.dmarc.reason);
        s.Reply(451, "4.7.0", "Temporary DNS failure while checking the sender; try again later");
        CountMessage(s, "dns");
        s.ResetTransaction();
        return;
      case InboundAction::kJunk:
        junk = true;
        break;
      case InboundAction::kDeliver:
        break;
    }
    s.log().Info(id + ": " + summary + (junk ? " -> Junk" : ""));
    authentication_results = FormatAuthenticationResults(s.hostname(), results);
  }
  // Only we speak for our authserv-id (RFC 8601 5), whoever sent the message: a local user
  // could otherwise plant "dkim=pass" for a local recipient too.
  int forged = 0;
  if (s.services.inbound) content = RemoveOurAuthenticationResults(content, s.hostname(), &forged);
  if (forged)
    s.log().Info(id + ": removed " + std::to_string(forged) +
                 " Authentication-Results field(s) claiming to be ours");

  Envelope env;
  env.id = id;
  env.sender = t.mail.null_sender ? "" : t.mail.sender.ToString();
  env.mail = t.mail;
  env.recipients = t.recipients;
  env.received_at = now;
  env.junk = junk;
  env.run_sieve = true;
  env.hostname = s.hostname();
  env.dkim = s.services.dkim;
  // The content filters see the message as the client sent it (our trace fields are ours, as
  // Postfix keeps its Received: from them) and may change it and the envelope; our trace
  // fields and signature come on top of what they left.
  bool discarded = false;
  if (!FilterMessage(s, content, env, &discarded)) {
    if (discarded) s.Reply(250, "2.0.0", "Ok: queued as " + id);  // and dropped, as asked
    CountMessage(s, discarded ? "filter_discard" : "filter", received_octets);
    s.ResetTransaction();
    return;
  }

  ReceivedInfo ri;
  ri.helo = s.helo_name;
  ri.peer_address = s.info().peer_address;
  ri.hostname = s.hostname();
  ri.esmtp = s.esmtp;
  ri.tls = s.conn().IsTls();
  ri.authenticated = !s.authenticated_user.empty();
  ri.utf8 = t.mail.smtputf8;
  ri.id = id;
  if (env.recipients.size() == 1) ri.for_address = env.recipients[0].address;
  ri.time = now;
  std::string prefix = authentication_results + BuildReceived(ri);
  if (s.is_submission()) prefix += MissingSubmissionHeaders(content, s.hostname(), id, now);
  content.insert(0, prefix);
  // Our own users' mail is signed for its From: domain, over the header we just completed; a
  // stranger's never (we would vouch for a forgery). Signing after Received: keeps that line
  // out of the signature, and the signature goes on top (RFC 6376 5.6).
  if (known_sender && s.services.dkim) {
    auto signature = s.services.dkim->Sign(content);
    if (signature)
      content.insert(0, *signature);
    else
      s.log().Error(signature.error() + "; " + id + " goes unsigned");
  }

  std::vector<DsnRecipient> full_notices;
  if (!MakeRoom(s, env, content, received_octets, known_sender, &full_notices)) {
    CountMessage(s, s.last_reply_code() == 451 ? "local_error" : "quota");
    s.ResetTransaction();
    return;
  }
  DeliveryReport report;
  Status st = DeliverMessage(s.services.store, env, content, &report);
  if (!st) {
    s.log().Error("delivery of " + id + " failed: " + st.message());
    if (st.no_space())  // RFC 5321 4.2.3 / RFC 3463 X.3.1: the sender keeps it and retries
      s.Reply(452, "4.3.1", "Insufficient system storage; try again later");
    else
      s.Reply(451, "4.3.0", "Local error in processing; try again later");
    CountMessage(s, st.no_space() ? "disk_full" : "local_error");
    s.ResetTransaction();
    return;
  }
  if (report.all_refused) {
    // RFC 5429 2.1: a Sieve reject is refused in the protocol where it can be, which is when
    // every recipient refused; nothing was stored.
    const std::string& reason = report.refusals[0].reason;
    s.log().Info("refused " + id + ": rejected by the Sieve script of " +
                 report.refusals[0].user_address);
    s.Reply(550, "5.7.1", "Rejected by the recipient: " + SieveReasonForReply(reason));
    CountMessage(s, "sieve_reject");
    s.ResetTransaction();
    return;
  }
  s.Reply(250, "2.0.0", "Ok: queued as " + id);
  CountMessage(s, junk ? "junk" : "ok", received_octets);
  LogReceived(s, env, report, received_octets, content.size());
  std::set<size_t> refused;
  // RFC 5429 2.1.1: the sender of a message others took hears of a rejection by DSN; but only
  // a sender we know: a bounce to a stranger's claimed address would be backscatter
  // (SECURITY.md 3), which RFC 5429 was written to avoid.
  std::vector<DsnRecipient> rejections;
  for (const SieveRefusal& r : report.refusals) {
    const Recipient& rcpt = env.recipients[r.recipient];
    s.log().Info(id + ": rejected by the Sieve script of " + r.user_address +
                 (known_sender ? "" : "; not reported to the unverified sender"));
    if (refused.insert(r.recipient).second && known_sender && DsnWanted(rcpt.rcpt.notify, "failed"))
      rejections.push_back({rcpt.address, rcpt.rcpt.orcpt, "failed", "5.7.1",
                            "x-local; rejected by the recipient: " + SieveReasonForReply(r.reason),
                            ""});
  }
  std::vector<DsnRecipient> delivered;  // RFC 3461: NOTIFY=SUCCESS for a local mailbox
  // Only for senders we know (known_sender above): a stranger on port 25 could otherwise make
  // us mail a forged sender (backscatter, SECURITY.md 3).
  for (size_t i = 0; i < env.recipients.size(); ++i) {
    const Recipient& r = env.recipients[i];
    if (known_sender && !r.local_users.empty() && !refused.count(i) &&
        DsnWanted(r.rcpt.notify, "delivered"))
      delivered.push_back(
          {r.address, r.rcpt.orcpt, "delivered", "2.0.0", "x-local; delivered to the mailbox", ""});
  }
  if (report.queued && s.services.on_queued) s.services.on_queued();
  DsnInput in{s.hostname(), env.sender, t.mail.envid, t.mail.ret == "FULL", now, now, id};
  if (!delivered.empty()) {
    if (Status st = SendDsn(s.services.store, in, delivered, content, s.services.dkim); !st)
      s.log().Error("cannot send the delivery notice for " + id + ": " + st.message());
  }
  if (!rejections.empty()) {
    if (Status st = SendDsn(s.services.store, in, rejections, content, s.services.dkim); !st)
      s.log().Error("cannot send the rejection notice for " + id + ": " + st.message());
  }
  if (!full_notices.empty()) {
    if (Status st = SendDsn(s.services.store, in, full_notices, content, s.services.dkim); !st)
      s.log().Error("cannot send the mailbox-full notice for " + id + ": " + st.message());
  }
  s.ResetTransaction();
}

}  // namespace

void HandleData(SmtpSession& s, const std::string& argument) {
  if (!argument.empty()) {
    s.Reply(501, "5.5.4", "Syntax: DATA");
    s.CountError();
    return;
  }
  if (s.transaction.bdat_started) {
    s.Reply(503, "5.5.1", "DATA after BDAT");  // RFC 3030 2
    return;
  }
  s.Reply("354 End data with <CR><LF>.<CR><LF>");
  s.ReceiveDataBody();
}

void FinishData(SmtpSession& s, DataResult r) {
  const SmtpConfig& c = s.services.config.smtp;
  if (r.too_big) {
    s.Reply(552, "5.3.4", "Message size exceeds fixed maximum message size");
    CountMessage(s, "too_big");
  } else if (r.line_too_long) {
    s.Reply(554, "5.6.0", "Message has a line longer than 1000 octets");
    CountMessage(s, "line_too_long");
  } else if (r.bare_line_end && !c.normalize_bare_line_ends) {
    // SMTP smuggling defence: refuse rather than guess where the message ends.
    s.Reply(554, "5.6.0", "Message contains a bare CR or LF; lines must end with CRLF");
    CountMessage(s, "bare_line_end");
    s.log().Warning("refused a message with bare CR/LF (possible SMTP smuggling)");
  } else {
    AcceptMessage(s, std::move(r.content));
    return;
  }
  s.ResetTransaction();
}

void HandleBdat(SmtpSession& s, const std::string& argument) {
  CommandLine args = SplitCommand(argument);  // verb = size, argument = "LAST" or ""
  uint64_t size = 0;
  bool size_ok = !args.verb.empty() && args.verb.size() <= 18 &&
                 args.verb.find_first_not_of("0123456789") == std::string::npos;
  if (size_ok) size = std::stoull(args.verb);
  std::string last = SplitCommand(args.argument).verb;
  if (!size_ok || !(last.empty() || last == "LAST") ||
      args.argument.find(' ') != std::string::npos) {
    // Without a valid size we cannot know how many bytes follow: end the session rather than
    // read message bytes as commands.
    s.Reply(501, "5.5.4", "Syntax: BDAT size [LAST]; closing connection");
    s.Close();
    return;
  }
  BdatChunk chunk;
  chunk.size = chunk.left = size;
  chunk.last = last == "LAST";
  // No transaction to add to (MAIL or every RCPT was refused, or none was sent): consume the
  // chunk, then refuse.
  chunk.refused = s.state() != SmtpState::kRcpt;
  Transaction& t = s.transaction;
  if (!chunk.refused) {
    t.bdat_started = true;
    const SmtpConfig& c = s.services.config.smtp;
    chunk.keep =
        !t.bdat_failed && t.bdat_content.size() + size <= static_cast<uint64_t>(c.max_message_size);
    if (!chunk.keep) {  // RFC 3030 2: the chunk is consumed even when refused
      if (!t.bdat_failed) std::string().swap(t.bdat_content);
      t.bdat_failed = true;
    }
  }
  if (size == 0) return FinishBdat(s, chunk);
  s.ReceiveBdatChunk(chunk);
}

void FinishBdat(SmtpSession& s, const BdatChunk& chunk) {
  if (chunk.refused) {
    s.Reply(503, "5.5.1", "No valid recipients for BDAT");
    s.CountError();
    return;
  }
  Transaction& t = s.transaction;
  if (t.bdat_failed) {
    s.Reply(552, "5.3.4", "Message size exceeds fixed maximum message size");
    if (chunk.last) {
      CountMessage(s, "too_big");
      s.ResetTransaction();
    }
    return;
  }
  if (!chunk.last) {
    s.Reply(250, "2.0.0", std::to_string(chunk.size) + " octets received");
    return;
  }
  // The same line-ending rule as DATA (SMTP smuggling defence): no bare CR or LF, no NUL.
  const SmtpConfig& c = s.services.config.smtp;
  if (!CleanLineEnds(t.bdat_content, c.normalize_bare_line_ends)) {
    s.Reply(554, "5.6.0", "Message contains a bare CR or LF; lines must end with CRLF");
    CountMessage(s, "bare_line_end");
    s.log().Warning("refused a BDAT message with bare CR/LF or NUL");
    s.ResetTransaction();
    return;
  }
  AcceptMessage(s, std::move(t.bdat_content));
}

}  // namespace mailsuite::mta
