// What the tests of one Execute read from the message, each header field looked up, decoded and
// address-parsed at most once per run, the work charged to the run's StepBudget.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "script.h"
#include "shared/sieve/sieve.h"
#include "step_budget.h"

namespace mailsuite::sieve {

struct MailAddress {
  std::string local;
  std::string domain;  // "" when the address has none
};

// The text an address test compares for `part` (RFC 5228 2.7.4), or nullopt when there is none:
// an address without a domain is not matched by :localpart or :domain.
std::optional<std::string> AddressPartOf(const MailAddress& address, AddressPart part);

// "local@domain" split at the last "@" (an envelope address, already valid SMTP syntax).
MailAddress SplitAddress(std::string_view address);

class MessageView {
 public:
  MessageView(std::string_view message, StepBudget& budget) : message_(message), budget_(budget) {}
  MessageView(const MessageView&) = delete;
  MessageView& operator=(const MessageView&) = delete;

  // Every field named `name` (any case): unfolded, trimmed, RFC 2047 encoded words decoded to
  // UTF-8 (RFC 5228 2.7.2). Empty when there is none or the budget ran out.
  const std::vector<std::string>& DecodedValues(std::string_view name);
  // The mailboxes of every field named `name`, parsed as RFC 5322 3.4 address lists (group
  // names and display names dropped, group members kept).
  const std::vector<MailAddress>& Addresses(std::string_view name);
  bool Exists(std::string_view name);
  // RFC 5260 6 "index": the one field named `name` at 1-based `index` (counted from the end
  // when `last`), decoded or address-parsed; empty when there is no such field.
  std::vector<std::string> DecodedValueAt(std::string_view name, uint64_t index, bool last);
  std::vector<MailAddress> AddressesAt(std::string_view name, uint64_t index, bool last);

 private:
  struct Field {
    std::vector<std::string> raw;
    std::optional<std::vector<std::string>> decoded;
    std::optional<std::vector<MailAddress>> addresses;
  };
  Field& Lookup(std::string_view name);
  uint64_t Cost(const std::vector<std::string>& values) const;
  const std::string* RawAt(std::string_view name, uint64_t index, bool last);

  std::string_view message_;
  StepBudget& budget_;
  std::map<std::string, Field, std::less<>> fields_;  // by lower-cased name
  Field none_;                                        // what a run out of budget sees
};

}  // namespace mailsuite::sieve
