#include "shared/metrics/protocol_metrics.h"

#include "shared/metrics/registry.h"

namespace mailsuite::metrics {

void CountCommand(std::string_view protocol, std::string_view command, std::string_view result) {
  static Family<Counter>& commands =
      Default().AddCounter("mailsuite_commands_total",
                           "Commands answered, by protocol, command and result (SMTP: reply "
                           "class; POP3: ok or err; IMAP, ManageSieve: ok, no or bad).",
                           {"protocol", "command", "result"});
  commands.With({protocol, command, result}).Inc();
}

void CountLogin(std::string_view protocol, std::string_view result) {
  static Family<Counter>& logins =
      Default().AddCounter("mailsuite_logins_total",
                           "Login attempts by protocol and result: success, failure (unknown "
                           "user or wrong password), throttled or error.",
                           {"protocol", "result"});
  logins.With({protocol, result}).Inc();
}

}  // namespace mailsuite::metrics
