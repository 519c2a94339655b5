#include "shared/logging.h"

#include <atomic>
#include <chrono>
#include <cstdio>

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/FormattingChannel.h>
#include <Poco/PatternFormatter.h>
#include <Poco/SyslogChannel.h>

namespace mailsuite {

void InitLogging(const LogConfig& config, const std::string& program) {
  Poco::AutoPtr<Poco::Channel> channel;
  Poco::AutoPtr<Poco::PatternFormatter> formatter;
  if (config.target == "syslog") {
    Poco::AutoPtr<Poco::SyslogChannel> syslog(new Poco::SyslogChannel(
        program, Poco::SyslogChannel::SYSLOG_PID, Poco::SyslogChannel::SYSLOG_MAIL));
    channel = syslog;
    formatter = new Poco::PatternFormatter("%t");
  } else {
    channel = new Poco::ConsoleChannel;
    formatter = new Poco::PatternFormatter("%Y-%m-%d %H:%M:%S.%i " + program + "[%P] %p: %t");
  }
  Poco::AutoPtr<Poco::FormattingChannel> fc(new Poco::FormattingChannel(formatter, channel));
  Poco::Logger::root().setChannel(fc);
  Poco::Logger::root().setLevel(config.level.empty() ? "information" : config.level);
}

std::string Printable(std::string_view text, size_t max) {
  std::string out;
  size_t n = std::min(text.size(), max);
  for (size_t i = 0; i < n; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (text.size() > max) out += "...";
  return out;
}

SessionLog::SessionLog(std::string session_id, std::string peer)
    : id_(std::move(session_id)), peer_(std::move(peer)), logger_(Poco::Logger::get("session")) {}

std::string SessionLog::Prefix() const { return "session=" + id_ + " peer=" + peer_ + " "; }
void SessionLog::Info(const std::string& text) const { logger_.information(Prefix() + text); }
void SessionLog::Warning(const std::string& text) const { logger_.warning(Prefix() + text); }
void SessionLog::Error(const std::string& text) const { logger_.error(Prefix() + text); }
void SessionLog::Debug(const std::string& text) const {
  if (logger_.debug()) logger_.debug(Prefix() + text);
}

std::string NewSessionId() {
  static std::atomic<uint32_t> counter{0};
  // High bits from the start time keep ids distinct across restarts; low bits count sessions.
  static const uint32_t epoch =
      static_cast<uint32_t>(std::chrono::steady_clock::now().time_since_epoch().count() ^
                            std::chrono::system_clock::now().time_since_epoch().count());
  uint32_t n = counter.fetch_add(1) + 1;
  char buf[24];
  std::snprintf(buf, sizeof buf, "%04x%06x", (epoch >> 8) & 0xffff, n & 0xffffff);
  return buf;
}

}  // namespace mailsuite
