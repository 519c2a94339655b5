// SocketTransport: a Transport over a Poco StreamSocket, plain or already TLS (implicit-TLS
// ports), which StartTls() upgrades in place using the server context.
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
  bool Send(std::string_view data) override;
  bool StartTls() override;
  // The server's TLS handshake without waiting for the client: each call takes what has
  // arrived of it. kWaiting: call again once the socket is readable (the session waits in the
  // parking lot meanwhile, holding no thread).
  enum class Handshake { kDone, kWaiting, kFailed };
  Handshake AdvanceServerTls();
  // How long StartTls may wait for the peer's part of the handshake; without it, the idle
  // timeout. A STARTTLS client that stalls mid-handshake holds its thread this long.
  void SetHandshakeTimeout(std::chrono::seconds timeout) { handshake_timeout_ = timeout; }
  bool IsTls() const override { return is_tls_; }
  bool CanStartTls() const override { return !is_tls_ && !tls_.isNull(); }
  void SetIdleTimeout(std::chrono::seconds timeout) override;
  bool WaitReadable(std::chrono::milliseconds timeout) override;

  // The OS socket (for epoll while the session is parked). TLS keeps the same descriptor, so
  // this is read once: Abort may ask from another thread while StartTls replaces socket_.
  int fd() const;

  // Ends the connection from another thread (shutdown at the end of the grace period).
  void Abort();

  // Client side (relay): with a client context, StartTls() handshakes as the client and sends
  // `name` for SNI and certificate verification.
  void SetPeerHostName(std::string name) { peer_host_name_ = std::move(name); }

 private:
  Poco::Net::StreamSocket socket_;
  int fd_ = -1;
  Poco::Net::Context::Ptr tls_;
  bool is_tls_;
  std::optional<Poco::Net::SecureStreamSocket> handshaking_;  // AdvanceServerTls under way
  std::optional<std::chrono::seconds> handshake_timeout_;
  std::string peer_host_name_;
};

}  // namespace mailsuite::net
