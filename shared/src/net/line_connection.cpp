#include "shared/net/line_connection.h"

#include <algorithm>
#include <thread>
#include <utility>

namespace mailsuite::net {
namespace {
constexpr size_t kReadChunk = 16 * 1024;
constexpr size_t kFlushThreshold = 64 * 1024;
// Output a client has not taken yet that a command may add to before it waits for the client
// (a reply bigger than this, a FETCH of a large message, is sent waiting for the client).
constexpr size_t kMaxHeldOutput = 1024 * 1024;
}  // namespace

LineConnection::LineConnection(Transport& transport, size_t max_line_length)
    : transport_(&transport), max_line_length_(max_line_length) {}

LineConnection::~LineConnection() {
  // Top first: a layer may use the one below it until it is gone.
  while (!layers_.empty()) layers_.pop_back();
}

void LineConnection::Compact() {
  if (read_pos_ == 0) return;
  buffer_.erase(0, read_pos_);
  read_pos_ = 0;
}

ReadStatus LineConnection::Fill(bool wait) {
  if (wait ? !Flush() : FlushNow() == SendStatus::kFailed) return ReadStatus::kError;
  if (std::exchange(tls_requested_, false) && !transport_->StartTls()) return ReadStatus::kError;
  Compact();
  size_t old = buffer_.size();
  buffer_.resize(old + kReadChunk);
  size_t got = 0;
  ReceiveStatus s = wait ? transport_->Receive(buffer_.data() + old, kReadChunk, got)
                         : transport_->ReceiveNow(buffer_.data() + old, kReadChunk, got);
  buffer_.resize(old + (s == ReceiveStatus::kData ? got : 0));
  switch (s) {
    case ReceiveStatus::kData:
    case ReceiveStatus::kNotYet:
      return ReadStatus::kOk;
    case ReceiveStatus::kClosed:
      return ReadStatus::kClosed;
    case ReceiveStatus::kTimeout:
      return ReadStatus::kTimeout;
    case ReceiveStatus::kError:
      break;
  }
  return ReadStatus::kError;
}

ReadStatus LineConnection::ReadLine(std::string& line, LineEnd* end) {
  bool too_long = std::exchange(dropping_long_line_, false);
  size_t scanned = read_pos_;
  for (;;) {
    size_t lf = buffer_.find('\n', scanned);
    if (lf != std::string::npos) {
      size_t len = lf - read_pos_;  // without the LF
      bool crlf = len > 0 && buffer_[lf - 1] == '\r';
      if (!too_long && len + 1 > max_line_length_) too_long = true;
      if (!too_long) line.assign(buffer_, read_pos_, crlf ? len - 1 : len);
      if (too_long) {
        const size_t line_end = crlf ? lf - 1 : lf;
        const size_t from = line_end - std::min(line_end - read_pos_, kDroppedTailLength);
        dropped_tail_.assign(buffer_, from, line_end - from);
      }
      if (end) *end = crlf ? LineEnd::kCrlf : LineEnd::kBareLf;
      read_pos_ = lf + 1;
      return too_long ? ReadStatus::kTooLong : ReadStatus::kOk;
    }
    if (DropLongLineStart()) too_long = true;
    scanned = buffer_.size();
    size_t before = read_pos_;
    ReadStatus s = Fill();
    scanned -= before - read_pos_;  // Fill() compacts: shift the scan position with it
    if (s != ReadStatus::kOk) return s;
  }
}

bool LineConnection::DropLongLineStart() {
  // No line end yet. Past the limit, drop what we have but its last octets (a CRLF split
  // across reads is still seen, and a literal marker at the line's end with it): the caller
  // remembers the line is too long.
  if (buffer_.size() - read_pos_ <= max_line_length_) return false;
  buffer_.erase(0, buffer_.size() - std::min(buffer_.size() - read_pos_, kDroppedTailLength));
  read_pos_ = 0;
  return true;
}

bool LineConnection::HasBufferedLine() const {
  return buffer_.find('\n', read_pos_) != std::string::npos;
}

bool LineConnection::WaitForMoreInput(std::chrono::milliseconds timeout) {
  if (FlushNow() == SendStatus::kFailed) return true;  // the peer is gone: the read says so
  if (tls_requested_) return true;  // the handshake comes first: the next read runs it
  return transport_->WaitReadable(timeout);
}

bool LineConnection::ReadAvailable(bool for_line) {
  if (Fill(/*wait=*/false) != ReadStatus::kOk) return false;
  if (for_line && !HasBufferedLine() && DropLongLineStart()) dropping_long_line_ = true;
  return true;
}

ReadStatus LineConnection::ReadSome(size_t max, std::string* out, size_t& taken) {
  taken = 0;
  if (read_pos_ == buffer_.size()) {
    ReadStatus s = Fill();
    if (s != ReadStatus::kOk) return s;
  }
  taken = std::min(max, buffer_.size() - read_pos_);
  if (out) out->append(buffer_, read_pos_, taken);
  read_pos_ += taken;
  return ReadStatus::kOk;
}

ReadStatus LineConnection::ReadExact(size_t count, std::string& out) {
  out.clear();
  out.reserve(std::min(count, size_t{64} << 20));
  for (size_t taken = 0; out.size() < count;)
    if (ReadStatus s = ReadSome(count - out.size(), &out, taken); s != ReadStatus::kOk) return s;
  return ReadStatus::kOk;
}

ReadStatus LineConnection::SkipExact(size_t count) {
  for (size_t taken = 0; count > 0; count -= taken)
    if (ReadStatus s = ReadSome(count, nullptr, taken); s != ReadStatus::kOk) return s;
  return ReadStatus::kOk;
}

void LineConnection::Write(std::string_view data) {
  if (data.size() >= kFlushThreshold) {
    // A large piece (a chunk of a message being streamed) goes to the transport as it is,
    // behind what is pending, instead of being copied into out_, whose capacity would then
    // stay that large for the rest of the session. The transport blocks until the peer takes
    // it, so a streaming writer holds one chunk at a time.
    if (!Flush()) return;
    if (!transport_->Send(data)) write_failed_ = true;
    return;
  }
  out_.append(data);
  if (out_.size() >= kFlushThreshold) FlushSome();
}

void LineConnection::WriteLine(std::string_view line) {
  out_.append(line);
  out_.append("\r\n");
  if (out_.size() >= kFlushThreshold) FlushSome();
}

void LineConnection::FlushSome() {
  // Replies pile up while a client pipelines without reading them; the session waits for it
  // (parked) at its next command, so this waits only for one command's large output.
  if (FlushNow() == SendStatus::kPending && out_.size() >= kMaxHeldOutput) Flush();
}

void LineConnection::HoldOutput(std::chrono::milliseconds delay) {
  FlushNow();
  held_until_ = std::chrono::steady_clock::now() + delay;
}

SendStatus LineConnection::FlushNow() {
  if (write_failed_) return SendStatus::kFailed;
  if (out_.empty() && !output_held_) return SendStatus::kDone;
  if (held_until_ != TimePoint{}) {
    if (std::chrono::steady_clock::now() < held_until_) return SendStatus::kPending;
    held_until_ = TimePoint{};
  }
  size_t taken = 0;
  const SendStatus status = transport_->SendNow(out_, taken);
  out_.erase(0, taken);
  output_held_ = status == SendStatus::kPending;
  if (status == SendStatus::kFailed) {
    write_failed_ = true;
    out_.clear();
  }
  return status;
}

bool LineConnection::Flush() {
  if (write_failed_) return false;
  if (out_.empty() && !output_held_) return true;
  if (held_until_ != TimePoint{}) {
    std::this_thread::sleep_until(held_until_);  // a held answer (no server parks this session)
    held_until_ = TimePoint{};
  }
  if (!transport_->Send(out_)) write_failed_ = true;
  out_.clear();
  output_held_ = false;
  return !write_failed_;
}

bool LineConnection::WaitReadable(std::chrono::milliseconds timeout) {
  if (HasBufferedInput() || tls_requested_) return true;
  if (!Flush()) return true;  // the peer is gone: let the next read say so
  return transport_->WaitReadable(timeout);
}

bool LineConnection::PushLayer(const LayerFactory& make) {
  if (!Flush()) return false;
  std::unique_ptr<Transport> layer = make(*transport_, std::string_view(buffer_).substr(read_pos_));
  if (!layer) return false;
  buffer_.clear();
  read_pos_ = 0;
  transport_ = layer.get();
  layers_.push_back(std::move(layer));
  return true;
}

void LineConnection::ReleaseIdleBuffers() {
  if (OutputPending()) return;
  // A client that stalls mid-line keeps what it sent, at its own size (Fill reserves 16 KB).
  std::string(buffer_, read_pos_).swap(buffer_);
  std::string().swap(out_);
  read_pos_ = 0;
}

bool LineConnection::StartTls(size_t* discarded) {
  if (!RequestTls(discarded) || !Flush()) return false;
  tls_requested_ = false;
  return transport_->StartTls();
}

bool LineConnection::RequestTls(size_t* discarded) {
  // The reply goes out before the handshake starts: here as far as the client takes it, the
  // rest by whoever runs the handshake (LineServer waits for room first, Fill flushes).
  if (FlushNow() == SendStatus::kFailed) return false;
  if (discarded) *discarded = buffer_.size() - read_pos_;
  buffer_.clear();
  read_pos_ = 0;
  tls_requested_ = true;
  return true;
}

}  // namespace mailsuite::net
