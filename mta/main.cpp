// mailsuite-mta: the SMTP daemon (inbound 25, submission 587, implicit-TLS submission 465).
#include <memory>

#include <Poco/Logger.h>

#include "dkim/dkim_signer.h"
#include "inbound/inbound_checks.h"
#include "queue/queue_metrics.h"
#include "queue/queue_runner.h"
#include "shared/auth/password.h"
#include "shared/net/daemon_main.h"
#include "smtp/session.h"
#include "store/store.h"

using namespace mailsuite;

namespace {

// Everything the sessions share, kept alive by the daemon for its whole run.
struct MtaState {
  Config config;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<auth::AuthFailureTracker> auth_failures;
  std::unique_ptr<mta::DkimSigner> dkim;
  std::unique_ptr<mta::Resolver> resolver;  // for the inbound checks
  std::unique_ptr<mta::InboundChecker> inbound;
  std::unique_ptr<mta::SmtpServices> services;
  std::unique_ptr<mta::QueueMetrics> queue_metrics;
  std::unique_ptr<mta::QueueRunner> runner;  // declared last: stopped before the store closes
};

// Reads the signing keys; a problem is logged, and mail goes on unsigned rather than stopping.
void LoadDkimKeys(mta::DkimSigner& dkim, const std::string& key_dir) {
  Poco::Logger& log = Poco::Logger::get("dkim");
  std::vector<std::string> problems;
  Status s = dkim.Reload(&problems);
  for (const std::string& p : problems) log.error(p);
  if (!s)
    log.error("DKIM keys not loaded: " + s.message());
  else
    log.information(std::to_string(dkim.KeyCount()) + " DKIM signing keys in " + key_dir);
}

}  // namespace

int main(int argc, char** argv) {
  net::DaemonSpec spec;
  spec.program = "mailsuite-mta";
  spec.summary = "mailsuite SMTP server";
  spec.listeners = [](const Config& config) {
    std::vector<net::ListenerSpec> listeners;
    net::AddListeners(listeners, "smtp", config.smtp.listen, false);
    net::AddListeners(listeners, "submission", config.smtp.submission_listen, false);
    net::AddListeners(listeners, "submissions", config.smtp.submissions_listen, true);
    return listeners;
  };
  spec.setup = [](const Config& config) -> Result<net::DaemonSetup> {
    auto store = store::OpenStore(config.store, false);
    if (!store) return Status::Error(store.error());
    auto state = std::make_shared<MtaState>();
    state->config = config;
    state->store = std::move(store.value());
    state->auth_failures = std::make_unique<auth::AuthFailureTracker>(
        std::chrono::milliseconds(config.auth.failure_delay_ms));
    state->dkim = std::make_unique<mta::DkimSigner>(config.dkim.key_dir);
    LoadDkimKeys(*state->dkim, config.dkim.key_dir);
    state->runner =
        std::make_unique<mta::QueueRunner>(state->config, *state->store, state->dkim.get());
    mta::QueueRunner* runner = state->runner.get();
    // Filters are told the client's name, so they need the resolver too.
    if (config.smtp.authentication_checks || !config.smtp.milters.empty() ||
        !config.smtp.submission_milters.empty())
      state->resolver = std::make_unique<mta::Resolver>(
          config.dns.servers, std::chrono::milliseconds(config.dns.timeout_ms));
    if (config.smtp.authentication_checks) {
      auto psl = mta::dmarc::PublicSuffixList::Load(config.smtp.public_suffix_list);
      if (!psl)  // DMARC still works, with "the last two labels" as Organizational Domains
        Poco::Logger::get("dmarc").warning(psl.error() +
                                           "; relaxed alignment falls back to the last two "
                                           "labels (install the publicsuffix package)");
      auto on_reject = config.smtp.dmarc_reject_policy == "junk" ? mta::DmarcRejectAction::kJunk
                       : config.smtp.dmarc_reject_policy == "none"
                           ? mta::DmarcRejectAction::kNone
                           : mta::DmarcRejectAction::kReject;
      state->inbound = std::make_unique<mta::InboundChecker>(
          *state->resolver, psl ? std::move(psl.value()) : mta::dmarc::PublicSuffixList(),
          on_reject);
    }
    state->services = std::make_unique<mta::SmtpServices>(mta::SmtpServices{
        state->config, *state->store, *state->auth_failures, [runner] { runner->Wake(); },
        state->dkim.get(), state->inbound.get(), state->resolver.get()});
    state->runner->Start();
    state->queue_metrics = std::make_unique<mta::QueueMetrics>(*state->store);

    net::DaemonSetup setup;
    setup.options.max_line_length = static_cast<size_t>(config.smtp.max_line_length);
    setup.options.idle_timeout = std::chrono::seconds(config.smtp.idle_timeout);
    setup.options.busy_reply = "421 4.7.0 Too many connections, try again later";
    store::Store* opened = state->store.get();
    setup.options.release_idle_memory = [opened] { opened->ReleaseIdleMemory(); };
    mta::SmtpServices* services = state->services.get();
    setup.factory = [services](net::LineConnection& conn, const net::ConnectionInfo& info) {
      return std::make_unique<mta::SmtpSession>(*services, conn, info);
    };
    mta::DkimSigner* dkim = state->dkim.get();
    // New keys (a rotation) sign from the next message on; dkim.key_dir itself needs a restart.
    setup.reload = [dkim, dir = config.dkim.key_dir](const Config&) { LoadDkimKeys(*dkim, dir); };
    setup.not_ready = [opened] { return store::UnreadyReason(*opened); };
    setup.keep_alive = state;
    return setup;
  };
  return net::RunDaemon(argc, argv, spec);
}
