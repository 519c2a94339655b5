// The connection metrics of one listener (mailsuite_connections_*, mailsuite_tls_handshakes_*),
// looked up once when the server starts so that accepting a connection only bumps atomics.
#pragma once

#include "shared/metrics/registry.h"
#include "shared/net/line_server.h"

namespace mailsuite::net {

struct ListenerMetrics {
  explicit ListenerMetrics(const ListenerSpec& spec);
  metrics::Counter* accepted;
  metrics::Gauge* open;
  metrics::Counter* refused_full;    // server.max_connections
  metrics::Counter* refused_per_ip;  // server.max_connections_per_ip
  metrics::Counter* tls_ok;
  metrics::Counter* tls_failed;
  metrics::Counter* tls_timeout;
};

}  // namespace mailsuite::net
