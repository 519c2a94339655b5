#include "greeting_session.h"

#include <strings.h>

#include "shared/logging.h"

namespace mailsuite::imapd {

void RunGreetingSession(net::LineConnection& conn, const net::ConnectionInfo& info) {
  SessionLog log(info.session_id, info.peer_address);
  log.Info("connect on " + info.listener);
  conn.WriteLine("* OK mailsuite IMAP server ready");
  std::string line;
  for (;;) {
    net::ReadStatus s = conn.ReadLine(line);
    if (s == net::ReadStatus::kTooLong) {
      conn.WriteLine("* BAD Line too long");
      continue;
    }
    if (s == net::ReadStatus::kTimeout) {
      conn.WriteLine("* BYE Autologout; idle for too long");
      break;
    }
    if (s != net::ReadStatus::kOk) break;
    size_t sp = line.find(' ');
    if (sp == std::string::npos || sp == 0) {
      conn.WriteLine("* BAD Missing tag or command");
      continue;
    }
    std::string tag = line.substr(0, sp);
    std::string command = line.substr(sp + 1);
    if (strcasecmp(command.c_str(), "LOGOUT") == 0) {
      conn.WriteLine("* BYE mailsuite IMAP server logging out");
      conn.WriteLine(tag + " OK LOGOUT completed");
      break;
    }
    conn.WriteLine(tag + " BAD Command not implemented yet");
  }
  conn.Flush();
  log.Info("disconnect");
}

}  // namespace mailsuite::imapd
