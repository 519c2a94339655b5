#include "message_view.h"

#include <Poco/String.h>

#include "shared/mail/header_scan.h"
#include "shared/mail/mime.h"
#include "shared/mail/text_decode.h"

namespace mailsuite::sieve {
namespace {

constexpr uint64_t kOctetsPerStep = 256;  // scanning, decoding, parsing: cheap per octet

}  // namespace

std::optional<std::string> AddressPartOf(const MailAddress& address, AddressPart part) {
  switch (part) {
    case AddressPart::kAll:
      return address.domain.empty() ? address.local : address.local + "@" + address.domain;
    case AddressPart::kLocalPart:
      if (address.domain.empty()) return std::nullopt;
      return address.local;
    case AddressPart::kDomain:
      if (address.domain.empty()) return std::nullopt;
      return address.domain;
  }
  return std::nullopt;
}

MailAddress SplitAddress(std::string_view address) {
  size_t at = address.rfind('@');
  if (at == std::string_view::npos) return {std::string(address), ""};
  return {std::string(address.substr(0, at)), std::string(address.substr(at + 1))};
}

uint64_t MessageView::Cost(const std::vector<std::string>& values) const {
  uint64_t octets = 0;
  for (const std::string& v : values) octets += v.size();
  return 1 + octets / kOctetsPerStep;
}

MessageView::Field& MessageView::Lookup(std::string_view name) {
  std::string key = Poco::toLower(std::string(name));
  auto found = fields_.find(key);
  if (found != fields_.end()) return budget_.Charge(1) ? found->second : none_;
  if (!budget_.Charge(1 + mail::HeaderEnd(message_) / kOctetsPerStep)) return none_;
  Field& field = fields_[key];
  field.raw = mail::HeaderFieldValues(message_, name);
  return field;
}

const std::vector<std::string>& MessageView::DecodedValues(std::string_view name) {
  Field& field = Lookup(name);
  if (!field.decoded) {
    if (!budget_.Charge(Cost(field.raw))) return none_.raw;
    field.decoded.emplace();
    for (const std::string& raw : field.raw) field.decoded->push_back(mail::DecodeHeaderText(raw));
  }
  return *field.decoded;
}

const std::vector<MailAddress>& MessageView::Addresses(std::string_view name) {
  static const std::vector<MailAddress> kNone;
  Field& field = Lookup(name);
  if (!field.addresses) {
    if (!budget_.Charge(Cost(field.raw))) return kNone;
    field.addresses.emplace();
    for (const std::string& raw : field.raw) {
      for (const mail::EnvelopeAddress& a : mail::ParseAddresses(raw)) {
        if (!a.mailbox || !a.host) continue;  // the start or end marker of a group
        field.addresses->push_back({*a.mailbox, *a.host});
      }
    }
  }
  return *field.addresses;
}

bool MessageView::Exists(std::string_view name) { return !Lookup(name).raw.empty(); }

}  // namespace mailsuite::sieve

namespace mailsuite::sieve {

const std::string* MessageView::RawAt(std::string_view name, uint64_t index, bool last) {
  const std::vector<std::string>& raw = Lookup(name).raw;
  if (index == 0 || index > raw.size()) return nullptr;
  const std::string& value = raw[last ? raw.size() - index : index - 1];
  return budget_.Charge(Cost({value})) ? &value : nullptr;
}

std::vector<std::string> MessageView::DecodedValueAt(std::string_view name, uint64_t index,
                                                     bool last) {
  const std::string* raw = RawAt(name, index, last);
  if (!raw) return {};
  return {mail::DecodeHeaderText(*raw)};
}

std::vector<MailAddress> MessageView::AddressesAt(std::string_view name, uint64_t index,
                                                  bool last) {
  const std::string* raw = RawAt(name, index, last);
  std::vector<MailAddress> out;
  if (!raw) return out;
  for (const mail::EnvelopeAddress& a : mail::ParseAddresses(*raw))
    if (a.mailbox && a.host) out.push_back({*a.mailbox, *a.host});
  return out;
}

}  // namespace mailsuite::sieve
