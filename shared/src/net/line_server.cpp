#include "shared/net/line_server.h"

#include <algorithm>

#include <Poco/Logger.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <Poco/Net/TCPServerParams.h>
#include <Poco/ThreadPool.h>

#include "shared/logging.h"
#include "shared/net/socket_transport.h"

namespace mailsuite::net {
namespace {

bool IsLoopback(const Poco::Net::IPAddress& ip) {
  if (ip.isLoopback()) return true;
  // An IPv4-mapped IPv6 loopback (::ffff:127.x.y.z) from a dual-stack listener.
  return ip.family() == Poco::Net::IPAddress::IPv6 && ip.isIPv4Mapped() &&
         ip.toString().rfind("::ffff:127.", 0) == 0;
}

}  // namespace

// One connection's state for its whole life, on the heap so that it can be parked.
class LineServer::Live : public ParkingLot::Item {
 public:
  Live(const Poco::Net::StreamSocket& socket, Poco::Net::Context::Ptr tls)
      : transport(socket, std::move(tls), false) {}
  int fd() const override { return transport.fd(); }

  ConnectionInfo info;
  SocketTransport transport;
  std::unique_ptr<LineConnection> conn;
  std::unique_ptr<Session> session;  // declared last: destroyed first, it uses conn
};

namespace {

// SMTP and POP3 sessions never park: the whole conversation is one step.
class HandlerSession : public Session {
 public:
  HandlerSession(const SessionHandler& handler, LineConnection& conn, const ConnectionInfo& info)
      : handler_(handler), conn_(conn), info_(info) {}
  SessionStep Step(WakeReason) override {
    handler_(conn_, info_);
    return {};
  }

 private:
  const SessionHandler& handler_;
  LineConnection& conn_;
  const ConnectionInfo& info_;
};

}  // namespace

class LineServer::Connection : public Poco::Net::TCPServerConnection {
 public:
  Connection(const Poco::Net::StreamSocket& socket, LineServer& server, const ListenerSpec& spec)
      : TCPServerConnection(socket), server_(server), spec_(spec) {}

  void run() override {
    auto live = std::make_unique<Live>(socket(), server_.tls_context());
    ConnectionInfo& info = live->info;
    info.session_id = NewSessionId();
    info.listener = spec_.name;
    info.implicit_tls = spec_.implicit_tls;
    info.stopping = &server_.stopping_;
    info.waker = server_.parking_.get();
    try {
      Poco::Net::SocketAddress peer = socket().peerAddress();
      info.peer_address = peer.host().toString();
      info.peer_is_loopback = IsLoopback(peer.host());
    } catch (const Poco::Exception&) {
      return;  // the peer is already gone
    }
    SocketTransport& transport = live->transport;
    if (!server_.Admit(info.peer_address)) {
      Poco::Logger::get("server").warning("session=" + info.session_id + " peer=" +
                                          info.peer_address + " refused: too many connections");
      // On an implicit-TLS port the client expects a handshake, not text: just close.
      if (!spec_.implicit_tls && !server_.options_.busy_reply.empty())
        transport.Send(server_.options_.busy_reply + "\r\n");
      return;
    }
    // Implicit TLS (RFC 8314): the handshake comes first, here on the worker thread, with a
    // short timeout so stalled handshakes cannot hold the pool.
    if (spec_.implicit_tls) {
      transport.SetIdleTimeout(std::chrono::seconds(30));
      if (!transport.StartTls()) {
        server_.Release(info.peer_address);
        return;
      }
    }
    transport.SetIdleTimeout(server_.options_.idle_timeout);
    server_.Track(&transport);
    live->conn = std::make_unique<LineConnection>(transport, server_.options_.max_line_length);
    try {
      live->session = server_.factory_(*live->conn, info);
    } catch (const std::exception& e) {
      Poco::Logger::get("server").error("session=" + info.session_id + " not started: " + e.what());
      return server_.Finish(std::move(live));
    }
    // From here the connection outlives this Poco connection object when the session parks:
    // `live` holds its own reference to the socket.
    server_.Continue(std::move(live), WakeReason::kStart);
  }

 private:
  LineServer& server_;
  const ListenerSpec& spec_;
};

void RunSessionHere(Session& session, LineConnection& conn, const ConnectionInfo& info,
                    std::chrono::milliseconds poll) {
  using Clock = std::chrono::steady_clock;
  SessionStep step = session.Step(WakeReason::kStart);
  while (step.park) {
    WakeReason reason = WakeReason::kNotified;
    const auto now = Clock::now();
    if (now >= step.deadline) {
      reason = WakeReason::kDeadline;
    } else if (conn.WaitReadable(std::min(
                   poll,
                   std::chrono::duration_cast<std::chrono::milliseconds>(step.deadline - now)))) {
      reason = WakeReason::kReadable;
    } else if (info.stopping && *info.stopping) {
      reason = WakeReason::kStopping;
    } else if (Clock::now() >= step.deadline) {
      reason = WakeReason::kDeadline;
    }
    step = session.Step(reason);
  }
}

class LineServer::Factory : public Poco::Net::TCPServerConnectionFactory {
 public:
  Factory(LineServer& server, const ListenerSpec& spec) : server_(server), spec_(spec) {}
  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& s) override {
    return new Connection(s, server_, spec_);
  }

 private:
  LineServer& server_;
  const ListenerSpec& spec_;
};

LineServer::LineServer(ServerOptions options, Poco::Net::Context::Ptr tls, SessionFactory factory)
    : options_(std::move(options)), tls_(std::move(tls)), factory_(std::move(factory)) {}

LineServer::LineServer(ServerOptions options, Poco::Net::Context::Ptr tls, SessionHandler handler)
    : LineServer(std::move(options), std::move(tls),
                 SessionFactory([handler = std::move(handler)](
                                    LineConnection& conn,
                                    const ConnectionInfo& info) -> std::unique_ptr<Session> {
                   return std::make_unique<HandlerSession>(handler, conn, info);
                 })) {}

LineServer::~LineServer() { Stop(std::chrono::seconds(0)); }

Result<std::vector<BoundListener>> BindListeners(const std::vector<ListenerSpec>& listeners) {
  std::vector<BoundListener> out;
  for (const ListenerSpec& spec : listeners) {
    try {
      Poco::Net::ServerSocket socket(
          Poco::Net::SocketAddress(spec.endpoint.host, spec.endpoint.port), 64);
      ListenerSpec real = spec;
      real.endpoint.port = socket.address().port();
      out.push_back(BoundListener{real, socket});
    } catch (const Poco::Exception& e) {
      return Status::Error("cannot listen on " + spec.endpoint.ToString() + " (" + spec.name +
                           "): " + e.displayText());
    }
  }
  return out;
}

Status LineServer::Start(const std::vector<ListenerSpec>& listeners) {
  auto bound = BindListeners(listeners);
  if (!bound) return bound.status();
  return StartBound(std::move(bound.value()));
}

Status LineServer::StartBound(std::vector<BoundListener> listeners) {
  for (const BoundListener& l : listeners)
    if (l.spec.implicit_tls && tls_context().isNull())
      return Status::Error(l.spec.name + " " + l.spec.endpoint.ToString() +
                           " needs TLS, but no certificate is configured");
  pool_ = std::make_unique<Poco::ThreadPool>(2, options_.threads + 1, 60);
  parking_ = std::make_unique<ParkingLot>(
      [this](std::unique_ptr<ParkingLot::Item> item, WakeReason reason) {
        Continue(std::unique_ptr<Live>(static_cast<Live*>(item.release())), reason);
      },
      // Resumed sessions may block in a read for a while (a slow client mid-command), so the
      // lot gets more room than the accept pool; sessions waiting for a command park.
      std::max(options_.threads * 4, 64));
  bound_.reserve(listeners.size());  // Factories keep references into bound_.
  for (BoundListener& l : listeners) {
    bound_.push_back(l.spec);
    auto* params = new Poco::Net::TCPServerParams;
    params->setMaxThreads(options_.threads);
    params->setMaxQueued(options_.queue);
    auto server = std::make_unique<Poco::Net::TCPServer>(new Factory(*this, bound_.back()), *pool_,
                                                         l.socket, params);
    server->start();
    servers_.push_back(std::move(server));
  }
  return Status::Ok();
}

void LineServer::SetTlsContext(Poco::Net::Context::Ptr tls) {
  std::lock_guard<std::mutex> lock(mu_);
  tls_ = std::move(tls);
}

Poco::Net::Context::Ptr LineServer::tls_context() const {
  std::lock_guard<std::mutex> lock(mu_);
  return tls_;
}

void LineServer::Continue(std::unique_ptr<Live> live, WakeReason reason) {
  for (;;) {
    SessionStep step;
    try {
      step = live->session->Step(reason);
    } catch (const std::exception& e) {
      // A bug or an I/O failure deep inside a session: end this session, keep the daemon.
      Poco::Logger::get("server").error("session=" + live->info.session_id + " peer=" +
                                        live->info.peer_address + " ended by error: " + e.what());
      step = {};
    }
    if (!step.park) return Finish(std::move(live));
    if (stopping_) {
      reason = WakeReason::kStopping;
      continue;
    }
    // Input that is already here (pipelined, or held inside TLS) would never wake epoll.
    if (live->conn->WaitReadable(std::chrono::milliseconds(0))) {
      reason = WakeReason::kReadable;
      continue;
    }
    live->conn->ReleaseIdleBuffers();
    const std::string key = step.key;
    return parking_->Park(std::move(live), key, step.generation, step.deadline);
  }
}

void LineServer::Finish(std::unique_ptr<Live> live) {
  if (live->conn) live->conn->Flush();
  live->session.reset();
  Untrack(&live->transport);
  Release(live->info.peer_address);
}

size_t LineServer::parked_sessions() const { return parking_ ? parking_->parked() : 0; }

int LineServer::resume_threads() const { return parking_ ? parking_->threads() : 0; }

void LineServer::Stop(std::chrono::seconds grace) {
  stopping_ = true;
  for (auto& s : servers_) s->stop();
  if (parking_) parking_->StopAll();
  std::unique_lock<std::mutex> lock(mu_);
  if (!idle_cv_.wait_for(lock, grace, [this] { return active_ == 0; })) {
    Poco::Logger::get("server").notice("cutting " + std::to_string(active_) +
                                       " session(s) still open after the grace period");
    for (SocketTransport* t : live_) t->Abort();
    idle_cv_.wait_for(lock, std::chrono::seconds(5), [this] { return active_ == 0; });
  }
  lock.unlock();
  if (parking_) parking_->Shutdown();
  servers_.clear();
  if (pool_) pool_->joinAll();
}

int LineServer::active_connections() const {
  std::lock_guard<std::mutex> lock(mu_);
  return active_;
}

bool LineServer::Admit(const std::string& ip) {
  std::lock_guard<std::mutex> lock(mu_);
  int& n = per_ip_[ip];
  if (n >= options_.max_connections_per_ip) {
    if (n == 0) per_ip_.erase(ip);
    return false;
  }
  ++n;
  return true;
}

void LineServer::Release(const std::string& ip) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = per_ip_.find(ip);
  if (it != per_ip_.end() && --it->second <= 0) per_ip_.erase(it);
}

void LineServer::Track(SocketTransport* t) {
  std::lock_guard<std::mutex> lock(mu_);
  live_.insert(t);
  ++active_;
}

void LineServer::Untrack(SocketTransport* t) {
  std::lock_guard<std::mutex> lock(mu_);
  live_.erase(t);
  --active_;
  idle_cv_.notify_all();
}

}  // namespace mailsuite::net
