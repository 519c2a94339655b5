#include "shared/net/socket_transport.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <climits>

#include <Poco/Net/NetException.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Timespan.h>

namespace mailsuite::net {

SocketTransport::SocketTransport(Poco::Net::StreamSocket socket, Poco::Net::Context::Ptr tls,
                                 bool is_tls)
    : tcp_(socket), socket_(std::move(socket)), tls_(std::move(tls)), is_tls_(is_tls) {
  fd_ = socket_.impl()->sockfd();
  socket_.setNoDelay(true);
}

ReceiveStatus SocketTransport::Receive(char* buffer, size_t size, size_t& got) {
  got = 0;
  try {
    int n = socket_.receiveBytes(buffer, static_cast<int>(size));
    if (n <= 0) return ReceiveStatus::kClosed;
    got = static_cast<size_t>(n);
    return ReceiveStatus::kData;
  } catch (const Poco::TimeoutException&) {
    return ReceiveStatus::kTimeout;
  } catch (const Poco::Exception&) {
    return ReceiveStatus::kError;
  }
}

ReceiveStatus SocketTransport::ReceiveNow(char* buffer, size_t size, size_t& got) {
  got = 0;
  if (!is_tls_) {
    const ssize_t n = ::recv(fd_, buffer, size, MSG_DONTWAIT);
    if (n > 0) {
      got = static_cast<size_t>(n);
      return ReceiveStatus::kData;
    }
    if (n == 0) return ReceiveStatus::kClosed;
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? ReceiveStatus::kNotYet
                                                                     : ReceiveStatus::kError;
  }
  // OpenSSL takes what has arrived of a record and says "want read" for the rest instead of
  // waiting for it, once the TCP socket is non-blocking.
  int n = 0;
  try {
    tcp_.setBlocking(false);
    try {
      n = socket_.receiveBytes(buffer, static_cast<int>(size));
    } catch (const Poco::Exception&) {
      n = INT_MIN;
    }
    tcp_.setBlocking(true);
  } catch (const Poco::Exception&) {
    return ReceiveStatus::kError;
  }
  if (n > 0) {
    got = static_cast<size_t>(n);
    return ReceiveStatus::kData;
  }
  if (n == 0) return ReceiveStatus::kClosed;
  return n == Poco::Net::SecureStreamSocket::ERR_SSL_WANT_READ ||
                 n == Poco::Net::SecureStreamSocket::ERR_SSL_WANT_WRITE
             ? ReceiveStatus::kNotYet
             : ReceiveStatus::kError;
}

bool SocketTransport::Send(std::string_view data) {
  try {
    while (!data.empty()) {
      int n = socket_.sendBytes(data.data(), static_cast<int>(data.size()));
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  } catch (const Poco::Exception&) {
    return false;
  }
}

SendStatus SocketTransport::SendNow(std::string_view data, size_t& taken) {
  taken = 0;
  if (!is_tls_) {
    while (taken < data.size()) {
      const ssize_t n =
          ::send(fd_, data.data() + taken, data.size() - taken, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n > 0) {
        taken += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? SendStatus::kPending
                                                                : SendStatus::kFailed;
    }
    return SendStatus::kDone;
  }
  // One record at a time: OpenSSL finishes a refused record when it is asked again with at
  // least as many bytes, which the caller's buffer (still starting with them) provides.
  constexpr size_t kRecord = 16 * 1024;
  SendStatus status = SendStatus::kDone;
  try {
    tcp_.setBlocking(false);
    try {
      while (taken < data.size()) {
        const int n = socket_.sendBytes(data.data() + taken,
                                        static_cast<int>(std::min(kRecord, data.size() - taken)));
        if (n > 0) {
          taken += static_cast<size_t>(n);
          continue;
        }
        // Want-read (renegotiation, which OpenSSL refuses by default) would never wake an
        // EPOLLOUT park: fail rather than spin.
        status = n == Poco::Net::SecureStreamSocket::ERR_SSL_WANT_WRITE ? SendStatus::kPending
                                                                        : SendStatus::kFailed;
        break;
      }
    } catch (const Poco::Exception&) {
      status = SendStatus::kFailed;
    }
    tcp_.setBlocking(true);
  } catch (const Poco::Exception&) {
    return SendStatus::kFailed;
  }
  return status;
}

bool SocketTransport::StartTls() {
  if (!CanStartTls()) return false;
  try {
    Poco::Net::SecureStreamSocket secure =
        peer_host_name_.empty()
            ? Poco::Net::SecureStreamSocket::attach(socket_, tls_)
            : Poco::Net::SecureStreamSocket::attach(socket_, peer_host_name_, tls_);
    secure.completeHandshake();
    socket_ = secure;
    is_tls_ = true;
    return true;
  } catch (const Poco::Exception&) {
    return false;
  }
}

SocketTransport::Handshake SocketTransport::AdvanceServerTls() {
  if (!CanStartTls()) return Handshake::kFailed;
  try {
    if (!handshaking_) {
      // Non-blocking, the handshake reports "want read" instead of waiting (the handshake is
      // lazy: attach only prepares it).
      tcp_.setBlocking(false);
      handshaking_ = Poco::Net::SecureStreamSocket::attach(socket_, tls_);
    }
    for (;;) {
      int rc = handshaking_->completeHandshake();
      if (rc == Poco::Net::SecureStreamSocket::ERR_SSL_WANT_READ) return Handshake::kWaiting;
      if (rc == Poco::Net::SecureStreamSocket::ERR_SSL_WANT_WRITE) {
        // Our first flight did not fit the socket's send buffer (never with a sane buffer):
        // wait for room briefly rather than park on the wrong condition.
        if (!socket_.poll(Poco::Timespan(1, 0), Poco::Net::Socket::SELECT_WRITE))
          return Handshake::kFailed;
        continue;
      }
      if (rc <= 0) return Handshake::kFailed;
      break;
    }
    Poco::Timespan timeout = socket_.getReceiveTimeout();
    tcp_.setBlocking(true);
    handshaking_->setReceiveTimeout(timeout);
    socket_ = *handshaking_;
    handshaking_.reset();
    is_tls_ = true;
    return Handshake::kDone;
  } catch (const Poco::Exception&) {
    return Handshake::kFailed;
  }
}

void SocketTransport::SetIdleTimeout(std::chrono::seconds timeout) {
  socket_.setReceiveTimeout(Poco::Timespan(static_cast<long>(timeout.count()), 0));
  socket_.setSendTimeout(Poco::Timespan(static_cast<long>(timeout.count()), 0));
}

bool SocketTransport::WaitReadable(std::chrono::milliseconds timeout) {
  try {
    // TLS records already decrypted by OpenSSL are invisible to poll().
    if (is_tls_ && Poco::Net::SecureStreamSocket(socket_).available() > 0) return true;
    return socket_.poll(
        Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(timeout.count()) * 1000),
        Poco::Net::Socket::SELECT_READ | Poco::Net::Socket::SELECT_ERROR);
  } catch (const Poco::Exception&) {
    return true;  // Receive reports the failure
  }
}

int SocketTransport::fd() const { return fd_; }

void SocketTransport::PrepareClose() {
  try {
    tcp_.setBlocking(false);
  } catch (const Poco::Exception&) {
    // closing anyway
  }
}

void SocketTransport::Abort() {
  // The raw descriptor: Poco's shutdown() of a TLS socket runs SSL_shutdown, on an SSL object
  // the session's thread is using, and leaves a blocked write blocked.
  ::shutdown(fd(), SHUT_RDWR);
}

}  // namespace mailsuite::net
