#include "shared/net/line_server.h"

#include <malloc.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include <Poco/Logger.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocketImpl.h>

#include "listener_metrics.h"
#include "shared/logging.h"
#include "shared/net/socket_transport.h"

namespace mailsuite::net {
namespace {

// How long an implicit-TLS connection may take to send its ClientHello and finish the
// handshake (the stress timeout when shorter).
constexpr std::chrono::seconds kHandshakeTimeout{30};
// Connections taken from one listener per wake-up of the accept thread, so that one busy port
// cannot starve the others.
constexpr int kAcceptBurst = 64;
// After the process ran out of descriptors, accepting pauses this long (the listener stays
// readable, so retrying at once would spin), and says so at most every kFullLogInterval.
constexpr std::chrono::milliseconds kOutOfDescriptorsPause{100};
constexpr std::chrono::seconds kFullLogInterval{10};
// Connections that make returning freed memory to the system worth a malloc_trim once most of
// them have closed.
constexpr int kTrimAfterPeak = 1000;
constexpr std::chrono::seconds kTrimDelay{2};
// After that trim, when the pool's idle threads have retired (ParkingLot: a minute idle).
constexpr std::chrono::seconds kRetiredTrimDelay{65};

bool IsLoopback(const Poco::Net::IPAddress& ip) {
  if (ip.isLoopback()) return true;
  // An IPv4-mapped IPv6 loopback (::ffff:127.x.y.z) from a dual-stack listener.
  return ip.family() == Poco::Net::IPAddress::IPv6 && ip.isIPv4Mapped() &&
         ip.toString().rfind("::ffff:127.", 0) == 0;
}

Poco::Logger& Log() { return Poco::Logger::get("server"); }

int64_t SteadyMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// One connection's state for its whole life, on the heap so that it can be parked.
class LineServer::Live : public ParkingLot::Item {
 public:
  Live(LineServer& server, const Poco::Net::StreamSocket& socket, Poco::Net::Context::Ptr tls)
      : server_(server), transport(socket, std::move(tls), false) {}
  // However the connection ends (also by an exception on the way), it is counted out once,
  // and before its transport is gone (Stop may Abort every counted transport).
  ~Live() override {
    session.reset();
    conn.reset();
    // TLS's close_notify must not wait for a client that does not read.
    transport.PrepareClose();
    if (admitted) server_.Release(*this);
    if (admitted && counters) counters->open->Sub();
  }
  int fd() const override { return transport.fd(); }

 private:
  LineServer& server_;

 public:
  bool admitted = false;  // counted in by Admit
  ListenerMetrics* counters = nullptr;
  // The end of a wait the server runs itself, not the session: the TLS handshake (implicit,
  // or after STARTTLS), or once the session is over (`closing`), its last replies.
  std::chrono::steady_clock::time_point own_wait_deadline;
  bool closing = false;
  bool holding = false;  // parked until a held answer may go (ParkUntilSent)
  ConnectionInfo info;
  SocketTransport transport;
  std::unique_ptr<LineConnection> conn;  // null until Begin
  std::unique_ptr<Session> session;      // declared last: destroyed first, it uses conn
};

namespace {

// A session written as one blocking function (tests, simple tools): the whole conversation is
// one step, and it never parks.
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

bool QuietClient(LineConnection& conn, const ConnectionInfo& info, std::chrono::milliseconds linger,
                 bool whole_line) {
  if (!info.waker) {
    // Nothing parks this session: a held answer (a failed login) is waited out here, before
    // the next command, as the lot would.
    if (conn.OutputBlocked()) conn.Flush();
    return false;
  }
  // STARTTLS was answered: the server runs the handshake while the session is parked.
  if (conn.TlsRequested()) return true;
  // A client that does not take its replies gets no more of them until it does: the session
  // waits for room, parked (the pipelining client that never reads, issue #14). Replies to
  // pipelined commands otherwise gather in the buffer and go out together.
  if (conn.OutputBlocked() && conn.FlushNow() == SendStatus::kPending) return true;
  auto ready = [&] { return whole_line ? conn.HasBufferedLine() : conn.HasBufferedInput(); };
  if (ready()) return false;  // the common case mid-message: no clock, no syscall per line
  // Wait in short slices: once others queue for a thread, give this one back at once; and
  // stopping, a quiet client is told so at once (the park resumes as kStopping). A client that
  // sends half a command and stalls is as quiet as one that sends nothing: what it sent waits
  // in the connection's buffer, not on a thread (issue #14).
  constexpr std::chrono::milliseconds kSlice{10};
  const auto give_up = std::chrono::steady_clock::now() + linger;
  for (;;) {
    const bool at_once = (info.stopping && *info.stopping) || info.waker->Busy();
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        give_up - std::chrono::steady_clock::now());
    const auto slice = at_once ? std::chrono::milliseconds(0)
                               : std::clamp(left, std::chrono::milliseconds(0), kSlice);
    const bool more = conn.WaitForMoreInput(slice);
    if (more && !conn.ReadAvailable(whole_line)) return false;  // the read says why
    // Also a client that streams a line without end gives its thread back after the linger.
    if (at_once || left <= slice) return !ready();
    if (ready()) return false;
  }
}

SessionStep ParkForCommand(const ConnectionInfo& info, std::chrono::seconds idle, bool logged_in) {
  if (!logged_in && info.under_stress && *info.under_stress)
    idle = std::min(idle, info.stress_timeout);
  SessionStep step;
  step.park = true;
  step.deadline = std::chrono::steady_clock::now() + idle;
  return step;
}

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
  conn.Flush();  // a session's end sends what the client takes at once; here, wait for the rest
}

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
  accept_wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (accept_wake_fd_ < 0) return Status::Error("eventfd: " + std::string(strerror(errno)));
  parking_ = std::make_unique<ParkingLot>(
      [this](std::unique_ptr<ParkingLot::Item> item, WakeReason reason) {
        std::unique_ptr<Live> live(static_cast<Live*>(item.release()));
        if (std::exchange(live->holding, false) && reason == WakeReason::kDeadline &&
            std::chrono::steady_clock::now() >= live->conn->held_until())
          reason = WakeReason::kReadable;  // the held answer may go now: carry on
        if (live->closing) {
          // Room for the last replies, or no more time for them.
          if (reason == WakeReason::kReadable) Finish(std::move(live));
          return;
        }
        if (!live->conn)
          Begin(std::move(live), reason);
        else if (live->conn->TlsRequested())
          AdvanceStartTls(std::move(live), reason);
        else
          Continue(std::move(live), reason);
      },
      // Sessions linger for their next command only while fewer than server.threads work.
      // A session blocked mid-command on a slow client keeps its thread; the others must
      // still find one, so the pool may grow past that.
      options_.threads, std::max(options_.threads * 4, 64));
  for (BoundListener& l : listeners) {
    l.socket.setBlocking(false);
    bound_.push_back(l.spec);
    counters_.push_back(std::make_unique<ListenerMetrics>(l.spec));
  }
  accept_turned_ms_ = SteadyMillis();
  listeners_ = std::move(listeners);
  acceptor_ = std::thread([this] { AcceptLoop(); });
  return Status::Ok();
}

void LineServer::AcceptLoop() {
  std::vector<pollfd> fds;
  for (const BoundListener& l : listeners_) fds.push_back({l.socket.impl()->sockfd(), POLLIN, 0});
  fds.push_back({accept_wake_fd_, POLLIN, 0});
  auto last_full_log = std::chrono::steady_clock::time_point{};
  while (!stopping_) {
    accept_turned_ms_.store(SteadyMillis(), std::memory_order_relaxed);
    TrimMemoryIfDue();
    if (::poll(fds.data(), fds.size(), 1000) <= 0) continue;
    if (fds.back().revents) break;  // Stop()
    for (size_t i = 0; i + 1 < fds.size(); ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      for (int n = 0; n < kAcceptBurst; ++n) {
        sockaddr_storage peer{};
        socklen_t peer_len = sizeof peer;
        int fd = ::accept4(fds[i].fd, reinterpret_cast<sockaddr*>(&peer), &peer_len, SOCK_CLOEXEC);
        if (fd >= 0) {
          try {
            Accept(fd, Poco::Net::SocketAddress(reinterpret_cast<sockaddr*>(&peer), peer_len),
                   listeners_[i].spec, *counters_[i]);
          } catch (const std::exception& e) {
            // Poco TCPServer used to swallow these; one failed connection must not end the
            // daemon.
            Log().error(std::string("accepting a connection: ") + e.what());
          }
          continue;
        }
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          auto now = std::chrono::steady_clock::now();
          if (now - last_full_log >= kFullLogInterval) {
            last_full_log = now;
            Log().error("cannot accept on " + listeners_[i].spec.name + ": " +
                        std::string(strerror(errno)) + " (" + std::to_string(active_connections()) +
                        " connections open); raise LimitNOFILE or lower server.max_connections");
          }
          std::this_thread::sleep_for(kOutOfDescriptorsPause);
        }
        break;  // EAGAIN: taken them all; ECONNABORTED and the like: the next poll retries
      }
    }
  }
}

void LineServer::TrimMemoryIfDue() {
  const int threads = parking_ ? parking_->threads() : 0;
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (trim_due_ && now >= trim_at_) {
      trim_due_ = false;
      peak_ = active_;
      // The threads that served the crowd retire after a minute without work, and what they
      // free on the way out (thread-local caches, glibc's per-thread tcache) needs one more trim.
      retire_trim_at_ = now + kRetiredTrimDelay;
      threads_at_trim_ = threads;
    } else if (retire_trim_at_ && now >= *retire_trim_at_) {
      retire_trim_at_.reset();
      if (threads >= threads_at_trim_) return;  // still busy: nothing retired
    } else {
      return;
    }
  }
  // glibc keeps freed memory in its arenas (one per thread that ever ran a session); after a
  // crowd of sessions has gone, give it back so RSS follows the connections that remain.
  if (options_.release_idle_memory) options_.release_idle_memory();
  ::malloc_trim(0);
}

void LineServer::Accept(int fd, const Poco::Net::SocketAddress& peer, const ListenerSpec& spec,
                        ListenerMetrics& counters) {
  // The socket owns (and closes) fd from here on, whatever throws. Only the connection holds it
  // once this line ends: Poco counts socket references with atomics ThreadSanitizer cannot see,
  // so a reference the accept thread still held after handing the session to a worker would
  // make its close race the worker's last send.
  if (options_.send_buffer_bytes > 0 &&
      ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &options_.send_buffer_bytes,
                   sizeof options_.send_buffer_bytes) != 0)
    Log().warning(std::string("SO_SNDBUF: ") + strerror(errno));
  auto live = std::make_unique<Live>(
      *this, Poco::Net::StreamSocket(new Poco::Net::StreamSocketImpl(fd)), tls_context());
  ConnectionInfo& info = live->info;
  info.session_id = NewSessionId();
  info.listener = spec.name;
  info.implicit_tls = spec.implicit_tls;
  info.stopping = &stopping_;
  info.waker = parking_.get();
  info.under_stress = &under_stress_;
  info.stress_timeout = options_.stress_timeout;
  info.peer_address = peer.host().toString();
  info.peer_is_loopback = IsLoopback(peer.host());
  if (Admission a = Admit(*live); a != Admission::kAdmitted) {
    (a == Admission::kFull ? counters.refused_full : counters.refused_per_ip)->Inc();
    // One line per refusal, but not a flood of them: a crowd at the cap is one event.
    ++refused_since_log_;
    auto now = std::chrono::steady_clock::now();
    if (now - last_refusal_log_ >= std::chrono::seconds(1)) {
      Log().warning("session=" + info.session_id + " peer=" + info.peer_address + " refused: " +
                    (a == Admission::kFull ? "server.max_connections reached"
                                           : "too many connections from this address") +
                    (refused_since_log_ > 1 ? " (" + std::to_string(refused_since_log_) +
                                                  " refused in all since " + "the last such line)"
                                            : std::string()));
      last_refusal_log_ = now;
      refused_since_log_ = 0;
    }
    // On an implicit-TLS port the client expects a handshake, not text: just close. The reply
    // is one short line into an empty socket buffer: it does not block.
    if (!spec.implicit_tls && !options_.busy_reply.empty())
      live->transport.Send(options_.busy_reply + "\r\n");
    return;
  }
  live->counters = &counters;
  counters.accepted->Inc();
  counters.open->Add();
  if (spec.implicit_tls) {
    // RFC 8314: the handshake comes first. Until the ClientHello arrives the connection waits
    // in the lot like any quiet client.
    live->own_wait_deadline = std::chrono::steady_clock::now() + HandshakeTimeout();
    const auto deadline = live->own_wait_deadline;
    return parking_->Park(std::move(live), "", 0, deadline);
  }
  parking_->Run(std::move(live), WakeReason::kStart);
}

std::chrono::seconds LineServer::HandshakeTimeout() const {
  return under_stress_ ? std::min(kHandshakeTimeout, options_.stress_timeout) : kHandshakeTimeout;
}

void LineServer::Begin(std::unique_ptr<Live> live, WakeReason reason) {
  ConnectionInfo& info = live->info;
  SocketTransport& transport = live->transport;
  if (info.implicit_tls && !transport.IsTls()) {
    // No ClientHello, or no end of the handshake, within the handshake timeout (or stopping).
    if (reason != WakeReason::kReadable) {
      if (reason == WakeReason::kDeadline) live->counters->tls_timeout->Inc();
      return Finish(std::move(live));
    }
    // A client that sends part of its handshake and stalls waits in the lot like a quiet one.
    switch (transport.AdvanceServerTls()) {
      case SocketTransport::Handshake::kDone:
        live->counters->tls_ok->Inc();
        break;
      case SocketTransport::Handshake::kWaiting: {
        const auto deadline = live->own_wait_deadline;
        return parking_->Park(std::move(live), "", 0, deadline);
      }
      case SocketTransport::Handshake::kFailed:
        live->counters->tls_failed->Inc();
        return Finish(std::move(live));
    }
  }
  transport.SetIdleTimeout(options_.idle_timeout);
  live->conn = std::make_unique<LineConnection>(transport, options_.max_line_length);
  try {
    live->session = factory_(*live->conn, info);
  } catch (const std::exception& e) {
    Log().error("session=" + info.session_id + " not started: " + e.what());
    return Finish(std::move(live));
  }
  Continue(std::move(live), reason == WakeReason::kStopping ? reason : WakeReason::kStart);
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
    if (live->conn->TlsRequested()) {
      live->own_wait_deadline = std::chrono::steady_clock::now() + HandshakeTimeout();
      return AdvanceStartTls(std::move(live), WakeReason::kReadable);
    }
    if (stopping_) {
      reason = WakeReason::kStopping;
      continue;
    }
    if (live->conn->OutputPending()) {
      const SendStatus sent = live->conn->FlushNow();
      if (sent == SendStatus::kFailed) return Finish(std::move(live));
      if (sent == SendStatus::kPending) {
        // Its client is not reading: wait for room (resumed as kReadable), not for input.
        return ParkUntilSent(std::move(live), step.key, step.generation, step.deadline);
      }
    }
    // Input that is already here (a pipelined line, or bytes held inside TLS) would never
    // wake epoll; part of a line waits there for the rest.
    if (live->conn->HasBufferedLine() ||
        live->conn->WaitForMoreInput(std::chrono::milliseconds(0))) {
      reason = WakeReason::kReadable;
      continue;
    }
    live->conn->ReleaseIdleBuffers();
    const std::string key = step.key;
    return parking_->Park(std::move(live), key, step.generation, step.deadline);
  }
}

void LineServer::AdvanceStartTls(std::unique_ptr<Live> live, WakeReason reason) {
  const SessionLog log(live->info.session_id, live->info.peer_address);
  if (stopping_ || reason != WakeReason::kReadable) {
    log.Info(stopping_ ? "ended by shutdown during the TLS handshake" : "TLS handshake timed out");
    if (!stopping_) live->counters->tls_timeout->Inc();
    return Finish(std::move(live));
  }
  // The go-ahead reply must be out, whole, before the first byte of the handshake.
  switch (live->conn->FlushNow()) {
    case SendStatus::kFailed:
      return Finish(std::move(live));
    case SendStatus::kPending: {
      const auto deadline = live->own_wait_deadline;
      return ParkUntilSent(std::move(live), "", 0, deadline);
    }
    case SendStatus::kDone:
      break;
  }
  switch (live->transport.AdvanceServerTls()) {
    case SocketTransport::Handshake::kDone:
      live->conn->TlsStarted();
      live->counters->tls_ok->Inc();
      log.Info("TLS started");
      // The session's first command under TLS may already be inside the last record.
      return Continue(std::move(live), WakeReason::kReadable);
    case SocketTransport::Handshake::kWaiting: {
      const auto deadline = live->own_wait_deadline;
      return parking_->Park(std::move(live), "", 0, deadline);
    }
    case SocketTransport::Handshake::kFailed:
      live->counters->tls_failed->Inc();
      log.Info("TLS handshake failed");
      return Finish(std::move(live));
  }
}

void LineServer::Finish(std::unique_ptr<Live> live) {
  if (!live->conn) return;  // ~Live counts the connection out
  live->session.reset();    // over: its locks go now, its last replies may still wait
  if (live->conn->FlushNow() != SendStatus::kPending) return;
  // A client that does not read gets its last replies if it takes them soon; no thread waits.
  if (!live->closing) {
    live->closing = true;
    live->own_wait_deadline = std::chrono::steady_clock::now() + HandshakeTimeout();
  }
  const auto deadline = live->own_wait_deadline;
  ParkUntilSent(std::move(live), "", 0, deadline);
}

void LineServer::ParkUntilSent(std::unique_ptr<Live> live, const std::string& key,
                               uint64_t generation,
                               std::chrono::steady_clock::time_point deadline) {
  const auto held = live->conn->held_until();
  if (std::chrono::steady_clock::now() < held) {
    // An answer held back (a failed login): only time ends this wait, not the socket.
    live->holding = true;
    return parking_->Park(std::move(live), key, generation, std::min(deadline, held),
                          ParkingLot::Await::kDeadlineOnly);
  }
  parking_->Park(std::move(live), key, generation, deadline, ParkingLot::Await::kOutputRoom);
}

size_t LineServer::parked_sessions() const { return parking_ ? parking_->parked() : 0; }

int LineServer::resume_threads() const { return parking_ ? parking_->threads() : 0; }

void LineServer::Stop(std::chrono::seconds grace) {
  stopping_ = true;
  if (acceptor_.joinable()) {
    uint64_t one = 1;
    if (::write(accept_wake_fd_, &one, sizeof one) < 0) {
      // The accept thread still sees stopping_ within its poll timeout.
    }
    acceptor_.join();
  }
  listeners_.clear();  // closes the listening sockets: new clients are refused by the kernel
  if (parking_) parking_->StopAll();
  std::unique_lock<std::mutex> lock(mu_);
  if (!idle_cv_.wait_for(lock, grace, [this] { return active_ == 0; })) {
    Log().notice("cutting " + std::to_string(active_) +
                 " session(s) still open after the grace period");
    for (SocketTransport* t : live_) t->Abort();
    idle_cv_.wait_for(lock, std::chrono::seconds(5), [this] { return active_ == 0; });
  }
  lock.unlock();
  if (parking_) parking_->Shutdown();
  if (accept_wake_fd_ >= 0) ::close(std::exchange(accept_wake_fd_, -1));
}

bool LineServer::Alive(std::chrono::milliseconds max_age) const {
  if (!parking_ || stopping_) return false;
  const int64_t now = SteadyMillis();
  return now - accept_turned_ms_.load(std::memory_order_relaxed) <= max_age.count() &&
         now - parking_->turned_ms() <= max_age.count();
}

int LineServer::active_connections() const {
  std::lock_guard<std::mutex> lock(mu_);
  return active_;
}

LineServer::Admission LineServer::Admit(Live& live) {
  std::lock_guard<std::mutex> lock(mu_);
  if (active_ >= options_.max_connections) return Admission::kFull;
  int& n = per_ip_[live.info.peer_address];
  if (n >= options_.max_connections_per_ip) {
    if (n == 0) per_ip_.erase(live.info.peer_address);
    return Admission::kPerIpCap;
  }
  ++n;
  ++active_;
  peak_ = std::max(peak_, active_);
  live_.insert(&live.transport);
  live.admitted = true;
  if (!under_stress_ && active_ >= options_.max_connections / 2) {
    under_stress_ = true;
    Log().warning("stress mode on: " + std::to_string(active_) +
                  " connections open (half of server.max_connections); clients not logged in "
                  "now wait at most " +
                  std::to_string(options_.stress_timeout.count()) + " s for their next command");
  }
  return Admission::kAdmitted;
}

void LineServer::Release(Live& live) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = per_ip_.find(live.info.peer_address);
  if (it != per_ip_.end() && --it->second <= 0) per_ip_.erase(it);
  live_.erase(&live.transport);
  --active_;
  if (under_stress_ && active_ < std::max(1, options_.max_connections * 3 / 8)) {
    under_stress_ = false;
    Log().notice("stress mode off: " + std::to_string(active_) + " connections open");
  }
  // A crowd went away: trim once it has been gone for a moment (each close pushes the trim
  // later, so the memory of the last ones is returned too).
  if (peak_ >= kTrimAfterPeak && active_ <= peak_ / 4) {
    trim_due_ = true;
    trim_at_ = std::chrono::steady_clock::now() + kTrimDelay;
  }
  idle_cv_.notify_all();
}

}  // namespace mailsuite::net
