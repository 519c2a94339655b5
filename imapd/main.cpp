// mailsuite-imapd: the IMAP daemon (143 with STARTTLS, 993 implicit TLS).
#include <memory>

#include "greeting_session.h"
#include "shared/net/daemon_main.h"
#include "store/store.h"

using namespace mailsuite;

int main(int argc, char** argv) {
  net::DaemonSpec spec;
  spec.program = "mailsuite-imapd";
  spec.summary = "mailsuite IMAP server";
  spec.setup = [](const Config& config) -> Result<net::DaemonSetup> {
    auto store = store::OpenStore(config.store.path, config.store.busy_timeout_ms, false);
    if (!store) return Status::Error(store.error());
    net::DaemonSetup setup;
    net::AddListeners(setup.listeners, "imap", config.imap.listen, false);
    net::AddListeners(setup.listeners, "imaps", config.imap.tls_listen, true);
    setup.options.max_line_length = static_cast<size_t>(config.imap.max_line_length);
    setup.options.idle_timeout = std::chrono::seconds(config.imap.idle_timeout);
    setup.options.busy_reply = "* BYE Too many connections from your address";
    setup.handler = [](net::LineConnection& conn, const net::ConnectionInfo& info) {
      imapd::RunGreetingSession(conn, info);
    };
    setup.keep_alive = std::shared_ptr<store::Store>(std::move(store.value()));
    return setup;
  };
  return net::RunDaemon(argc, argv, spec);
}
