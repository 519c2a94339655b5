#include "variables.h"

#include <algorithm>

#include <Poco/String.h>
#include <Poco/UTF8String.h>

#include "script.h"

namespace mailsuite::sieve {
namespace {

constexpr uint64_t kOctetsPerStep = 256;

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// One reference at text[at] ("${"): its inside ("name", "ns.name", "3") and where it ends, or
// nullopt when what follows "${" is not variable-ref syntax (then it is literal text).
struct Reference {
  std::string_view inside;
  size_t end = 0;  // just past "}"
};

std::optional<Reference> ReferenceAt(std::string_view text, size_t at) {
  if (text.compare(at, 2, "${") != 0) return std::nullopt;
  size_t close = text.find('}', at + 2);
  if (close == std::string_view::npos) return std::nullopt;
  std::string_view inside = text.substr(at + 2, close - at - 2);
  if (inside.empty()) return std::nullopt;
  bool digits = true;
  for (char c : inside) digits = digits && IsDigit(c);
  if (!digits) {
    // [namespace "."]* identifier
    size_t start = 0;
    while (true) {
      size_t dot = inside.find('.', start);
      if (!IsVariableName(inside.substr(start, dot - start))) return std::nullopt;
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
  }
  return Reference{inside, close + 1};
}

// Length of the UTF-8 character starting at s[0] (1 for a stray octet).
size_t CharLength(std::string_view s) {
  auto lead = static_cast<unsigned char>(s[0]);
  size_t length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return std::min(length, s.size());
}

}  // namespace

bool IsVariableName(std::string_view name) {
  if (name.empty() || !IsAlpha(name[0])) return false;
  for (char c : name)
    if (!IsAlpha(c) && !IsDigit(c)) return false;
  return true;
}

bool HasVariableReference(std::string_view text) {
  for (size_t at = text.find("${"); at != std::string_view::npos; at = text.find("${", at + 1))
    if (ReferenceAt(text, at)) return true;
  return false;
}

std::string NamespaceReference(std::string_view text) {
  for (size_t at = text.find("${"); at != std::string_view::npos; at = text.find("${", at + 1)) {
    auto ref = ReferenceAt(text, at);
    if (ref && ref->inside.find('.') != std::string_view::npos) return std::string(ref->inside);
  }
  return "";
}

std::string TruncateUtf8(std::string value, size_t max) {
  if (value.size() <= max) return value;
  size_t end = max;
  // Back up over continuation octets to the lead of the character that does not fit.
  while (end > 0 && (static_cast<unsigned char>(value[end]) & 0xc0) == 0x80) --end;
  value.resize(end);
  return value;
}

std::string ApplyModifiers(std::string value, unsigned modifiers) {
  if (modifiers & kLower) Poco::UTF8::toLowerInPlace(value);
  if (modifiers & kUpper) Poco::UTF8::toUpperInPlace(value);
  if ((modifiers & (kLowerFirst | kUpperFirst)) && !value.empty()) {
    size_t first = CharLength(value);
    std::string head = value.substr(0, first);
    head = modifiers & kLowerFirst ? Poco::UTF8::toLower(head) : Poco::UTF8::toUpper(head);
    value = head + value.substr(first);
  }
  if (modifiers & kQuoteWildcard) {
    std::string quoted;
    for (char c : value) {
      if (c == '*' || c == '?' || c == '\\') quoted += '\\';
      quoted += c;
    }
    value = std::move(quoted);
  }
  if (modifiers & kLength) {
    // RFC 5229 4.1: the length in characters, not octets.
    size_t characters = 0;
    for (size_t at = 0; at < value.size(); at += CharLength(std::string_view(value).substr(at)))
      ++characters;
    value = std::to_string(characters);
  }
  return value;
}

std::string_view Variables::Get(std::string_view name) const {
  auto found = values_.find(Poco::toLower(std::string(name)));
  return found == values_.end() ? std::string_view() : std::string_view(found->second);
}

bool Variables::Set(std::string_view name, std::string value) {
  std::string key = Poco::toLower(std::string(name));
  auto found = values_.find(key);
  if (found == values_.end() && values_.size() >= kMaxVariables) return false;
  values_[key] = TruncateUtf8(std::move(value), kMaxVariableSize);
  return true;
}

void Variables::SetMatches(std::vector<std::string> values) {
  if (values.size() > kMatchVariables) values.resize(kMatchVariables);
  for (std::string& v : values) v = TruncateUtf8(std::move(v), kMaxVariableSize);
  matches_ = std::move(values);
}

std::optional<std::string> Variables::Expand(std::string_view text, StepBudget& budget) const {
  if (!budget.Charge(1 + text.size() / kOctetsPerStep)) return std::nullopt;
  std::string out;
  size_t at = 0;
  while (at < text.size()) {
    size_t next = text.find("${", at);
    if (next == std::string_view::npos) {
      out.append(text.substr(at));
      break;
    }
    out.append(text.substr(at, next - at));
    auto ref = ReferenceAt(text, next);
    if (!ref) {
      out += '$';
      at = next + 1;
      continue;
    }
    std::string_view value;
    if (IsDigit(ref->inside[0])) {
      size_t number = 0;
      for (char c : ref->inside) number = std::min<size_t>(number * 10 + (c - '0'), 1000);
      if (number < matches_.size()) value = matches_[number];
    } else if (ref->inside.find('.') == std::string_view::npos) {
      value = Get(ref->inside);
    }
    if (!budget.Charge(value.size() / kOctetsPerStep)) return std::nullopt;
    out.append(value);
    at = ref->end;
  }
  return out;
}

}  // namespace mailsuite::sieve
