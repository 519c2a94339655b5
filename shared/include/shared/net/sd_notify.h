// The systemd readiness protocol (sd_notify(3)) without libsystemd: a datagram to the socket
// named by $NOTIFY_SOCKET. A no-op when not started by systemd with Type=notify.
#pragma once

#include <string>

namespace mailsuite::net {

// state: "READY=1", "RELOADING=1", "STOPPING=1", "STATUS=…"
void NotifySystemd(const std::string& state);

}  // namespace mailsuite::net
