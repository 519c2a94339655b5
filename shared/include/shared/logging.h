// Logging through Poco: console (standard error, which systemd sends to the journal) in the
// foreground, syslog as a service. SessionLog prefixes every line with a session id and the peer
// so one grep follows one connection. Peer text is passed through Printable() first: truncated and
// escaped, so a peer cannot forge log lines. Passwords and AUTH payloads are never logged.
#pragma once

#include <string>
#include <string_view>

#include <Poco/Logger.h>

#include "shared/config.h"

namespace mailsuite {

// Sets the root channel and level for this process. `program` names the process in syslog.
void InitLogging(const LogConfig& config, const std::string& program);

// Peer text made safe for a log line: control characters and non-ASCII escaped as \xNN, cut
// to `max` characters with "..." appended.
std::string Printable(std::string_view text, size_t max = 100);

class SessionLog {
 public:
  SessionLog(std::string session_id, std::string peer);
  const std::string& id() const { return id_; }
  void Info(const std::string& text) const;
  void Warning(const std::string& text) const;
  void Error(const std::string& text) const;
  void Debug(const std::string& text) const;

 private:
  std::string Prefix() const;
  std::string id_;
  std::string peer_;
  Poco::Logger& logger_;
};

// A short unique id for a session ("a3f9c01b"), unique within the process and across restarts.
std::string NewSessionId();

}  // namespace mailsuite
