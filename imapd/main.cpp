// mailsuite-imapd: the IMAP daemon (143 with STARTTLS, 993 implicit TLS) and ManageSieve (4190).
#include <memory>

#include <Poco/Logger.h>

#include "imap/mailbox_notifier.h"
#include "imap/session.h"
#include "imap/spam_learner.h"
#include "managesieve/session.h"
#include "shared/auth/password.h"
#include "shared/net/daemon_main.h"
#include "store/store.h"

using namespace mailsuite;

namespace {

// Everything the sessions share, kept alive by the daemon for its whole run.
struct ImapdState {
  Config config;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<auth::AuthFailureTracker> auth_failures;
  imapd::UserConnections user_connections;
  imapd::MailboxCache mailbox_cache;
  std::unique_ptr<imapd::SpamLearner> spam_learner;
  std::unique_ptr<imapd::ImapServices> services;
  std::unique_ptr<managesieve::ManageSieveServices> sieve_services;
  std::unique_ptr<imapd::MailboxNotifier> notifier;
};

}  // namespace

int main(int argc, char** argv) {
  net::DaemonSpec spec;
  spec.program = "mailsuite-imapd";
  spec.summary = "mailsuite IMAP server";
  spec.listeners = [](const Config& config) {
    std::vector<net::ListenerSpec> listeners;
    net::AddListeners(listeners, "imap", config.imap.listen, false);
    net::AddListeners(listeners, "imaps", config.imap.tls_listen, true);
    net::AddListeners(listeners, "managesieve", config.imap.managesieve_listen, false);
    return listeners;
  };
  spec.setup = [](const Config& config) -> Result<net::DaemonSetup> {
    auto store = store::OpenStore(config.store, false);
    if (!store) return Status::Error(store.error());
    auto state = std::make_shared<ImapdState>();
    state->config = config;
    state->store = std::move(store.value());
    state->auth_failures = std::make_unique<auth::AuthFailureTracker>(
        std::chrono::milliseconds(config.auth.failure_delay_ms));
    if (!config.spam.learn_url.empty())
      state->spam_learner = std::make_unique<imapd::SpamLearner>(config.spam, *state->store);
    state->services = std::make_unique<imapd::ImapServices>(imapd::ImapServices{
        state->config, *state->store, *state->auth_failures, state->user_connections,
        &state->mailbox_cache, state->spam_learner.get()});

    state->sieve_services = std::make_unique<managesieve::ManageSieveServices>(
        managesieve::ManageSieveServices{state->config, *state->store, *state->auth_failures});

    net::DaemonSetup setup;
    setup.options.max_line_length = static_cast<size_t>(config.imap.max_line_length);
    setup.options.idle_timeout = std::chrono::seconds(config.imap.idle_timeout);
    setup.options.busy_reply = "* BYE Too many connections, try again later";
    store::Store* opened = state->store.get();
    setup.options.release_idle_memory = [opened] { opened->ReleaseIdleMemory(); };
    imapd::ImapServices* services = state->services.get();
    managesieve::ManageSieveServices* sieve_services = state->sieve_services.get();
    setup.factory = [services, sieve_services](
                        net::LineConnection& conn,
                        const net::ConnectionInfo& info) -> std::unique_ptr<net::Session> {
      if (info.listener == "managesieve")
        return std::make_unique<managesieve::ManageSieveSession>(*sieve_services, conn, info);
      return std::make_unique<imapd::ImapSession>(*services, conn, info);
    };
    ImapdState* raw = state.get();
    setup.started = [raw](net::LineServer& server) {
      auto listener = raw->store->Listen();
      if (!listener) {
        // Sessions still see changes at their next command; only IDLE push is lost.
        Poco::Logger::get("main").error("no IDLE push: " + listener.error());
        return;
      }
      raw->notifier =
          std::make_unique<imapd::MailboxNotifier>(std::move(listener).value(), server.waker());
      raw->notifier->Start();
    };
    setup.stopped = [raw] {
      if (raw->notifier) raw->notifier->Stop();
    };
    setup.not_ready = [opened] { return store::UnreadyReason(*opened); };
    setup.keep_alive = state;
    return setup;
  };
  return net::RunDaemon(argc, argv, spec);
}
