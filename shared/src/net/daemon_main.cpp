#include "shared/net/daemon_main.h"

#include <signal.h>
#include <sys/resource.h>
#include <time.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <utility>

#include <Poco/Logger.h>
#include "shared/cli_options.h"

#include "shared/auth/password.h"
#include "shared/logging.h"
#include "shared/metrics/http_endpoint.h"
#include "shared/metrics/process_metrics.h"
#include "shared/net/privileges.h"
#include "shared/net/sd_notify.h"
#include "shared/secret_file.h"
#include "shared/tls.h"

namespace mailsuite::net {
namespace {

constexpr const char* kDefaultConfig = "/etc/mailsuite/mailsuite.conf";

int Fatal(const std::string& program, const std::string& message) {
  Poco::Logger::get("main").fatal(message);
  std::cerr << program << ": " << message << "\n";
  return 1;
}

// How long /healthz and the watchdog accept the server's loops not having turned (they turn at
// least once a second).
constexpr std::chrono::seconds kStallLimit{10};

Status WritePortsFile(const std::string& path, const std::vector<ListenerSpec>& bound) {
  // Written to a temporary name and renamed, so a reader never sees half a file.
  std::string tmp = path + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    for (const auto& l : bound) out << l.name << " " << l.endpoint.ToString() << "\n";
    if (!out.flush()) return Status::Error(path + ": cannot write");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Status::Error(path + ": " + ec.message());
  return Status::Ok();
}

// The daemon's name in metrics.listen: "mailsuite-imapd" is "imapd".
std::string DaemonName(const std::string& program) {
  return program.substr(program.rfind('-') + 1);
}

// systemd's watchdog interval (WatchdogSec), or zero when it does not watch this process.
std::chrono::microseconds WatchdogInterval() {
  const char* usec = std::getenv("WATCHDOG_USEC");
  const char* pid = std::getenv("WATCHDOG_PID");
  if (!usec || (pid && std::to_string(::getpid()) != pid)) return {};
  return std::chrono::microseconds(std::strtoll(usec, nullptr, 10));
}

// Gauges read from the server at each scrape.
int AddServerCollector(const LineServer& server) {
  return metrics::Default().AddCollector([&server](metrics::SampleWriter& w) {
    const auto parked = static_cast<double>(server.parked_sessions());
    const double open = server.active_connections();
    w.Begin("mailsuite_sessions",
            "Sessions by state: parked (waiting for their client without a thread) or active "
            "(working, or between steps).",
            metrics::Type::kGauge);
    w.Sample("mailsuite_sessions", std::max(0.0, open - parked), {{"state", "active"}});
    w.Sample("mailsuite_sessions", parked, {{"state", "parked"}});
    w.Begin("mailsuite_session_threads", "Threads that run sessions.", metrics::Type::kGauge);
    w.Sample("mailsuite_session_threads", server.resume_threads());
    w.Begin("mailsuite_stress_mode",
            "1 while half of server.max_connections are open (shorter timeouts before login).",
            metrics::Type::kGauge);
    w.Sample("mailsuite_stress_mode", server.under_stress() ? 1 : 0);
  });
}

// Every connection is a descriptor, and parked sessions make thousands of connections cheap;
// the usual soft limit of 1024 would refuse them long before memory runs short. Says so when
// even the hard limit cannot hold server.max_connections.
void RaiseDescriptorLimit(int max_connections, Poco::Logger& log) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
  constexpr rlim_t kSpare = 256;  // the store, logs, DNS, outbound connections
  if (limit.rlim_cur != RLIM_INFINITY &&
      limit.rlim_cur < static_cast<rlim_t>(max_connections) + kSpare)
    log.warning("server.max_connections is " + std::to_string(max_connections) + " but only " +
                std::to_string(limit.rlim_cur) +
                " file descriptors are allowed (LimitNOFILE): connections past that are "
                "refused by the kernel, not by us");
}

}  // namespace

void AddListeners(std::vector<ListenerSpec>& out, const std::string& name,
                  const std::vector<Endpoint>& endpoints, bool implicit_tls) {
  for (const Endpoint& e : endpoints) out.push_back(ListenerSpec{name, e, implicit_tls});
}

int RunDaemon(int argc, char** argv, const DaemonSpec& spec) {
  cxxopts::Options cli(spec.program, spec.summary);
  cli.add_options()("c,config", "configuration file",
                    cxxopts::value<std::string>()->default_value(kDefaultConfig))(
      "s,set", "override a key: section.key=value (repeatable)",
      cxxopts::value<std::vector<std::string>>())("h,help", "show this help");
  std::string config_path;
  std::vector<std::string> overrides;
  try {
    auto args = cli.parse(argc, argv);
    if (args.count("help")) {
      std::cout << cli.help() << std::endl;
      return 0;
    }
    config_path = args["config"].as<std::string>();
    if (args.count("set")) overrides = args["set"].as<std::vector<std::string>>();
  } catch (const cxxopts::exceptions::exception& e) {
    std::cerr << spec.program << ": " << e.what() << "\n";
    return 2;
  }

  Result<Config> config = LoadConfig(config_path, overrides);
  if (!config) {
    std::cerr << spec.program << ": " << config.error() << "\n";
    return 2;
  }
  InitLogging(config->log, spec.program);
  auth::SetVerifyCache(std::chrono::seconds(config->auth.cache_seconds));
  auth::SetPasswordCost(config->auth);
  Poco::Logger& log = Poco::Logger::get("main");

  // Block the stop signals in every thread (the pool inherits the mask); main waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  // Certificates and ports are taken while we may still be root.
  Poco::Net::Context::Ptr tls;
  Result<Poco::Net::Context::Ptr> ctx = MakeServerTlsContext(config->tls);
  if (ctx) tls = *ctx;
  std::unique_ptr<metrics::HttpEndpoint> monitoring;
  std::string metrics_password;
  if (const Endpoint* where = config->metrics.For(DaemonName(spec.program))) {
    auto endpoint = metrics::HttpEndpoint::Bind(*where);
    if (!endpoint) return Fatal(spec.program, endpoint.error());
    monitoring = std::move(endpoint.value());
    if (!config->metrics.password_file.empty()) {
      auto password = ReadSecretFile(config->metrics.password_file, "metrics.password_file");
      if (!password) return Fatal(spec.program, password.error());
      if (password->empty())
        return Fatal(spec.program, "metrics.password_file " + config->metrics.password_file +
                                       ": the first line is empty");
      metrics_password = *password;
    }
  }
  std::vector<BoundListener> bound;
  if (spec.listeners) {
    auto b = BindListeners(spec.listeners(*config));
    if (!b) return Fatal(spec.program, b.error());
    bound = std::move(b.value());
  }
  if (Status s = DropPrivileges(config->server.user, config->server.group); !s)
    return Fatal(spec.program, s.message());

  Result<DaemonSetup> setup = spec.setup(*config);
  if (!setup) return Fatal(spec.program, setup.error());
  if (!spec.listeners) {
    auto b = BindListeners(setup->listeners);
    if (!b) return Fatal(spec.program, b.error());
    bound = std::move(b.value());
  }
  bool needs_tls = false;
  for (const auto& l : bound) needs_tls = needs_tls || l.spec.implicit_tls;
  if (!ctx && needs_tls) {
    std::cerr << spec.program << ": " << config->source << ": TLS: " << ctx.error() << "\n";
    return 2;
  }
  if (!ctx) log.warning("TLS is not available (" + ctx.error() + "): STARTTLS is not offered");

  ServerOptions options = setup->options;
  options.threads = config->server.threads;
  options.max_connections = config->server.max_connections;
  options.stress_timeout = std::chrono::seconds(config->server.stress_timeout);
  RaiseDescriptorLimit(options.max_connections, log);
  options.max_connections_per_ip = config->server.max_connections_per_ip;
  options.send_buffer_bytes = config->server.send_buffer_kb * 1024;
  LineServer server = setup->factory ? LineServer(options, tls, setup->factory)
                                     : LineServer(options, tls, setup->handler);
  if (Status s = server.StartBound(std::move(bound)); !s) return Fatal(spec.program, s.message());
  for (const auto& l : server.bound())
    log.information("listening on " + l.endpoint.ToString() + " (" + l.name + ")");
  std::atomic<bool> stopping{false};
  std::vector<ListenerSpec> reported = server.bound();
  int server_collector = 0;
  // Metrics stop before the server they read goes, whichever way this function is left.
  struct MonitoringStop {
    std::unique_ptr<metrics::HttpEndpoint>& endpoint;
    int& collector;
    void Run() {
      if (endpoint) endpoint->Stop();
      if (collector) metrics::Default().RemoveCollector(std::exchange(collector, 0));
    }
    ~MonitoringStop() { Run(); }
  } monitoring_stop{monitoring, server_collector};
  if (monitoring) {
    metrics::AddProcessCollector(metrics::Default());  // RunDaemon runs once per process
    server_collector = AddServerCollector(server);
    metrics::HttpEndpointOptions options;
    options.password = metrics_password;
    // The accept loop ends at SIGTERM: a daemon finishing its sessions is alive, not ready.
    options.alive = [&server, &stopping] { return stopping || server.Alive(kStallLimit); };
    options.not_ready = [&server, &stopping, check = setup->not_ready]() -> std::string {
      if (stopping) return "stopping";
      if (!server.Alive(kStallLimit)) return "a server loop is stalled";
      return check ? check() : std::string();
    };
    monitoring->Start(metrics::Default(), std::move(options));
    const std::string name = "metrics-" + DaemonName(spec.program);
    reported.push_back(ListenerSpec{name, monitoring->bound(), false});
    log.information("listening on " + monitoring->bound().ToString() + " (" + name + ")");
    const std::string& host = monitoring->bound().host;
    const bool loopback = host.rfind("127.", 0) == 0 || host == "::1" || host == "localhost";
    if (!loopback && metrics_password.empty())
      log.warning("metrics.listen " + monitoring->bound().ToString() +
                  " is not loopback and metrics.password_file is not set: anyone who reaches it "
                  "reads the daemon's metrics");
  }
  if (!config->server.ports_file.empty()) {
    if (Status s = WritePortsFile(config->server.ports_file, reported); !s)
      return Fatal(spec.program, s.message());
  }
  if (setup->started) setup->started(server);
  // `stopped` runs before the server goes, whichever way this function is left.
  struct StopHook {
    std::function<void()> fn;
    ~StopHook() {
      if (fn) fn();
    }
  } stop_hook{setup->stopped};
  log.information("ready");
  NotifySystemd("READY=1");

  // Under WatchdogSec, systemd restarts a daemon that stops saying WATCHDOG=1. It is said
  // only while the server's loops turn, so a wedged daemon is restarted, not just one that died.
  // The ping is due every half interval however often signals (a SIGHUP, a slow reload) end
  // the wait.
  const std::chrono::microseconds watchdog = WatchdogInterval();
  auto next_ping = std::chrono::steady_clock::now() + watchdog / 2;
  for (;;) {
    int sig = 0;
    if (watchdog.count() > 0) {
      auto now = std::chrono::steady_clock::now();
      if (now >= next_ping) {
        if (server.Alive(kStallLimit)) NotifySystemd("WATCHDOG=1");
        next_ping = now + watchdog / 2;
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::microseconds>(next_ping - now).count();
      timespec wait{static_cast<time_t>(left / 1000000), static_cast<long>(left % 1000000) * 1000};
      sig = sigtimedwait(&stop_signals, nullptr, &wait);
      if (sig < 0) continue;  // the time to ping (EAGAIN), or EINTR
    } else if (sigwait(&stop_signals, &sig) != 0) {
      continue;
    }
    if (sig == SIGHUP) {
      NotifySystemd("RELOADING=1");
      // What can change live: the certificate (also its path) and the log level. Listeners,
      // limits and the store need a restart; users and aliases are read on every login anyway.
      Result<Config> reread = LoadConfig(config_path, overrides);
      if (!reread) {
        log.error("SIGHUP: configuration not reloaded: " + reread.error());
      } else {
        Poco::Logger::root().setLevel(reread->log.level);
        Result<Poco::Net::Context::Ptr> fresh = MakeServerTlsContext(reread->tls);
        if (fresh) {
          server.SetTlsContext(*fresh);
          log.information("SIGHUP: reloaded the TLS certificate " + reread->tls.certificate +
                          "; log level " + reread->log.level);
        } else {
          log.error("SIGHUP: keeping the old TLS certificate: " + fresh.error());
        }
        if (setup->reload) setup->reload(*reread);
      }
      NotifySystemd("READY=1");
      continue;
    }
    log.information(std::string("stopping on ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT"));
    NotifySystemd("STOPPING=1");
    stopping = true;  // /readyz: take no new clients here
    break;
  }
  server.Stop(std::chrono::seconds(config->server.shutdown_grace_seconds));
  monitoring_stop.Run();
  if (stop_hook.fn) std::exchange(stop_hook.fn, nullptr)();
  log.information("stopped");
  return 0;
}

}  // namespace mailsuite::net
