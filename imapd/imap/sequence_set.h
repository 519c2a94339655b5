// IMAP sequence sets (RFC 3501 9: "1", "2:4", "5:*", "*", "1,3:5"), kept as ranges so
// "1:4294967295" costs two numbers, never a giant vector. "*" is resolved when the set is
// used: the number of messages for sequence numbers, the largest UID for UIDs. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailsuite::imapd {

inline constexpr uint32_t kStar = 0;  // "*" before resolution (0 is never a valid number)

struct SeqRange {
  uint32_t first = 0;  // may be kStar
  uint32_t last = 0;   // may be kStar; not necessarily >= first ("4:2" is valid)
};

class SequenceSet {
 public:
  static std::optional<SequenceSet> Parse(std::string_view text);
  // The set of `ascending` values ("$" of RFC 5182 as a set of UIDs).
  static SequenceSet Of(const std::vector<uint32_t>& ascending);
  // True if `n` is in the set, with "*" standing for `star` (the largest value in use).
  bool Contains(uint32_t n, uint32_t star) const;
  const std::vector<SeqRange>& ranges() const { return ranges_; }

 private:
  std::vector<SeqRange> ranges_;
};

// `values` in their given order as a compact set ("3:5,9"): runs of consecutive ascending
// numbers become ranges, so the order of the members is kept (RFC 4315 COPYUID pairs them).
std::string FormatSet(const std::vector<uint32_t>& values);

}  // namespace mailsuite::imapd
