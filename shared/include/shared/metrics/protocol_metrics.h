// The metrics every protocol daemon counts the same way: commands by name and result, and
// login attempts by result. `protocol` is "smtp", "pop3", "imap" or "managesieve"; `command`
// comes from the daemon's own command table ("unknown" for what a client made up), so the
// label values stay a fixed set.
#pragma once

#include <string_view>

namespace mailsuite::metrics {

// `result`: SMTP the reply class ("2xx", "4xx", "5xx"), POP3 "ok" or "err", IMAP and
// ManageSieve "ok", "no" or "bad".
void CountCommand(std::string_view protocol, std::string_view command, std::string_view result);

// `result`: "success", "failure" (wrong user or password), "throttled" (refused unchecked after
// recent failures) or "error" (the store did not answer).
void CountLogin(std::string_view protocol, std::string_view result);

}  // namespace mailsuite::metrics
