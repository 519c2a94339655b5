// mailsuite-pop3d: the POP3 daemon (110 with STLS, 995 implicit TLS).
#include <memory>

#include "greeting_session.h"
#include "shared/net/daemon_main.h"
#include "store/store.h"

using namespace mailsuite;

int main(int argc, char** argv) {
  net::DaemonSpec spec;
  spec.program = "mailsuite-pop3d";
  spec.summary = "mailsuite POP3 server";
  spec.setup = [](const Config& config) -> Result<net::DaemonSetup> {
    auto store = store::OpenStore(config.store.path, config.store.busy_timeout_ms, false);
    if (!store) return Status::Error(store.error());
    net::DaemonSetup setup;
    net::AddListeners(setup.listeners, "pop3", config.pop3.listen, false);
    net::AddListeners(setup.listeners, "pop3s", config.pop3.tls_listen, true);
    setup.options.max_line_length = static_cast<size_t>(config.pop3.max_line_length);
    setup.options.idle_timeout = std::chrono::seconds(config.pop3.idle_timeout);
    setup.options.busy_reply = "-ERR [SYS/TEMP] Too many connections from your address";
    setup.handler = [](net::LineConnection& conn, const net::ConnectionInfo& info) {
      pop3d::RunGreetingSession(conn, info);
    };
    setup.keep_alive = std::shared_ptr<store::Store>(std::move(store.value()));
    return setup;
  };
  return net::RunDaemon(argc, argv, spec);
}
