// IDLE (RFC 2177): "+ idling", then the selected mailbox's changes as they happen (the
// store's ChangeStamp is polled every 500 ms; EXPUNGE is allowed) until the client sends
// DONE (OK) or anything else (BAD). After imap.idle_timeout, or when the server is stopping,
// the session ends with BYE.
#include <chrono>

#include "../format.h"
#include "../session.h"

namespace mailsuite::imapd {

void HandleIdle(ImapSession& s, const Command& c) {
  if (!c.args.empty()) return s.Bad(c, "Syntax: IDLE");
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::seconds(s.services.config.imap.idle_timeout);
  s.Write("+ idling\r\n");
  for (;;) {
    if (s.conn().WaitReadable(std::chrono::milliseconds(500))) break;
    const bool stopping = s.info().stopping && *s.info().stopping;
    if (stopping || Clock::now() >= deadline) {
      s.Untagged(stopping ? "BYE Server shutting down, try again later"
                          : "BYE Autologout; idle for too long");
      s.log().Info(stopping ? "idle ended by shutdown" : "idle timeout");
      return s.Close();
    }
    if (s.state() == ImapState::kSelected) s.ReportUpdates(true);
  }
  std::string line;
  net::ReadStatus st = s.conn().ReadLine(line);
  if (st == net::ReadStatus::kTooLong) return s.Bad(c, "Expected DONE");
  if (st != net::ReadStatus::kOk) return s.Close();
  if (!EqualsNoCase(line, "DONE")) return s.Bad(c, "Expected DONE");
  s.Ok(c, "IDLE terminated");
}

}  // namespace mailsuite::imapd
