#include "shared/event_log.h"

#include <Poco/Logger.h>

#include "shared/logging.h"

namespace mailsuite {

EventLine::EventLine(std::string_view event) : text_("event=") { text_ += event; }

EventLine& EventLine::Add(std::string_view key, std::string_view value, size_t max) {
  std::string safe = Printable(value, max);  // escapes '\\' too, so quoting below stays exact
  const bool quote = safe.empty() || safe.find_first_of(" \"=") != std::string::npos;
  text_ += ' ';
  text_ += key;
  text_ += '=';
  if (!quote) {
    text_ += safe;
    return *this;
  }
  text_ += '"';
  for (char c : safe) {
    if (c == '"') text_ += '\\';
    text_ += c;
  }
  text_ += '"';
  return *this;
}

EventLine& EventLine::Add(std::string_view key, int64_t value) {
  text_ += ' ';
  text_ += key;
  text_ += '=';
  text_ += std::to_string(value);
  return *this;
}

void EventLine::Log() const { Poco::Logger::get("events").information(text_); }

}  // namespace mailsuite
