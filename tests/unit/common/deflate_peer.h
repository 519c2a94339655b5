// The client's side of COMPRESS=DEFLATE (RFC 4978) for tests, written straight on zlib so it
// checks the server's DeflateTransport rather than sharing its code: raw deflate with the full
// 32 KB window (what Thunderbird and Python's zlib use), every chunk sync-flushed.
#pragma once

#include <zlib.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace mailsuite::testing {

class DeflatePeer {
 public:
  explicit DeflatePeer(int level = Z_DEFAULT_COMPRESSION) {
    if (deflateInit2(&out_, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK ||
        inflateInit2(&in_, -15) != Z_OK)
      throw std::runtime_error("zlib init");
  }
  ~DeflatePeer() {
    deflateEnd(&out_);
    inflateEnd(&in_);
  }
  DeflatePeer(const DeflatePeer&) = delete;
  DeflatePeer& operator=(const DeflatePeer&) = delete;

  // Compresses `plain` and flushes (Z_SYNC_FLUSH, or Z_FINISH to end the stream).
  std::string Compress(std::string_view plain, int flush = Z_SYNC_FLUSH) {
    out_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
    out_.avail_in = static_cast<uInt>(plain.size());
    std::string result;
    char buf[4096];
    do {
      out_.next_out = reinterpret_cast<Bytef*>(buf);
      out_.avail_out = sizeof buf;
      int rc = deflate(&out_, flush);
      if (rc != Z_OK && rc != Z_BUF_ERROR && rc != Z_STREAM_END)
        throw std::runtime_error("deflate");
      result.append(buf, sizeof buf - out_.avail_out);
    } while (out_.avail_out == 0);
    return result;
  }

  // Inflates what the server sent; throws on a corrupt stream.
  std::string Decompress(std::string_view compressed) {
    in_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
    in_.avail_in = static_cast<uInt>(compressed.size());
    std::string result;
    char buf[4096];
    int rc = Z_OK;
    do {
      in_.next_out = reinterpret_cast<Bytef*>(buf);
      in_.avail_out = sizeof buf;
      rc = inflate(&in_, Z_SYNC_FLUSH);
      if (rc != Z_OK && rc != Z_BUF_ERROR && rc != Z_STREAM_END)
        throw std::runtime_error("inflate: corrupt stream");
      result.append(buf, sizeof buf - in_.avail_out);
    } while (rc == Z_OK && (in_.avail_out == 0 || in_.avail_in > 0));
    return result;
  }

 private:
  z_stream out_{};
  z_stream in_{};
};

}  // namespace mailsuite::testing
