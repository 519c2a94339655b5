// LineConnection: buffered line and byte reads plus buffered writes over a Transport, with the
// limits every protocol needs. Memory is bounded: an over-long line is consumed and reported
// as kTooLong, never buffered whole. Output is flushed before any read that would block, so
// pipelined replies go out in one packet. Layers (COMPRESS) can be put on top of the transport
// mid-session. Not thread-safe: one session owns one connection.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "shared/net/transport.h"

namespace mailsuite::net {

enum class ReadStatus { kOk, kTooLong, kClosed, kTimeout, kError };

// How a line ended: CRLF, or a bare LF (which SMTP must treat with suspicion).
enum class LineEnd { kCrlf, kBareLf };

class LineConnection {
 public:
  LineConnection(Transport& transport, size_t max_line_length);
  ~LineConnection();
  LineConnection(const LineConnection&) = delete;
  LineConnection& operator=(const LineConnection&) = delete;

  // Reads one line and returns it without its line end. A line longer than max_line_length
  // (counting the CRLF) is read to its end, dropped, and reported as kTooLong. A bare CR
  // inside a line is kept in `line` for the protocol to judge.
  ReadStatus ReadLine(std::string& line, LineEnd* end = nullptr);

  // Reads exactly `count` bytes (an IMAP literal). The caller bounds `count`.
  ReadStatus ReadExact(size_t count, std::string& out);
  // Reads and drops exactly `count` bytes (a refused LITERAL+ argument), in bounded chunks.
  ReadStatus SkipExact(size_t count);
  // Takes up to `max` bytes (at least one; waits only when none is buffered), appended to
  // `out`, or dropped when `out` is null; `taken` says how many.
  ReadStatus ReadSome(size_t max, std::string* out, size_t& taken);

  // Buffers `data`, sending the buffer once it holds 64 KB as far as the client takes it
  // without waiting (up to 1 MB may wait for it: see OutputPending); a piece of 64 KB or more
  // is sent at once (after what is buffered) without being copied, waiting until the client
  // has taken it, so memory stays bounded when a message is written in chunks.
  void Write(std::string_view data);
  void WriteLine(std::string_view line);  // appends CRLF
  bool Flush();                           // false if the peer is gone
  // Sends what the client has room for now, without waiting; the rest stays pending.
  SendStatus FlushNow();
  // Output the client has not taken yet (FlushNow said kPending): a session waits for room,
  // parked, before it reads another command.
  bool OutputPending() const { return !out_.empty() || output_held_; }
  // The client refused output at the last try, or an answer is held back (HoldOutput): the
  // session stops answering commands until this clears. Cheap: no clock, no syscall.
  bool OutputBlocked() const { return output_held_ || held_until_ != TimePoint{}; }
  // Sends what is pending now, then holds what is written next back for `delay` (the answer
  // to a failed login): FlushNow keeps it pending, a session waits (parked, without a thread)
  // before it reads another command, and a waiting Flush sleeps out the rest.
  void HoldOutput(std::chrono::milliseconds delay);
  // When held output may go (the epoch once none is held).
  std::chrono::steady_clock::time_point held_until() const { return held_until_; }

  // STARTTLS: flushes pending output (the "ready" reply goes out in plaintext), DISCARDS any
  // input the client pipelined after the command (CVE-2011-0411), then handshakes. Returns the
  // number of discarded bytes through `discarded`.
  bool StartTls(size_t* discarded = nullptr);
  // STARTTLS for a server session, which must not wait for the client's handshake on its
  // thread: flushes and discards as StartTls does, and leaves the handshake to whoever reads
  // next. A server that parks sessions runs it while the session waits in the lot (QuietClient
  // says to park, and LineServer advances the handshake as the client's bytes come); any other
  // reader (RunSessionHere) runs it at its next read, waiting for it. False when the flush failed.
  bool RequestTls(size_t* discarded = nullptr);
  bool TlsRequested() const { return tls_requested_; }
  // The server ran the handshake RequestTls asked for.
  void TlsStarted() { tls_requested_ = false; }
  bool IsTls() const { return transport_->IsTls(); }
  bool CanStartTls() const { return transport_->CanStartTls(); }

  // Builds a layer over `below` (the current top transport). `pipelined` holds the input
  // already read from `below` but not yet consumed: it belongs to the layer's encoding.
  using LayerFactory =
      std::function<std::unique_ptr<Transport>(Transport& below, std::string_view pipelined)>;
  // Puts a layer (COMPRESS=DEFLATE) on top of the transport, owned by this connection: first
  // flushes pending output below the layer (the reply that announced it), then hands the
  // unread input to the layer rather than parsing it as plaintext (RFC 4978 section 3: the
  // client compresses from the first byte after the command). False, with nothing changed
  // but the flush, when the flush or `make` fails.
  bool PushLayer(const LayerFactory& make);
  size_t layer_count() const { return layers_.size(); }

  // True when more client bytes are already buffered (the client pipelined).
  bool HasBufferedInput() const { return read_pos_ < buffer_.size(); }
  // True when ReadLine would not wait: a whole line (or the end of an over-long one) is
  // buffered.
  bool HasBufferedLine() const;
  // For a session that waits for its client's next line without holding a thread. Flushes
  // what output the client takes at once (FlushNow), then waits up to `timeout` for the
  // transport to have something for Receive, whatever part of a line is already buffered.
  bool WaitForMoreInput(std::chrono::milliseconds timeout);
  // After WaitForMoreInput: takes what the transport has into the buffer, never waiting (part
  // of a TLS record or of a deflate block stays below until the rest comes). Waiting for a line
  // (`for_line`), of one that grows past max_line_length only its end is kept, and the next
  // ReadLine reports kTooLong. False when the connection ended or failed; the next read says
  // which.
  bool ReadAvailable(bool for_line = true);
  // Flushes output, then waits up to `timeout` for input (or the end of the connection);
  // true at once when input is already buffered. For IMAP IDLE.
  bool WaitReadable(std::chrono::milliseconds timeout);
  // Frees the read and write buffers while the connection waits a long time (a parked
  // session), down to the part of a line already received. They grow again on the next read.
  void ReleaseIdleBuffers();
  // How long a read may wait for the peer before it reports kTimeout.
  void SetIdleTimeout(std::chrono::seconds timeout) { transport_->SetIdleTimeout(timeout); }
  size_t max_line_length() const { return max_line_length_; }
  void set_max_line_length(size_t n) { max_line_length_ = n; }
  // After ReadLine said kTooLong: the last octets of the dropped line (at most
  // kDroppedTailLength, line end excluded), so a protocol can see a literal marker it ended
  // with and drain the literal rather than read its octets as commands.
  static constexpr size_t kDroppedTailLength = 32;
  const std::string& dropped_line_tail() const { return dropped_tail_; }
  bool write_failed() const { return write_failed_; }

 private:
  // Appends at least one byte to buffer_ or returns why not; without `wait`, appends what has
  // arrived, maybe nothing (kOk either way).
  ReadStatus Fill(bool wait = true);
  bool DropLongLineStart();  // true when the unread part had no line end and was over the limit
  void Compact();
  // At the flush threshold: FlushNow, and Flush (waiting) once over kMaxHeldOutput.
  void FlushSome();

  Transport* transport_;  // the top: the connection's transport or the last layer
  std::vector<std::unique_ptr<Transport>> layers_;  // bottom first; each reads the one below
  size_t max_line_length_;
  std::string buffer_;
  size_t read_pos_ = 0;
  bool dropping_long_line_ = false;  // ReadAvailable dropped the start of the buffered line
  std::string dropped_tail_;
  bool tls_requested_ = false;  // RequestTls: the next read handshakes first
  std::string out_;
  bool output_held_ = false;  // a transport layer holds output back (FlushNow said kPending)
  using TimePoint = std::chrono::steady_clock::time_point;
  TimePoint held_until_;  // HoldOutput; the epoch once the hold has ended
  bool write_failed_ = false;
};

}  // namespace mailsuite::net
