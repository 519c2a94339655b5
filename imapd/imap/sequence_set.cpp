#include "sequence_set.h"

#include <algorithm>
#include <charconv>

namespace mailsuite::imapd {
namespace {

// seq-number = nz-number / "*"
std::optional<uint32_t> Number(std::string_view s) {
  if (s == "*") return kStar;
  if (s.empty() || s[0] == '0' || s.size() > 10) return std::nullopt;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v == 0 || v > UINT32_MAX)
    return std::nullopt;
  return static_cast<uint32_t>(v);
}

}  // namespace

std::optional<SequenceSet> SequenceSet::Parse(std::string_view text) {
  SequenceSet set;
  if (text.empty()) return std::nullopt;
  size_t pos = 0;
  for (size_t count = 0; count <= text.size(); ++count) {  // bounded by the text length
    size_t comma = text.find(',', pos);
    std::string_view item =
        text.substr(pos, comma == std::string_view::npos ? text.npos : comma - pos);
    size_t colon = item.find(':');
    SeqRange r;
    if (colon == std::string_view::npos) {
      auto n = Number(item);
      if (!n) return std::nullopt;
      r = {*n, *n};
    } else {
      auto a = Number(item.substr(0, colon));
      auto b = Number(item.substr(colon + 1));
      if (!a || !b) return std::nullopt;
      r = {*a, *b};
    }
    set.ranges_.push_back(r);
    if (comma == std::string_view::npos) return set;
    pos = comma + 1;
  }
  return std::nullopt;
}

SequenceSet SequenceSet::Of(const std::vector<uint32_t>& ascending) {
  SequenceSet set;
  for (uint32_t v : ascending) {
    if (!set.ranges_.empty() && set.ranges_.back().last + 1 == v)
      set.ranges_.back().last = v;
    else
      set.ranges_.push_back({v, v});
  }
  return set;
}

bool SequenceSet::Contains(uint32_t n, uint32_t star) const {
  for (const SeqRange& r : ranges_) {
    uint32_t a = r.first == kStar ? star : r.first;
    uint32_t b = r.last == kStar ? star : r.last;
    if (a > b) std::swap(a, b);
    if (n >= a && n <= b) return true;
  }
  return false;
}

std::string FormatSet(const std::vector<uint32_t>& values) {
  std::string out;
  for (size_t i = 0; i < values.size();) {
    size_t j = i;
    while (j + 1 < values.size() && values[j + 1] == values[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(values[i]);
    if (j > i) out += ':' + std::to_string(values[j]);
    i = j + 1;
  }
  return out;
}

}  // namespace mailsuite::imapd
