// QUIT (RFC 1939 6). From AUTHORIZATION it just ends the session. From TRANSACTION it enters
// UPDATE: the messages marked deleted are removed in one store transaction, then the session
// ends. This is the only path that removes anything.
#include "../session.h"

namespace mailsuite::pop3d {

void HandleQuit(Pop3Session& s, const std::string&) {
  const std::string& host = s.services.config.general.hostname;
  s.Close();
  if (s.state() != Pop3State::kTransaction) {
    s.Ok(host + " POP3 server signing off");
    return;
  }
  s.EnterState(Pop3State::kUpdate);
  uint32_t deleted = s.maildrop->deleted_count();
  Status committed = s.maildrop->Commit(s.store());
  s.ReleaseMaildrop();
  if (!committed.ok()) {
    s.log().Error("UPDATE failed for " + s.user_address + ": " + committed.message());
    s.Err("[SYS/TEMP] Some deleted messages not removed");  // RFC 1939 6
    return;
  }
  if (deleted > 0)
    s.log().Info("deleted " + std::to_string(deleted) + " messages user=" + s.user_address);
  uint32_t left = s.maildrop->count();
  s.Ok(host + " POP3 server signing off" +
       (left == 0 ? std::string(" (maildrop empty)")
                  : " (" + std::to_string(left) + " messages left)"));
}

}  // namespace mailsuite::pop3d
