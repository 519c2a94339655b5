// LineServer: the one server skeleton every daemon runs in (Postfix's single_server idea). A
// daemon hands it listeners and a session handler; the server owns sockets, the thread pool,
// implicit TLS, idle timeouts, the per-IP connection cap and graceful shutdown. A session runs on
// a pool thread with a LineConnection; one that waits for its client with nothing to do (IMAP
// IDLE) can return a park request instead of blocking, and lives in the ParkingLot without a
// thread until its client speaks, it is woken, its deadline passes or the server stops.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <Poco/Net/Context.h>
#include <Poco/Net/ServerSocket.h>

#include "shared/config.h"
#include "shared/net/line_connection.h"
#include "shared/net/parking_lot.h"
#include "shared/result.h"

namespace Poco {
class ThreadPool;
namespace Net {
class TCPServer;
}
}  // namespace Poco

namespace mailsuite::net {

class SocketTransport;

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

// Runs `session` to its end on the calling thread, for callers without a parking lot (tests):
// a park becomes a wait for input that steps with kNotified every `poll` (so the session can
// look for changes) and with kDeadline or kStopping when those come.
void RunSessionHere(Session& session, LineConnection& conn, const ConnectionInfo& info,
                    std::chrono::milliseconds poll);

struct ServerOptions {
  int threads = 64;
  int queue = 128;
  int max_connections_per_ip = 50;
  size_t max_line_length = 1000;
  std::chrono::seconds idle_timeout{300};
  // Sent, CRLF added, to a connection over the per-IP cap before closing it: "421 4.7.0 …".
  std::string busy_reply;
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
  // Sessions parked right now, and the threads that resume them.
  size_t parked_sessions() const;
  int resume_threads() const;
  // Change notifications for parked sessions (valid after Start).
  Waker& waker() { return *parking_; }

 private:
  class Connection;
  class Factory;
  class Live;
  friend class Connection;

  // Steps a session until it ends (then closes it) or parks.
  void Continue(std::unique_ptr<Live> live, WakeReason reason);
  void Finish(std::unique_ptr<Live> live);

  // Per-IP accounting; false when `ip` is over the cap.
  bool Admit(const std::string& ip);
  void Release(const std::string& ip);
  void Track(SocketTransport* t);
  void Untrack(SocketTransport* t);

  ServerOptions options_;
  Poco::Net::Context::Ptr tls_;  // guarded by mu_
  SessionFactory factory_;
  std::unique_ptr<Poco::ThreadPool> pool_;
  std::unique_ptr<ParkingLot> parking_;
  std::vector<std::unique_ptr<Poco::Net::TCPServer>> servers_;
  std::vector<ListenerSpec> bound_;
  std::atomic<bool> stopping_{false};

  mutable std::mutex mu_;
  std::condition_variable idle_cv_;
  std::map<std::string, int> per_ip_;
  std::set<SocketTransport*> live_;
  int active_ = 0;
};

}  // namespace mailsuite::net
