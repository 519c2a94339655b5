// The daemon's small HTTP listener for monitoring (metrics.listen): GET /metrics (the
// registry in Prometheus text format, behind HTTP basic authentication when a password is
// set), /healthz (liveness: the daemon's own loops are turning) and /readyz (listening, not
// stopping, and the store answers). Poco's HTTP server on four threads of its own, so a scrape
// never waits for, or takes, a session thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "shared/config.h"
#include "shared/metrics/registry.h"
#include "shared/result.h"

namespace Poco {
class ThreadPool;
namespace Net {
class HTTPServer;
class ServerSocket;
}  // namespace Net
}  // namespace Poco

namespace mailsuite::metrics {

struct HttpEndpointOptions {
  std::string password;         // /metrics asks for it (any user name); empty: no authentication
  std::function<bool()> alive;  // /healthz; unset: always alive
  std::function<std::string()> not_ready;  // /readyz: why not, or empty when ready; unset: ready
};

class HttpEndpoint {
 public:
  // Binds and listens (while the daemon may still be root); serves once started.
  static Result<std::unique_ptr<HttpEndpoint>> Bind(const Endpoint& where);
  ~HttpEndpoint();
  HttpEndpoint(const HttpEndpoint&) = delete;
  HttpEndpoint& operator=(const HttpEndpoint&) = delete;

  Endpoint bound() const { return bound_; }  // with the real port
  void Start(Registry& registry, HttpEndpointOptions options);
  // Stops serving and waits for requests running now (at most the request timeout).
  void Stop();

 private:
  HttpEndpoint() = default;

  Endpoint bound_;
  std::unique_ptr<Poco::Net::ServerSocket> socket_;
  std::unique_ptr<Poco::ThreadPool> threads_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

// True when `given` equals `expected`, in time that does not depend on where they differ.
bool SamePassword(const std::string& given, const std::string& expected);

}  // namespace mailsuite::metrics
