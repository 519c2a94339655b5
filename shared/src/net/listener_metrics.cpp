#include "listener_metrics.h"

#include <string>

namespace mailsuite::net {

ListenerMetrics::ListenerMetrics(const ListenerSpec& spec) {
  metrics::Registry& r = metrics::Default();
  const std::string port = std::to_string(spec.endpoint.port);
  accepted =
      &r.AddCounter("mailsuite_connections_total",
                    "Connections accepted and served, by listener and port.", {"listener", "port"})
           .With({spec.name, port});
  open = &r.AddGauge("mailsuite_connections_open", "Connections open now, by listener and port.",
                     {"listener", "port"})
              .With({spec.name, port});
  auto& refused = r.AddCounter(
      "mailsuite_connections_refused_total",
      "Connections refused at once: reason max_connections (server.max_connections) or "
      "per_ip_limit (server.max_connections_per_ip).",
      {"listener", "port", "reason"});
  refused_full = &refused.With({spec.name, port, "max_connections"});
  refused_per_ip = &refused.With({spec.name, port, "per_ip_limit"});
  auto& tls = r.AddCounter("mailsuite_tls_handshakes_total",
                           "TLS handshakes (implicit TLS, or after STARTTLS) by listener and "
                           "result: ok, failed, or timeout (the client went quiet).",
                           {"listener", "result"});
  tls_ok = &tls.With({spec.name, "ok"});
  tls_failed = &tls.With({spec.name, "failed"});
  tls_timeout = &tls.With({spec.name, "timeout"});
}

}  // namespace mailsuite::net
