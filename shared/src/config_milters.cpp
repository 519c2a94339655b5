// smtp.milters and smtp.submission_milters: "inet:HOST:PORT key=value ..., unix:PATH ...".
#include <Poco/NumberParser.h>
#include <Poco/StringTokenizer.h>

#include "shared/config.h"

namespace mailsuite {
namespace {

Status ParseTimeout(const std::string& item, const std::string& text, int& out) {
  int seconds = 0;
  if (!Poco::NumberParser::tryParse(text, seconds) || seconds < 1 || seconds > 3600)
    return Status::Error("'" + item + "': a timeout is 1 to 3600 seconds");
  out = seconds;
  return Status::Ok();
}

Result<MilterSpec> ParseOne(const std::string& item) {
  Poco::StringTokenizer words(
      item, " \t", Poco::StringTokenizer::TOK_IGNORE_EMPTY | Poco::StringTokenizer::TOK_TRIM);
  MilterSpec spec;
  spec.address = words[0];
  if (spec.address.rfind("unix:", 0) == 0) {
    spec.path = spec.address.substr(5);
    if (spec.path.empty() || spec.path[0] != '/')
      return Status::Error("'" + spec.address + "': unix: needs an absolute socket path");
  } else if (spec.address.rfind("inet:", 0) == 0) {
    auto endpoints = ParseEndpoints(spec.address.substr(5));
    if (!endpoints || endpoints->size() != 1 || endpoints->front().port == 0)
      return Status::Error("'" + spec.address + "': inet: needs HOST:PORT");
    spec.inet = endpoints->front();
  } else {
    return Status::Error("'" + spec.address + "' is not inet:HOST:PORT or unix:PATH");
  }
  for (size_t i = 1; i < words.count(); ++i) {
    const std::string& word = words[i];
    size_t eq = word.find('=');
    std::string key = word.substr(0, eq),
                value = eq == std::string::npos ? "" : word.substr(eq + 1);
    Status st = Status::Ok();
    if (key == "default_action" && IsMilterAction(value))
      spec.default_action = value;
    else if (key == "connect_timeout")
      st = ParseTimeout(item, value, spec.connect_timeout);
    else if (key == "command_timeout")
      st = ParseTimeout(item, value, spec.command_timeout);
    else if (key == "content_timeout")
      st = ParseTimeout(item, value, spec.content_timeout);
    else
      return Status::Error("'" + word + "' in '" + item +
                           "' is not default_action=tempfail|accept|reject or a *_timeout=");
    if (!st) return st;
  }
  return spec;
}

}  // namespace

bool IsMilterAction(std::string_view text) {
  return text == "tempfail" || text == "accept" || text == "reject";
}

Result<std::vector<MilterSpec>> ParseMilters(std::string_view text) {
  std::vector<MilterSpec> out;
  Poco::StringTokenizer items(
      std::string(text), ",",
      Poco::StringTokenizer::TOK_IGNORE_EMPTY | Poco::StringTokenizer::TOK_TRIM);
  for (const std::string& item : items) {
    auto spec = ParseOne(item);
    if (!spec) return spec.status();
    out.push_back(std::move(*spec));
  }
  return out;
}

}  // namespace mailsuite
