// IDLE (RFC 2177): "+ idling", then the selected mailbox's changes as they happen, until the
// client sends DONE (OK) or anything else (BAD). The session does not wait here: it parks
// (ImapSession::ParkForIdle) and the server resumes it when the client speaks, when the store
// changes the selected mailbox (the daemon's MailboxNotifier wakes key "mailbox:<id>"), at the
// autologout deadline, or at shutdown; the last two end the session with BYE.
#include "../format.h"
#include "../session.h"

namespace mailsuite::imapd {

void HandleIdle(ImapSession& s, const Command& c) {
  if (!c.args.empty()) return s.Bad(c, "Syntax: IDLE");
  s.Write("+ idling\r\n");
  s.BeginIdle(c);
}

void ImapSession::BeginIdle(const Command& c) {
  static metrics::Gauge& idling =
      metrics::Default()
          .AddGauge("mailsuite_imap_idle_sessions", "IMAP sessions in IDLE now (RFC 2177).")
          .With({});
  idle_.emplace(IdleState{
      c, std::chrono::steady_clock::now() + std::chrono::seconds(services.config.imap.idle_timeout),
      metrics::GaugeHold(idling)});
}

std::string ImapSession::IdleKey() const {
  return selected ? "mailbox:" + std::to_string(selected->mailbox().id) : std::string();
}

net::SessionStep ImapSession::ParkForIdle() {
  net::SessionStep step;
  step.park = true;
  step.key = IdleKey();
  // The generation first, then the look at the store: a change committed after this look
  // bumps the generation, and the park ends at once (ParkingLot's lost-wake-up rule).
  step.generation = info_.waker ? info_.waker->Generation(step.key) : 0;
  // A client that has not taken the last updates gets the next ones once it has (the server
  // resumes the session when there is room): they never pile up here.
  if (state_ == ImapState::kSelected && !conn_.OutputBlocked()) ReportUpdates(true);
  step.deadline = idle_->deadline;
  return step;
}

void ImapSession::EndIdle() {
  Command c = std::move(idle_->command);
  idle_.reset();
  std::string line;
  net::ReadStatus st = conn_.ReadLine(line);
  if (st == net::ReadStatus::kTooLong) return Bad(c, "Expected DONE");
  if (st != net::ReadStatus::kOk) return Close();
  if (!EqualsNoCase(line, "DONE")) return Bad(c, "Expected DONE");
  Ok(c, "IDLE terminated");
}

}  // namespace mailsuite::imapd
