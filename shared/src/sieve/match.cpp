// :is, :contains and :matches. Work is charged in units of kComparisonsPerStep octet
// comparisons: :contains charges its worst case (value × key) up front, :matches counts as it
// goes. :matches is the single-backtrack-point wildcard algorithm: O(value × pattern), never
// exponential, whatever the stars.
#include "match.h"

#include <Poco/Ascii.h>

#include <algorithm>
#include <vector>

namespace mailsuite::sieve {
namespace {

constexpr uint64_t kComparisonsPerStep = 256;

bool SameOctet(Comparator comparator, char a, char b) {
  if (comparator == Comparator::kOctet) return a == b;
  // i;ascii-casemap (RFC 4790 9.2): only a-z fold, every other octet compares as it is.
  return Poco::Ascii::toLower(static_cast<unsigned char>(a)) ==
         Poco::Ascii::toLower(static_cast<unsigned char>(b));
}

bool SameRun(Comparator comparator, std::string_view a, std::string_view b) {
  for (size_t i = 0; i < a.size(); ++i)
    if (!SameOctet(comparator, a[i], b[i])) return false;
  return true;
}

// Where the character at `at` ends: for "?" (RFC 5228 2.7.1 "matches a single character"),
// a character is an octet under i;octet and a UTF-8 sequence under i;ascii-casemap, so "?"
// matches "é" in a decoded Subject. A broken sequence ends at its first bad octet.
size_t NextCharacter(Comparator comparator, std::string_view value, size_t at) {
  auto lead = static_cast<unsigned char>(value[at]);
  size_t length = comparator == Comparator::kOctet ? 1
                  : lead >= 0xf0                   ? 4
                  : lead >= 0xe0                   ? 3
                  : lead >= 0xc0                   ? 2
                                                   : 1;
  size_t end = at + 1;
  while (end < value.size() && end < at + length && (value[end] & 0xc0) == 0x80) ++end;
  return end;
}

struct PatternElement {
  enum class Kind { kOctet, kOne, kAny };  // a literal octet, "?", "*"
  Kind kind;
  char octet = 0;
};

// RFC 5228 2.7.1: "\" quotes the next character ("\*", "\?", "\\"); runs of "*" are one.
std::vector<PatternElement> ParsePattern(std::string_view key) {
  using Kind = PatternElement::Kind;
  std::vector<PatternElement> out;
  for (size_t i = 0; i < key.size(); ++i) {
    char c = key[i];
    if (c == '\\' && i + 1 < key.size()) {
      out.push_back({Kind::kOctet, key[++i]});
    } else if (c == '*') {
      if (out.empty() || out.back().kind != Kind::kAny) out.push_back({Kind::kAny});
    } else if (c == '?') {
      out.push_back({Kind::kOne});
    } else {
      out.push_back({Kind::kOctet, c});
    }
  }
  return out;
}

// Each wildcard's text is from where it began to where the next element began: `begin` records
// where each pattern element started matching (rewritten as the last "*" takes more).
void Capture(const std::vector<PatternElement>& pattern, std::vector<size_t> begin,
             std::string_view value, std::vector<std::string>& captures) {
  begin.push_back(value.size());
  captures.assign(1, std::string(value));
  for (size_t p = 0; p < pattern.size(); ++p)
    if (pattern[p].kind != PatternElement::Kind::kOctet)
      captures.emplace_back(value.substr(begin[p], begin[p + 1] - begin[p]));
}

bool Wildcard(Comparator comparator, std::string_view value, std::string_view key,
              StepBudget& budget, std::vector<std::string>* captures) {
  using Kind = PatternElement::Kind;
  const std::vector<PatternElement> pattern = ParsePattern(key);
  const size_t npos = std::string_view::npos;
  size_t p = 0, v = 0;                 // positions in pattern and value
  size_t star = npos, star_value = 0;  // the last "*" seen and where its match ends now
  std::vector<size_t> begin(pattern.size(), value.size());
  uint64_t work = 0;
  while (v < value.size()) {
    if (++work % kComparisonsPerStep == 0 && !budget.Charge(1)) return false;
    if (p < pattern.size() && pattern[p].kind == Kind::kAny) {
      begin[p] = v;
      star = p++;
      star_value = v;
    } else if (p < pattern.size() && pattern[p].kind == Kind::kOne) {
      begin[p] = v;
      v = NextCharacter(comparator, value, v);
      ++p;
    } else if (p < pattern.size() && SameOctet(comparator, pattern[p].octet, value[v])) {
      begin[p] = v;
      ++v;
      ++p;
    } else if (star != npos) {
      // Let the last "*" take one more character and retry what follows it. Earlier stars
      // never need to change: the last one can absorb whatever they would.
      p = star + 1;
      star_value = NextCharacter(comparator, value, star_value);
      v = star_value;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p].kind == Kind::kAny) begin[p++] = value.size();
  if (p != pattern.size()) return false;
  if (captures) Capture(pattern, std::move(begin), value, *captures);
  return true;
}

// RFC 4790 9.1: a string's value is the number its leading digits spell; a string that does
// not begin with a digit is positive infinity, equal only to another such string. Any length.
int CompareNumeric(std::string_view a, std::string_view b) {
  auto digits = [](std::string_view s) {
    size_t end = 0;
    while (end < s.size() && s[end] >= '0' && s[end] <= '9') ++end;
    std::string_view number = s.substr(0, end);
    size_t first = number.find_first_not_of('0');
    return std::make_pair(
        end > 0, first == std::string_view::npos ? std::string_view() : number.substr(first));
  };
  auto [a_finite, a_number] = digits(a);
  auto [b_finite, b_number] = digits(b);
  if (!a_finite || !b_finite) return a_finite == b_finite ? 0 : a_finite ? -1 : 1;
  if (a_number.size() != b_number.size()) return a_number.size() < b_number.size() ? -1 : 1;
  return a_number.compare(b_number) < 0 ? -1 : a_number == b_number ? 0 : 1;
}

bool Holds(Relation relation, int order) {
  switch (relation) {
    case Relation::kGt:
      return order > 0;
    case Relation::kGe:
      return order >= 0;
    case Relation::kLt:
      return order < 0;
    case Relation::kLe:
      return order <= 0;
    case Relation::kEq:
      return order == 0;
    case Relation::kNe:
      return order != 0;
  }
  return false;
}

}  // namespace

int Compare(Comparator comparator, std::string_view a, std::string_view b) {
  if (comparator == Comparator::kAsciiNumeric) return CompareNumeric(a, b);
  size_t common = std::min(a.size(), b.size());
  for (size_t i = 0; i < common; ++i) {
    auto x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (comparator == Comparator::kAsciiCasemap) {  // RFC 4790 9.2: upper case, then octets
      x = static_cast<unsigned char>(Poco::Ascii::toUpper(x));
      y = static_cast<unsigned char>(Poco::Ascii::toUpper(y));
    }
    if (x != y) return x < y ? -1 : 1;
  }
  return a.size() == b.size() ? 0 : a.size() < b.size() ? -1 : 1;
}

bool Relates(Relation relation, Comparator comparator, std::string_view value, std::string_view key,
             StepBudget& budget) {
  if (!budget.Charge(1 + std::max(value.size(), key.size()) / kComparisonsPerStep)) return false;
  return Holds(relation, Compare(comparator, value, key));
}

bool Matches(MatchType type, Comparator comparator, std::string_view value, std::string_view key,
             StepBudget& budget, std::vector<std::string>* captures) {
  switch (type) {
    case MatchType::kIs:
      if (!budget.Charge(1 + value.size() / kComparisonsPerStep)) return false;
      if (comparator == Comparator::kAsciiNumeric) return CompareNumeric(value, key) == 0;
      return value.size() == key.size() && SameRun(comparator, value, key);
    case MatchType::kContains: {
      if (key.size() > value.size()) {
        budget.Charge(1);
        return false;
      }
      uint64_t positions = value.size() - key.size() + 1;
      if (!budget.Charge(1 + positions * key.size() / kComparisonsPerStep)) return false;
      for (size_t at = 0; at < positions; ++at)
        if (SameRun(comparator, value.substr(at, key.size()), key)) return true;
      return false;
    }
    case MatchType::kMatches:
      if (!budget.Charge(1)) return false;
      return Wildcard(comparator, value, key, budget, captures);
    case MatchType::kValue:
      return false;  // the caller passes the test's relation to Relates
    case MatchType::kCount:
      return false;  // counts are compared by the interpreter (RFC 5231 4.2)
  }
  return false;
}

}  // namespace mailsuite::sieve
