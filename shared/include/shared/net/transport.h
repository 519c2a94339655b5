// Transport: the byte stream a protocol session runs over. The real one is a TCP socket that can
// turn into TLS in place (STARTTLS); tests use MemoryTransport. Sessions never see sockets.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace mailsuite::net {

// kNotYet: only from ReceiveNow, when what has arrived does not make a byte yet.
enum class ReceiveStatus { kData, kClosed, kTimeout, kError, kNotYet };
// kPending: the peer is not taking more now; part of the output is held back.
enum class SendStatus { kDone, kPending, kFailed };

class Transport {
 public:
  virtual ~Transport() = default;
  // Blocks until some bytes arrive (sets `got`), the peer closes, the idle timeout passes or
  // the connection fails.
  virtual ReceiveStatus Receive(char* buffer, size_t size, size_t& got) = 0;
  // Like Receive, but never waits: takes what has arrived, and says kNotYet when that is not a
  // byte of data yet (part of a TLS record, part of a deflate block). A session that has waited
  // for input without a thread reads with this, so that a client sending half a record cannot
  // make it wait on one.
  virtual ReceiveStatus ReceiveNow(char* buffer, size_t size, size_t& got) = 0;
  // Sends everything (after anything SendNow held back) or returns false.
  virtual bool Send(std::string_view data) = 0;
  // Sends what the peer has room for without waiting. `taken`: how much of `data` this
  // transport took (sent, or holds to send first). kDone when nothing is held back here or
  // below; a client that does not read its replies then makes its session wait, parked, for
  // room instead of on a thread.
  virtual SendStatus SendNow(std::string_view data, size_t& taken) = 0;
  // Handshakes TLS as the server over the existing connection. False if TLS is not configured
  // or the handshake fails (the connection is then unusable).
  virtual bool StartTls() = 0;
  virtual bool IsTls() const = 0;
  virtual bool CanStartTls() const = 0;
  virtual void SetIdleTimeout(std::chrono::seconds timeout) = 0;
  // Waits up to `timeout` for Receive to have something to report without blocking: bytes, or
  // the end or failure of the connection (then true as well; Receive tells which).
  virtual bool WaitReadable(std::chrono::milliseconds timeout) = 0;
};

}  // namespace mailsuite::net
