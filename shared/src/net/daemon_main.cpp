#include "shared/net/daemon_main.h"

#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <Poco/Logger.h>
#include <cxxopts.hpp>

#include "shared/logging.h"
#include "shared/tls.h"

namespace mailsuite::net {
namespace {

constexpr const char* kDefaultConfig = "/etc/mailsuite/mailsuite.conf";

bool NeedsTls(const std::vector<ListenerSpec>& listeners) {
  for (const auto& l : listeners)
    if (l.implicit_tls) return true;
  return false;
}

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
  Poco::Logger& log = Poco::Logger::get("main");

  // Block the stop signals in every thread (the pool inherits the mask); main waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  Result<DaemonSetup> setup = spec.setup(*config);
  if (!setup) {
    log.fatal(setup.error());
    std::cerr << spec.program << ": " << setup.error() << "\n";
    return 1;
  }

  Poco::Net::Context::Ptr tls;
  Result<Poco::Net::Context::Ptr> ctx = MakeServerTlsContext(config->tls);
  if (ctx) {
    tls = *ctx;
  } else if (NeedsTls(setup->listeners)) {
    std::cerr << spec.program << ": " << config->source << ": TLS: " << ctx.error() << "\n";
    return 2;
  } else {
    log.warning("TLS is not available (" + ctx.error() + "): STARTTLS is not offered");
  }

  ServerOptions options = setup->options;
  options.threads = config->server.threads;
  options.queue = config->server.queue;
  options.max_connections_per_ip = config->server.max_connections_per_ip;
  LineServer server(options, tls, setup->handler);
  if (Status s = server.Start(setup->listeners); !s) {
    log.fatal(s.message());
    std::cerr << spec.program << ": " << s.message() << "\n";
    return 1;
  }
  for (const auto& l : server.bound())
    log.information("listening on " + l.endpoint.ToString() + " (" + l.name + ")");
  if (!config->server.ports_file.empty()) {
    if (Status s = WritePortsFile(config->server.ports_file, server.bound()); !s) {
      std::cerr << spec.program << ": " << s.message() << "\n";
      return 1;
    }
  }
  log.information("ready");

  for (;;) {
    int sig = 0;
    if (sigwait(&stop_signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      log.information("SIGHUP: nothing to reload yet");
      continue;
    }
    log.information(std::string("stopping on ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT"));
    break;
  }
  server.Stop(std::chrono::seconds(config->server.shutdown_grace_seconds));
  log.information("stopped");
  return 0;
}

}  // namespace mailsuite::net
