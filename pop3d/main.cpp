// mailsuite-pop3d: the POP3 daemon (110 with STLS, 995 implicit TLS).
#include <memory>

#include <Poco/Logger.h>

#include "pop3/session.h"
#include "shared/auth/password.h"
#include "shared/net/daemon_main.h"
#include "store/store.h"

using namespace mailsuite;

namespace {

// Everything the sessions share, kept alive by the daemon for its whole run.
struct Pop3dState {
  Config config;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<auth::AuthFailureTracker> auth_failures;
  std::unique_ptr<pop3d::Pop3Services> services;
};

}  // namespace

int main(int argc, char** argv) {
  net::DaemonSpec spec;
  spec.program = "mailsuite-pop3d";
  spec.summary = "mailsuite POP3 server";
  spec.listeners = [](const Config& config) {
    std::vector<net::ListenerSpec> listeners;
    net::AddListeners(listeners, "pop3", config.pop3.listen, false);
    net::AddListeners(listeners, "pop3s", config.pop3.tls_listen, true);
    return listeners;
  };
  spec.setup = [](const Config& config) -> Result<net::DaemonSetup> {
    auto store = store::OpenStore(config.store, false);
    if (!store) return Status::Error(store.error());
    auto state = std::make_shared<Pop3dState>();
    state->config = config;
    state->store = std::move(store.value());
    state->auth_failures = std::make_unique<auth::AuthFailureTracker>(
        std::chrono::milliseconds(config.auth.failure_delay_ms));
    state->services = std::make_unique<pop3d::Pop3Services>(
        pop3d::Pop3Services{state->config, *state->store, *state->auth_failures});

    net::DaemonSetup setup;
    setup.options.max_line_length = static_cast<size_t>(config.pop3.max_line_length);
    setup.options.idle_timeout = std::chrono::seconds(config.pop3.idle_timeout);
    setup.options.busy_reply = "-ERR [SYS/TEMP] Too many connections, try again later";
    store::Store* opened = state->store.get();
    setup.options.release_idle_memory = [opened] { opened->ReleaseIdleMemory(); };
    pop3d::Pop3Services* services = state->services.get();
    setup.factory = [services](net::LineConnection& conn, const net::ConnectionInfo& info) {
      return std::make_unique<pop3d::Pop3Session>(*services, conn, info);
    };
    setup.not_ready = [opened] { return store::UnreadyReason(*opened); };
    setup.keep_alive = state;
    return setup;
  };
  return net::RunDaemon(argc, argv, spec);
}
