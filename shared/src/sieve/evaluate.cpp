// The tests of one run (RFC 5228 5) and of the extensions: string (RFC 5229 5), hasflag
// (RFC 5232 4), body (RFC 5173), date and currentdate (RFC 5260), :index (RFC 5260 6).
#include <algorithm>

#include "body.h"
#include "date_parts.h"
#include "interpreter.h"
#include "match.h"

namespace mailsuite::sieve {

bool Interpreter::Evaluate(const Test& test) {
  if (!budget_.Charge(1)) return false;
  switch (test.kind) {
    case Test::Kind::kTrue:
      return true;
    case Test::Kind::kFalse:
      return false;
    case Test::Kind::kNot:
      return !Evaluate(test.children[0]) && !budget_.exhausted();
    case Test::Kind::kAllOf:
      return std::all_of(test.children.begin(), test.children.end(),
                         [&](const Test& t) { return Evaluate(t); });
    case Test::Kind::kAnyOf:
      return std::any_of(test.children.begin(), test.children.end(),
                         [&](const Test& t) { return Evaluate(t); });
    case Test::Kind::kExists: {
      std::vector<std::string> storage;
      auto names = Expanded(test.headers, storage);
      return names && std::all_of(names->begin(), names->end(),
                                  [&](const std::string& name) { return view_.Exists(name); });
    }
    case Test::Kind::kHeader:
      return Header(test);
    case Test::Kind::kAddress:
      return Address(test);
    case Test::Kind::kEnvelope:
      return Envelope(test);
    case Test::Kind::kSizeOver:
      return input_.message.size() > test.size;
    case Test::Kind::kSizeUnder:
      return input_.message.size() < test.size;
    case Test::Kind::kString:
      return String(test);
    case Test::Kind::kHasFlag:
      return HasFlag(test);
    case Test::Kind::kBody:
      return Body(test);
    case Test::Kind::kDate:
    case Test::Kind::kCurrentDate:
      return Date(test);
  }
  return false;
}

// True when `value` matches any key (RFC 5228 2.7.1: the test is true if any combination
// matches). A successful :matches sets the match variables (RFC 5229 3.2).
bool Interpreter::AnyMatches(const Test& test, const std::vector<std::string>& keys,
                             std::string_view value) {
  std::vector<std::string> captures;
  bool capture = script_.variables && test.match == MatchType::kMatches;
  for (const std::string& key : keys) {
    if (test.match == MatchType::kValue
            ? Relates(test.relation, test.comparator, value, key, budget_)
            : Matches(test.match, test.comparator, value, key, budget_,
                      capture ? &captures : nullptr)) {
      if (capture) variables_.SetMatches(std::move(captures));
      return true;
    }
    if (budget_.exhausted()) return false;
  }
  return false;
}

// :count (RFC 5231 4.2): how many values there are, compared with each key as a string.
bool Interpreter::CountRelates(const Test& test, const std::vector<std::string>& keys,
                               size_t count) {
  const std::string text = std::to_string(count);
  for (const std::string& key : keys) {
    if (Relates(test.relation, test.comparator, text, key, budget_)) return true;
    if (budget_.exhausted()) return false;
  }
  return false;
}

// A test over a list of values: any value matches, or their count relates.
bool Interpreter::Values(const Test& test, const std::vector<std::string>& values) {
  std::vector<std::string> storage;
  auto keys = Expanded(test.keys, storage);
  if (!keys) return false;
  if (test.match == MatchType::kCount) return CountRelates(test, *keys, values.size());
  for (const std::string& value : values)
    if (AnyMatches(test, *keys, value)) return true;
  return false;
}

bool Interpreter::Header(const Test& test) {
  std::vector<std::string> name_storage, key_storage;
  auto names = Expanded(test.headers, name_storage);
  if (!names) return false;
  if (test.index == 0) {
    // The common case: the view's values are matched where they are, not copied.
    auto keys = Expanded(test.keys, key_storage);
    if (!keys) return false;
    size_t count = 0;
    for (const std::string& name : *names) {
      const auto& all = view_.DecodedValues(name);
      if (budget_.exhausted()) return false;
      count += all.size();
      if (test.match == MatchType::kCount) continue;
      for (const std::string& value : all)
        if (AnyMatches(test, *keys, value)) return true;
    }
    return test.match == MatchType::kCount && CountRelates(test, *keys, count);
  }
  std::vector<std::string> values;  // :index (RFC 5260 6): the one field of each name
  for (const std::string& name : *names)
    for (std::string& v : view_.DecodedValueAt(name, test.index, test.last))
      values.push_back(std::move(v));
  return !budget_.exhausted() && Values(test, values);
}

bool Interpreter::Address(const Test& test) {
  std::vector<std::string> storage;
  auto names = Expanded(test.headers, storage);
  if (!names) return false;
  std::vector<std::string> values;
  size_t count = 0;
  for (const std::string& name : *names) {
    std::vector<MailAddress> addresses =
        test.index > 0 ? view_.AddressesAt(name, test.index, test.last) : view_.Addresses(name);
    count += addresses.size();
    for (const MailAddress& address : addresses)
      if (auto part = AddressPartOf(address, test.address_part)) values.push_back(*part);
  }
  if (budget_.exhausted()) return false;
  if (test.match == MatchType::kCount) {
    auto keys = ExpandAll(test.keys);
    return keys && CountRelates(test, *keys, count);
  }
  return Values(test, values);
}

bool Interpreter::Envelope(const Test& test) {
  std::vector<std::string> values;
  size_t count = 0;
  for (EnvelopePart part : test.envelope_parts) {
    const std::string& address =
        part == EnvelopePart::kFrom ? input_.envelope_from : input_.envelope_to;
    // RFC 5231 4.2: the null reverse-path is not counted.
    count += address.empty() ? 0 : 1;
    // RFC 5228 5.4: the null reverse-path "<>" is the empty string, whatever the part.
    std::optional<std::string> value =
        address.empty() ? std::string() : AddressPartOf(SplitAddress(address), test.address_part);
    if (value) values.push_back(std::move(*value));
  }
  if (test.match == MatchType::kCount) {
    auto keys = ExpandAll(test.keys);
    return keys && CountRelates(test, *keys, count);
  }
  return Values(test, values);
}

// RFC 5229 5: with :count, an empty source string counts as no value.
bool Interpreter::String(const Test& test) {
  auto sources = ExpandAll(test.sources);
  if (!sources) return false;
  if (test.match == MatchType::kCount)
    sources->erase(std::remove(sources->begin(), sources->end(), std::string()), sources->end());
  return Values(test, *sources);
}

// RFC 5232 4: each flag of the variables (the internal one when none is named) is a value.
bool Interpreter::HasFlag(const Test& test) {
  std::vector<std::string> flags;
  if (test.variables.empty()) flags = internal_flags_;
  for (const std::string& name : test.variables)
    for (std::string& flag : FlagsOfVariable(name)) flags.push_back(std::move(flag));
  return Values(test, flags);
}

bool Interpreter::Body(const Test& test) {
  auto types = ExpandAll(test.content_types);
  if (!types) return false;
  auto texts = BodyTexts(input_.message, test.transform, *types, budget_);
  return texts && Values(test, *texts);
}

// RFC 5260 4, 5: the date part of the header's dates, or of the time of delivery, in the zone
// the test asks for (the local zone by default). A header without a date is no value.
bool Interpreter::Date(const Test& test) {
  std::vector<ZonedTime> times;
  if (test.kind == Test::Kind::kCurrentDate) {
    times.push_back({input_.now, input_.local_zone_minutes});
  } else {
    auto names = ExpandAll(test.headers);
    if (!names) return false;
    std::vector<std::string> values = test.index > 0
                                          ? view_.DecodedValueAt((*names)[0], test.index, test.last)
                                          : view_.DecodedValues((*names)[0]);
    for (const std::string& value : values)
      if (auto time = ParseHeaderDate(value)) times.push_back(*time);
  }
  if (budget_.exhausted()) return false;
  std::vector<std::string> parts;
  for (const ZonedTime& time : times) {
    int zone = test.zone == DateZone::kGiven      ? test.zone_minutes
               : test.zone == DateZone::kOriginal ? time.zone_minutes
                                                  : input_.local_zone_minutes;
    parts.push_back(DatePartOf(time.utc, zone, test.date_part));
  }
  return Values(test, parts);
}

}  // namespace mailsuite::sieve
