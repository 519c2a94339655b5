#include "greeting_session.h"

#include <strings.h>

#include "shared/logging.h"

namespace mailsuite::pop3d {

void RunGreetingSession(net::LineConnection& conn, const net::ConnectionInfo& info) {
  SessionLog log(info.session_id, info.peer_address);
  log.Info("connect on " + info.listener);
  conn.WriteLine("+OK mailsuite POP3 server ready");
  std::string line;
  for (;;) {
    net::ReadStatus s = conn.ReadLine(line);
    if (s == net::ReadStatus::kTooLong) {
      conn.WriteLine("-ERR Line too long");
      continue;
    }
    if (s != net::ReadStatus::kOk) break;  // RFC 1939 3: a timeout closes without UPDATE
    if (strncasecmp(line.c_str(), "QUIT", 4) == 0 && (line.size() == 4 || line[4] == ' ')) {
      conn.WriteLine("+OK mailsuite POP3 server signing off");
      break;
    }
    conn.WriteLine("-ERR Command not implemented yet");
  }
  conn.Flush();
  log.Info("disconnect");
}

}  // namespace mailsuite::pop3d
