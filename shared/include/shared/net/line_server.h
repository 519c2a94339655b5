// LineServer: the one server skeleton every daemon runs in (Postfix's single_server idea). A
// daemon hands it listeners and a session factory; the server owns sockets, the threads,
// implicit TLS, idle timeouts, the connection caps, stress mode and graceful shutdown.
//
// No connection holds a thread while it waits for its client. One thread accepts; a session
// runs on a pool thread only while it has work, and whenever it is about to wait for its
// client's next command (or for IMAP IDLE to end) it returns a park request and lives in the
// ParkingLot's epoll set until its client speaks, it is woken, its deadline passes or the
// server stops. A TLS handshake (implicit TLS, or after STARTTLS) waits there for the client's
// part of it too.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <thread>

#include <Poco/Net/Context.h>
#include <Poco/Net/ServerSocket.h>

#include "shared/config.h"
#include "shared/net/line_connection.h"
#include "shared/net/parking_lot.h"
#include "shared/result.h"

namespace mailsuite::net {

class SocketTransport;
struct ListenerMetrics;  // listener_metrics.h

struct ListenerSpec {
  std::string name;  // "smtp", "submission", "imaps", … (logs and ports_file)
  Endpoint endpoint;
  bool implicit_tls = false;
};

struct ConnectionInfo {
  std::string session_id;
  std::string listener;  // ListenerSpec::name
  std::string peer_address;
  bool peer_is_loopback = false;
  bool implicit_tls = false;
  const std::atomic<bool>* stopping = nullptr;  // set once SIGTERM arrived
  Waker* waker = nullptr;  // the server's parking lot: change notifications for parked sessions
  // Set while the server is under connection pressure (stress mode): a session that is not
  // logged in then waits only `stress_timeout` for its client.
  const std::atomic<bool>* under_stress = nullptr;
  std::chrono::seconds stress_timeout{10};
};

// What a session asks for when a step returns.
struct SessionStep {
  bool park = false;        // false: the session is over
  std::string key;          // Waker::Wake(key) resumes it; empty: only its client or the deadline
  uint64_t generation = 0;  // Waker::Generation(key), read before the session's last look
  std::chrono::steady_clock::time_point deadline;
};

// A session run in steps: first Step(kStart), then one Step per end of a park.
class Session {
 public:
  virtual ~Session() = default;
  virtual SessionStep Step(WakeReason reason) = 0;
};

using SessionFactory =
    std::function<std::unique_ptr<Session>(LineConnection&, const ConnectionInfo&)>;
// A session that never parks: runs from start to end in one call.
using SessionHandler = std::function<void(LineConnection&, const ConnectionInfo&)>;

// For a session about to read its client's next command: true when it should return
// ParkForCommand(…) instead of blocking. That is when it runs under a server that parks and no
// input comes within `linger` — cut short as soon as others wait for a thread, and none at
// all once the server is stopping (the park then ends at once with kStopping). The linger spares a
// client in a quick conversation the trip through epoll; it is short, so a flood of silent
// connections holds threads only briefly.
// A session that waits for octets rather than a line (a BDAT chunk) passes `whole_line` false.
inline constexpr std::chrono::milliseconds kCommandLinger{250};
bool QuietClient(LineConnection& conn, const ConnectionInfo& info, std::chrono::milliseconds linger,
                 bool whole_line = true);
// Parks until the client's next command, for `idle` at most, or for the stress timeout when the
// session is not logged in and the server is under stress (Postfix's stress mode).
SessionStep ParkForCommand(const ConnectionInfo& info, std::chrono::seconds idle, bool logged_in);

// Runs `session` to its end on the calling thread, for callers without a parking lot (tests):
// a park becomes a wait for input that steps with kNotified every `poll` (so the session can
// look for changes) and with kDeadline or kStopping when those come.
void RunSessionHere(Session& session, LineConnection& conn, const ConnectionInfo& info,
                    std::chrono::milliseconds poll);

struct ServerOptions {
  // Sessions working at once. A session blocked mid-command on a slow client keeps its thread,
  // so the pool may grow to 4 × threads (at least 64) before working sessions queue.
  int threads = 64;
  int max_connections = 15000;  // open connections; the next one gets busy_reply
  int max_connections_per_ip = 50;
  int send_buffer_bytes = 0;  // SO_SNDBUF of each connection; 0: the kernel's autotuning
  // Stress mode starts at half of max_connections and ends below three eighths.
  std::chrono::seconds stress_timeout{10};
  size_t max_line_length = 1000;
  std::chrono::seconds idle_timeout{300};
  // Sent, CRLF added, to a connection over the per-IP cap before closing it: "421 4.7.0 …".
  std::string busy_reply;
  // Called on the accept thread when a crowd of sessions has gone, before the server gives
  // freed heap back to the system: the daemon drops what it kept for reuse (idle store
  // connections).
  std::function<void()> release_idle_memory;
};

// A listener whose socket is bound (and listening) but not yet accepting: daemons bind while
// they may still hold privileges, then drop them before the first client is served.
struct BoundListener {
  ListenerSpec spec;  // with the real port
  Poco::Net::ServerSocket socket;
};

Result<std::vector<BoundListener>> BindListeners(const std::vector<ListenerSpec>& listeners);

class LineServer {
 public:
  LineServer(ServerOptions options, Poco::Net::Context::Ptr tls, SessionFactory factory);
  LineServer(ServerOptions options, Poco::Net::Context::Ptr tls, SessionHandler handler);
  ~LineServer();
  LineServer(const LineServer&) = delete;
  LineServer& operator=(const LineServer&) = delete;

  // Binds every listener (port 0 picks a free port) and starts accepting.
  Status Start(const std::vector<ListenerSpec>& listeners);
  // Starts accepting on listeners bound earlier.
  Status StartBound(std::vector<BoundListener> listeners);
  bool under_stress() const { return under_stress_; }

  // Replaces the TLS context for connections accepted from now on (SIGHUP after a certificate
  // renewal); sessions already running keep theirs.
  void SetTlsContext(Poco::Net::Context::Ptr tls);
  Poco::Net::Context::Ptr tls_context() const;
  // The bound listeners with their real ports.
  const std::vector<ListenerSpec>& bound() const { return bound_; }

  // Stops accepting, lets sessions run on for `grace`, then cuts the remaining connections and
  // waits for their threads to return.
  void Stop(std::chrono::seconds grace);

  int active_connections() const;
  // Sessions parked right now, and the threads that run sessions.
  size_t parked_sessions() const;
  int resume_threads() const;
  // Change notifications for parked sessions (valid after Start).
  Waker& waker() { return *parking_; }
  // True while the accept loop and the parking lot's watch loop have each turned within
  // `max_age` (they turn at least once a second): the daemon is not wedged (/healthz, the
  // systemd watchdog).
  bool Alive(std::chrono::milliseconds max_age) const;

 private:
  class Live;

  void AcceptLoop();
  // On the accept thread, once most of a large crowd of connections has closed.
  void TrimMemoryIfDue();
  // Admits (or refuses) a connection `accept` just returned.
  void Accept(int fd, const Poco::Net::SocketAddress& peer, const ListenerSpec& spec,
              ListenerMetrics& counters);
  // How long an implicit-TLS client has for its ClientHello and handshake (shorter in stress).
  std::chrono::seconds HandshakeTimeout() const;
  // On a pool thread: the TLS handshake of an implicit-TLS port, then the session's first step.
  void Begin(std::unique_ptr<Live> live, WakeReason reason);
  // On a pool thread: the handshake a session asked for with STARTTLS, as far as the client's
  // bytes go; parks until more come, or steps the session on once TLS is up.
  void AdvanceStartTls(std::unique_ptr<Live> live, WakeReason reason);
  // Steps a session until it ends (then closes it) or parks.
  void Continue(std::unique_ptr<Live> live, WakeReason reason);
  void Finish(std::unique_ptr<Live> live);
  // Parks a connection whose output waits: for room, or for the time a held answer may go.
  void ParkUntilSent(std::unique_ptr<Live> live, const std::string& key, uint64_t generation,
                     std::chrono::steady_clock::time_point deadline);

  enum class Admission { kAdmitted, kPerIpCap, kFull };
  // Counts the connection in, or says which cap refuses it.
  Admission Admit(Live& live);
  void Release(Live& live);

  ServerOptions options_;
  Poco::Net::Context::Ptr tls_;  // guarded by mu_
  SessionFactory factory_;
  std::unique_ptr<ParkingLot> parking_;
  std::vector<BoundListener> listeners_;
  std::vector<ListenerSpec> bound_;
  std::vector<std::unique_ptr<ListenerMetrics>> counters_;  // one per listener
  std::atomic<int64_t> accept_turned_ms_{0};                // steady clock, AcceptLoop
  std::thread acceptor_;
  int accept_wake_fd_ = -1;  // an eventfd that ends AcceptLoop's poll
  std::atomic<bool> stopping_{false};
  std::atomic<bool> under_stress_{false};
  // Refusal log lines (accept thread only).
  std::chrono::steady_clock::time_point last_refusal_log_;
  int refused_since_log_ = 0;

  mutable std::mutex mu_;
  std::condition_variable idle_cv_;
  std::map<std::string, int> per_ip_;
  std::set<SocketTransport*> live_;
  int active_ = 0;
  int peak_ = 0;           // most connections open since the last trim
  bool trim_due_ = false;  // set by Release, done by the accept thread at trim_at_
  std::chrono::steady_clock::time_point trim_at_;
  // Once the threads of a crowd have retired (accept thread only, under mu_).
  std::optional<std::chrono::steady_clock::time_point> retire_trim_at_;
  int threads_at_trim_ = 0;
};

}  // namespace mailsuite::net
