// Message events for operators: one line per thing that happens to a message (received,
// delivered, relayed, deferred, bounced, expired), as key=value pairs (logfmt) after
// "event=NAME", on the logger "events". Journald keeps the line as MESSAGE (journalctl -o json
// shows it whole), fail2ban and grep match on it, and the IDs in it are the ones the SMTP reply
// ("queued as MSGID") and `mailsuite queue list` (the queue number) show:
//
//   event=received msgid=0a1b000001-1 queue=17 from=<a@example.org> rcpts=2 size=4096 ...
//   event=deferred queue=17 to=<b@example.net> relay=mx.example.net delay=1800 attempts=2 ...
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mailsuite {

class EventLine {
 public:
  explicit EventLine(std::string_view event);
  // A value with a space, a quote, "=" or nothing in it is quoted; control characters and
  // non-ASCII are escaped (Printable), so a peer's text cannot forge fields or lines.
  EventLine& Add(std::string_view key, std::string_view value, size_t max = 200);
  EventLine& Add(std::string_view key, int64_t value);
  const std::string& text() const { return text_; }
  void Log() const;  // at information level

 private:
  std::string text_;
};

}  // namespace mailsuite
