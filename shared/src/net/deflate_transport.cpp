#include "shared/net/deflate_transport.h"

#include <zlib.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace mailsuite::net {
namespace {

constexpr size_t kReadChunk = 16 * 1024;  // compressed bytes read from below at a time
constexpr size_t kSendChunk = 16 * 1024;  // deflate output grows in steps of this
constexpr size_t kPeekChunk = 512;        // what WaitReadable inflates to look ahead
constexpr size_t kMaxHeld = 1024 * 1024;  // compressed output SendNow keeps for a slow client
constexpr size_t kAllocHeader = alignof(std::max_align_t);

// zlib allocators that count, so a connection's zlib memory can be measured and reported.
voidpf CountingAlloc(voidpf opaque, uInt items, uInt size) {
  size_t bytes = static_cast<size_t>(items) * size;
  auto* raw = static_cast<char*>(std::malloc(bytes + kAllocHeader));
  if (!raw) return Z_NULL;
  std::memcpy(raw, &bytes, sizeof bytes);
  *static_cast<size_t*>(opaque) += bytes;
  return raw + kAllocHeader;
}

void CountingFree(voidpf opaque, voidpf address) {
  if (!address) return;
  char* raw = static_cast<char*>(address) - kAllocHeader;
  size_t bytes;
  std::memcpy(&bytes, raw, sizeof bytes);
  *static_cast<size_t*>(opaque) -= bytes;
  std::free(raw);
}

}  // namespace

struct DeflateTransport::Zlib {
  z_stream deflater{};
  z_stream inflater{};
  bool deflater_ready = false;
  bool inflater_ready = false;
  size_t allocated = 0;  // bytes, kept by the counting allocators

  ~Zlib() {
    if (deflater_ready) deflateEnd(&deflater);
    if (inflater_ready) inflateEnd(&inflater);
  }
  void UseCountingAllocators(z_stream& s) {
    s.zalloc = CountingAlloc;
    s.zfree = CountingFree;
    s.opaque = &allocated;
  }
};

std::unique_ptr<DeflateTransport> DeflateTransport::Create(Transport& below,
                                                           std::string_view pipelined) {
  auto z = std::make_unique<Zlib>();
  z->UseCountingAllocators(z->deflater);
  z->UseCountingAllocators(z->inflater);
  // Negative windowBits select raw deflate (RFC 4978 section 4: -8 to -15).
  if (deflateInit2(&z->deflater, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -kDeflateWindowBits,
                   kDeflateMemLevel, Z_DEFAULT_STRATEGY) != Z_OK)
    return nullptr;
  z->deflater_ready = true;
  if (inflateInit2(&z->inflater, -kInflateWindowBits) != Z_OK) return nullptr;
  z->inflater_ready = true;
  return std::unique_ptr<DeflateTransport>(new DeflateTransport(below, std::move(z), pipelined));
}

DeflateTransport::DeflateTransport(Transport& below, std::unique_ptr<Zlib> z,
                                   std::string_view pipelined)
    : below_(below), z_(std::move(z)), input_(pipelined) {
  stats_.compressed_in = pipelined.size();
}

DeflateTransport::~DeflateTransport() = default;

size_t DeflateTransport::zlib_bytes() const { return z_->allocated; }

void DeflateTransport::Inflate(char* out, size_t size, size_t& got) {
  z_stream& s = z_->inflater;
  s.next_in = reinterpret_cast<Bytef*>(input_.data() + in_pos_);
  s.avail_in = static_cast<uInt>(input_.size() - in_pos_);
  s.next_out = reinterpret_cast<Bytef*>(out);
  s.avail_out = static_cast<uInt>(size);
  int rc = inflate(&s, Z_SYNC_FLUSH);
  got = size - s.avail_out;
  in_pos_ = input_.size() - s.avail_in;
  output_was_full_ = s.avail_out == 0;
  if (in_pos_ == input_.size()) {
    // Release the read buffer: idle connections should hold only zlib's state.
    std::string().swap(input_);
    in_pos_ = 0;
  }
  stats_.plain_in += got;
  // Z_BUF_ERROR only says no progress was possible: more input is needed.
  if (rc == Z_STREAM_END) {
    end_ = End::kStreamEnd;
  } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
    end_ = End::kError;
  }
}

ReceiveStatus DeflateTransport::Receive(char* buffer, size_t size, size_t& got) {
  return Take(buffer, size, got, true);
}

ReceiveStatus DeflateTransport::ReceiveNow(char* buffer, size_t size, size_t& got) {
  return Take(buffer, size, got, false);
}

ReceiveStatus DeflateTransport::Take(char* buffer, size_t size, size_t& got, bool wait) {
  got = 0;
  if (size == 0) return ReceiveStatus::kData;
  if (!peeked_.empty()) {
    got = std::min(size, peeked_.size());
    peeked_.copy(buffer, got);
    peeked_.erase(0, got);
    return ReceiveStatus::kData;
  }
  // Each pass either inflates something or reads more input from below (waiting for it, or
  // saying kNotYet), so this loop never spins; a stream of empty blocks costs the peer
  // bandwidth like NOOPs do.
  for (;;) {
    if (end_ == End::kError) return ReceiveStatus::kError;
    if (end_ == End::kStreamEnd) return ReceiveStatus::kClosed;
    Inflate(buffer, size, got);
    if (got > 0) return ReceiveStatus::kData;
    if (end_ != End::kNone) continue;
    // zlib took all input (it stops early only when the output is full): read more.
    input_.resize(kReadChunk);
    in_pos_ = 0;
    size_t n = 0;
    ReceiveStatus st = wait ? below_.Receive(input_.data(), input_.size(), n)
                            : below_.ReceiveNow(input_.data(), input_.size(), n);
    input_.resize(st == ReceiveStatus::kData ? n : 0);
    if (st != ReceiveStatus::kData) return st;
    stats_.compressed_in += n;
  }
}

bool DeflateTransport::Compress(std::string_view data) {
  z_stream& s = z_->deflater;
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  s.avail_in = static_cast<uInt>(data.size());
  const size_t before = held_.size();
  // Z_SYNC_FLUSH ends the batch on a byte boundary with an empty stored block, so the peer can
  // inflate all of it now. zlib: call again while the output space was used up.
  do {
    size_t used = held_.size();
    held_.resize(used + kSendChunk);
    s.next_out = reinterpret_cast<Bytef*>(held_.data() + used);
    s.avail_out = static_cast<uInt>(kSendChunk);
    int rc = deflate(&s, Z_SYNC_FLUSH);
    held_.resize(held_.size() - s.avail_out);
    if (rc != Z_OK && rc != Z_BUF_ERROR) return false;
  } while (s.avail_out == 0);
  stats_.plain_out += data.size();
  stats_.compressed_out += held_.size() - before;
  return true;
}

bool DeflateTransport::Send(std::string_view data) {
  if (!data.empty() && !Compress(data)) return false;
  const bool sent = held_.empty() || below_.Send(held_);
  std::string().swap(held_);
  return sent;
}

SendStatus DeflateTransport::SendNow(std::string_view data, size_t& taken) {
  taken = 0;
  if (!data.empty() && !Compress(data)) return SendStatus::kFailed;
  taken = data.size();
  if (held_.empty()) return SendStatus::kDone;
  size_t sent = 0;
  SendStatus status = below_.SendNow(held_, sent);
  held_.erase(0, sent);
  // As LineConnection does uncompressed: past a bound, wait for the client to take it.
  if (status == SendStatus::kPending && held_.size() >= kMaxHeld)
    status = below_.Send(held_) ? SendStatus::kDone : SendStatus::kFailed;
  if (status != SendStatus::kPending) std::string().swap(held_);
  return status;
}

bool DeflateTransport::WaitReadable(std::chrono::milliseconds timeout) {
  if (!peeked_.empty() || end_ != End::kNone) return true;
  if (in_pos_ < input_.size() || output_was_full_) {
    // zlib may still hold output: find out without touching the transport below.
    char look[kPeekChunk];
    size_t got = 0;
    Inflate(look, sizeof look, got);
    peeked_.assign(look, got);
    if (got > 0 || end_ != End::kNone) return true;
  }
  return below_.WaitReadable(timeout);
}

}  // namespace mailsuite::net
