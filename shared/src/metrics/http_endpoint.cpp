#include "shared/metrics/http_endpoint.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <time.h>

#include <Poco/Net/HTTPBasicCredentials.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>

namespace mailsuite::metrics {
namespace {

using Poco::Net::HTTPResponse;

// A scrape, a health probe and a readiness probe at once, and one spare. Connections are not
// kept alive between requests, so an idle scraper holds no thread; a client that trickles its
// request does, for the read timeout at a time (keep the listener on loopback).
constexpr int kThreads = 4;
constexpr long kRequestTimeoutSeconds = 5;

double ThreadCpuSeconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// The CPU a scrape costs the daemon: the budget is 1 ms under load.
Histogram& ScrapeCpu() {
  static Histogram& h =
      Default()
          .AddHistogram("mailsuite_metrics_scrape_cpu_seconds",
                        "CPU time the daemon spent rendering and sending one /metrics answer.", {},
                        {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01})
          .With({});
  return h;
}

void SendText(Poco::Net::HTTPServerResponse& response, HTTPResponse::HTTPStatus status,
              const std::string& body, const std::string& type = "text/plain; charset=utf-8") {
  response.setStatusAndReason(status);
  response.setContentType(type);
  response.setContentLength(static_cast<std::streamsize>(body.size()));
  response.set("Cache-Control", "no-store");
  response.sendBuffer(body.data(), body.size());
}

class Handler : public Poco::Net::HTTPRequestHandler {
 public:
  Handler(Registry& registry, const HttpEndpointOptions& options)
      : registry_(registry), options_(options) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    const std::string path = request.getURI().substr(0, request.getURI().find('?'));
    const bool known = path == "/metrics" || path == "/healthz" || path == "/readyz";
    if (!known) return SendText(response, HTTPResponse::HTTP_NOT_FOUND, "not found\n");
    if (request.getMethod() != "GET" && request.getMethod() != "HEAD") {
      response.set("Allow", "GET, HEAD");
      return SendText(response, HTTPResponse::HTTP_METHOD_NOT_ALLOWED, "GET or HEAD\n");
    }
    if (path == "/healthz") {
      bool alive = !options_.alive || options_.alive();
      return SendText(response,
                      alive ? HTTPResponse::HTTP_OK : HTTPResponse::HTTP_SERVICE_UNAVAILABLE,
                      alive ? "ok\n" : "stalled: a server loop has not run for seconds\n");
    }
    if (path == "/readyz") {
      std::string why = options_.not_ready ? options_.not_ready() : std::string();
      return SendText(response,
                      why.empty() ? HTTPResponse::HTTP_OK : HTTPResponse::HTTP_SERVICE_UNAVAILABLE,
                      why.empty() ? "ready\n" : "not ready: " + why + "\n");
    }
    if (!options_.password.empty() && !Authenticated(request)) {
      response.requireAuthentication("mailsuite metrics");
      return SendText(response, HTTPResponse::HTTP_UNAUTHORIZED, "authentication required\n");
    }
    const double cpu_start = ThreadCpuSeconds();
    SendText(response, HTTPResponse::HTTP_OK, registry_.Render(),
             "text/plain; version=0.0.4; charset=utf-8");
    ScrapeCpu().Observe(ThreadCpuSeconds() - cpu_start);
  }

 private:
  bool Authenticated(const Poco::Net::HTTPServerRequest& request) const {
    if (!request.hasCredentials()) return false;
    try {
      Poco::Net::HTTPBasicCredentials credentials(request);
      return SamePassword(credentials.getPassword(), options_.password);
    } catch (const Poco::Exception&) {
      return false;  // another scheme, or not base64
    }
  }

  Registry& registry_;
  const HttpEndpointOptions& options_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Factory(Registry& registry, HttpEndpointOptions options)
      : registry_(registry), options_(std::move(options)) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new Handler(registry_, options_);
  }

 private:
  Registry& registry_;
  HttpEndpointOptions options_;
};

}  // namespace

bool SamePassword(const std::string& given, const std::string& expected) {
  // Digests first: equal lengths, so the comparison says nothing about the password's length.
  unsigned char a[SHA256_DIGEST_LENGTH];
  unsigned char b[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(given.data()), given.size(), a);
  SHA256(reinterpret_cast<const unsigned char*>(expected.data()), expected.size(), b);
  return CRYPTO_memcmp(a, b, sizeof a) == 0;
}

Result<std::unique_ptr<HttpEndpoint>> HttpEndpoint::Bind(const Endpoint& where) {
  std::unique_ptr<HttpEndpoint> e(new HttpEndpoint);
  try {
    e->socket_ = std::make_unique<Poco::Net::ServerSocket>(
        Poco::Net::SocketAddress(where.host, where.port), 16);
  } catch (const Poco::Exception& ex) {
    return Status::Error("cannot listen on " + where.ToString() +
                         " (metrics): " + ex.displayText());
  }
  e->bound_ = where;
  e->bound_.port = e->socket_->address().port();
  return e;
}

HttpEndpoint::~HttpEndpoint() { Stop(); }

void HttpEndpoint::Start(Registry& registry, HttpEndpointOptions options) {
  ScrapeCpu();  // registered before the first scrape, which then shows it
  auto params = new Poco::Net::HTTPServerParams;  // reference-counted by the server
  params->setMaxThreads(kThreads);
  params->setMaxQueued(16);
  params->setTimeout(Poco::Timespan(kRequestTimeoutSeconds, 0));
  params->setKeepAlive(false);
  params->setServerName("mailsuite");
  threads_ = std::make_unique<Poco::ThreadPool>(1, kThreads);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(registry, std::move(options)),
                                                    *threads_, *socket_, params);
  server_->start();
}

void HttpEndpoint::Stop() {
  if (server_) {
    server_->stopAll(true);  // also ends the connections kept alive
    server_.reset();
  }
  if (threads_) {
    threads_->joinAll();
    threads_.reset();
  }
}

}  // namespace mailsuite::metrics
