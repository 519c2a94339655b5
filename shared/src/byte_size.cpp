// Size parsing and formatting; see shared/byte_size.h.
#include "shared/byte_size.h"

#include <Poco/NumberFormatter.h>
#include <Poco/String.h>

#include <charconv>

namespace mailsuite {

std::optional<uint64_t> ParseByteSize(std::string_view text) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data()) return std::nullopt;
  std::string suffix = Poco::toUpper(std::string(end, text.data() + text.size()));
  if (suffix.size() > 1 && (suffix.ends_with("IB") || suffix.ends_with("B")))
    suffix.resize(suffix.size() - (suffix.ends_with("IB") ? 2 : 1));
  int shift = 0;
  if (suffix == "K")
    shift = 10;
  else if (suffix == "M")
    shift = 20;
  else if (suffix == "G")
    shift = 30;
  else if (suffix == "T")
    shift = 40;
  else if (!suffix.empty() && suffix != "B")
    return std::nullopt;
  if (shift && value > (UINT64_MAX >> shift)) return std::nullopt;
  return value << shift;
}

std::string FormatByteSize(uint64_t octets) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  if (octets < 1024) return std::to_string(octets) + " B";
  double value = static_cast<double>(octets);
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  return Poco::NumberFormatter::format(value, 1) + " " + kUnits[unit];
}

}  // namespace mailsuite
