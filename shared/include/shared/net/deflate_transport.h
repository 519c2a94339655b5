// DeflateTransport: a Transport decorator that compresses a connection with raw DEFLATE
// (RFC 1951, no zlib header), as IMAP COMPRESS=DEFLATE (RFC 4978) asks. Every Send is
// compressed and ended with a sync flush, so each reply batch reaches the peer at once; Receive
// inflates. It parses nothing, does not own the transport below it, and never starts TLS (TLS
// sits below compression). Not thread-safe: one session owns one connection.
//
// Memory per connection is what zlib holds: the compressor runs with a 4 KB window (windowBits
// -12, memLevel 5), which any raw-deflate inflater reads; the inflater accepts the full 32 KB
// window a peer may use (-15). Measured: 45 KB right after Create, 77 KB once both directions
// carried data (zlib's defaults, 15/8, would need about 300 KB). Inflated output per Receive is
// at most the caller's buffer, so a decompression bomb cannot make this layer allocate; the
// line limits of the LineConnection above apply to what comes out.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "shared/net/transport.h"

namespace mailsuite::net {

class DeflateTransport : public Transport {
 public:
  inline static constexpr int kDeflateWindowBits = 12;
  inline static constexpr int kDeflateMemLevel = 5;
  inline static constexpr int kInflateWindowBits = 15;

  struct Stats {
    uint64_t plain_in = 0;        // inflated bytes handed to the reader
    uint64_t compressed_in = 0;   // bytes read from the transport below
    uint64_t plain_out = 0;       // bytes given to Send
    uint64_t compressed_out = 0;  // bytes sent below
  };

  // `below` must outlive the result. `pipelined`: bytes already read from `below` that belong
  // to the compressed stream (the client sent them right behind COMPRESS). Null when zlib
  // cannot allocate its state.
  static std::unique_ptr<DeflateTransport> Create(Transport& below,
                                                  std::string_view pipelined = {});
  ~DeflateTransport() override;
  DeflateTransport(const DeflateTransport&) = delete;
  DeflateTransport& operator=(const DeflateTransport&) = delete;

  // kData with at most `size` inflated bytes; kClosed once the peer ended the deflate stream
  // (or the connection); kError on a corrupt stream (final: every later call says kError too).
  ReceiveStatus Receive(char* buffer, size_t size, size_t& got) override;
  // kNotYet when the compressed input so far inflates to nothing (part of a block).
  ReceiveStatus ReceiveNow(char* buffer, size_t size, size_t& got) override;
  // Compresses `data` and sync-flushes it below in one Send.
  bool Send(std::string_view data) override;
  // Compresses all of `data` (taken whole) and sends what the transport below takes now.
  SendStatus SendNow(std::string_view data, size_t& taken) override;
  bool StartTls() override { return false; }  // TLS belongs below compression, never above
  bool IsTls() const override { return below_.IsTls(); }
  bool CanStartTls() const override { return false; }
  void SetIdleTimeout(std::chrono::seconds timeout) override { below_.SetIdleTimeout(timeout); }
  // True at once when inflated bytes may be pending (compressed input zlib has not finished,
  // or the last inflate filled its output) or the stream ended or failed; else asks the
  // transport below. So false means nothing is pending in this layer or below it.
  bool WaitReadable(std::chrono::milliseconds timeout) override;

  // Bytes zlib has allocated for this connection right now (both directions).
  size_t zlib_bytes() const;
  const Stats& stats() const { return stats_; }

 private:
  struct Zlib;
  enum class End { kNone, kStreamEnd, kError };

  DeflateTransport(Transport& below, std::unique_ptr<Zlib> z, std::string_view pipelined);
  // Inflates the compressed bytes already here into `out`; never reads from below.
  void Inflate(char* out, size_t size, size_t& got);
  // Receive (`wait`) or ReceiveNow.
  ReceiveStatus Take(char* buffer, size_t size, size_t& got, bool wait);
  // Appends `data`, compressed and sync-flushed, to held_.
  bool Compress(std::string_view data);

  Transport& below_;
  std::unique_ptr<Zlib> z_;
  std::string input_;  // compressed bytes from below; zlib has not consumed input_[in_pos_..]
  size_t in_pos_ = 0;
  std::string held_;    // compressed output the transport below has not taken yet (SendNow)
  std::string peeked_;  // inflated by WaitReadable; Receive hands these out first
  bool output_was_full_ = false;  // the last inflate filled its buffer: zlib may hold more
  End end_ = End::kNone;
  Stats stats_;
};

}  // namespace mailsuite::net
