// SocketTransport: a Transport over a Poco StreamSocket, plain or already TLS (implicit-TLS
// ports), which StartTls() (blocking: the relay's client side) or AdvanceServerTls() (a server
// session's STARTTLS, without waiting) upgrades in place.
#pragma once

#include <Poco/Net/Context.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/StreamSocket.h>

#include <optional>

#include "shared/net/transport.h"

namespace mailsuite::net {

class SocketTransport : public Transport {
 public:
  // `tls` may be null (no certificate configured: STARTTLS is not offered).
  SocketTransport(Poco::Net::StreamSocket socket, Poco::Net::Context::Ptr tls, bool is_tls);

  ReceiveStatus Receive(char* buffer, size_t size, size_t& got) override;
  ReceiveStatus ReceiveNow(char* buffer, size_t size, size_t& got) override;
  bool Send(std::string_view data) override;
  SendStatus SendNow(std::string_view data, size_t& taken) override;
  bool StartTls() override;
  // The server's TLS handshake without waiting for the client: each call takes what has
  // arrived of it. kWaiting: call again once the socket is readable (the session waits in the
  // parking lot meanwhile, holding no thread).
  enum class Handshake { kDone, kWaiting, kFailed };
  Handshake AdvanceServerTls();
  bool IsTls() const override { return is_tls_; }
  bool CanStartTls() const override { return !is_tls_ && !tls_.isNull(); }
  void SetIdleTimeout(std::chrono::seconds timeout) override;
  bool WaitReadable(std::chrono::milliseconds timeout) override;

  // The OS socket (for epoll while the session is parked). TLS keeps the same descriptor, so
  // this is read once: Abort may ask from another thread while StartTls replaces socket_.
  int fd() const;

  // Before the socket is destroyed: TLS's close_notify is sent only if there is room.
  void PrepareClose();
  // Ends the connection from another thread (shutdown at the end of the grace period).
  void Abort();

  // Client side (relay): with a client context, StartTls() handshakes as the client and sends
  // `name` for SNI and certificate verification.
  void SetPeerHostName(std::string name) { peer_host_name_ = std::move(name); }

 private:
  // The TCP socket under TLS. Its blocking flag is the one Poco's TLS reads and writes obey
  // (a blocking one retries "want read" until the timeout; otherwise they return at once).
  Poco::Net::StreamSocket tcp_;
  Poco::Net::StreamSocket socket_;  // tcp_, or TLS over it
  int fd_ = -1;
  Poco::Net::Context::Ptr tls_;
  bool is_tls_;
  std::optional<Poco::Net::SecureStreamSocket> handshaking_;  // AdvanceServerTls under way
  std::string peer_host_name_;
};

}  // namespace mailsuite::net
