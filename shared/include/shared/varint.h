// LEB128 varints for the project's compact binary formats (the MIME metadata, the store's list
// snapshots): a writer helper, and a reader over untrusted bytes whose first failure sticks
// (later reads return zeros) so a decoder checks ok() once at the end.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mailsuite {

inline void AppendVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

class VarintReader {
 public:
  explicit VarintReader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool AtEnd() const { return pos_ == in_.size(); }

  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (!ok_ || pos_ >= in_.size()) return Fail();
      auto b = static_cast<unsigned char>(in_[pos_++]);
      v |= uint64_t{b & 0x7fu} << shift;
      if ((b & 0x80) == 0) return v;
    }
    return Fail();
  }
  // A count of items that each take at least `min_size` bytes: more than the bytes left can
  // hold is garbage (and must not become a huge allocation).
  uint64_t Count(uint64_t min_size) {
    uint64_t n = Varint();
    if (n > (in_.size() - pos_) / min_size) return Fail();
    return n;
  }
  // A length-prefixed string.
  std::string String() {
    uint64_t n = Count(1);
    if (!ok_) return {};
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  // One raw byte (0 after a failure).
  char Byte() {
    if (!ok_ || pos_ >= in_.size()) return static_cast<char>(Fail());
    return in_[pos_++];
  }
  uint64_t Fail() {
    ok_ = false;
    pos_ = in_.size();
    return 0;
  }

 private:
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace mailsuite
