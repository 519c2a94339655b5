// RunDaemon: the whole life of a daemon process around its sessions. Parses --config/--set,
// validates the config (exit 2 on any problem, before listening), sets up logging and TLS, asks
// the daemon for its listeners and session handler, binds, writes server.ports_file, and on
// SIGTERM/SIGINT stops accepting and lets sessions finish within server.shutdown_grace_seconds;
// SIGHUP reloads the TLS certificate and key, and whatever DaemonSetup::reload reloads. Tells
// systemd when it is ready (Type=notify) and, under WatchdogSec, that it is alive. Serves
// /metrics, /healthz and /readyz where metrics.listen says.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "shared/config.h"
#include "shared/net/line_server.h"
#include "shared/result.h"

namespace mailsuite::net {

struct DaemonSetup {
  std::vector<ListenerSpec> listeners;
  ServerOptions options;   // threads, queue and per-IP cap are filled in from [server]
  SessionHandler handler;  // sessions that never park (SMTP, POP3)
  SessionFactory factory;  // or: sessions run in steps that may park (IMAP IDLE)
  // Called once the server accepts connections, and after it stopped (before it is destroyed):
  // for helpers that need the server, such as the thread that wakes parked sessions.
  std::function<void(LineServer&)> started;
  std::function<void()> stopped;
  // /readyz: why the daemon cannot serve now (the store does not answer), or empty.
  std::function<std::string()> not_ready;
  // Called on SIGHUP with the configuration read again, for what the daemon itself reloads.
  std::function<void(const Config&)> reload;
  // Anything the handler needs kept alive (the store, caches) while the daemon runs.
  std::shared_ptr<void> keep_alive;
};

struct DaemonSpec {
  std::string program;  // "mailsuite-imapd"
  std::string summary;  // one line for --help
  // The listeners, from the config alone. When given, they are bound BEFORE setup runs and
  // before root is dropped (server.user), so setup never runs as root; DaemonSetup::listeners
  // is then ignored.
  std::function<std::vector<ListenerSpec>(const Config&)> listeners;
  // Builds the daemon from a validated config: open the store, choose listeners, make the
  // handler. An error here ends the process with exit code 1 before anything listens.
  std::function<Result<DaemonSetup>(const Config&)> setup;
};

int RunDaemon(int argc, char** argv, const DaemonSpec& spec);

// Listeners for a list of endpoints, named `name`.
void AddListeners(std::vector<ListenerSpec>& out, const std::string& name,
                  const std::vector<Endpoint>& endpoints, bool implicit_tls);

}  // namespace mailsuite::net
