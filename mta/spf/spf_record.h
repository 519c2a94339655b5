// SPF records (RFC 7208 4.6, 5, 6) and macros (7), pure: the TXT text in, the terms out; a
// macro string and the facts of the check in, a domain name out.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/result.h"

namespace mailsuite::mta::spf {

enum class Result { kNone, kNeutral, kPass, kFail, kSoftFail, kTempError, kPermError };
const char* ResultName(Result r);  // "pass", "softfail", ... as in Authentication-Results

enum class Mechanism { kAll, kInclude, kA, kMx, kPtr, kIp4, kIp6, kExists };

struct Term {
  Result qualifier = Result::kPass;  // + pass, - fail, ~ softfail, ? neutral
  Mechanism mechanism = Mechanism::kAll;
  std::string domain_spec;  // unexpanded; empty means the current domain
  std::string address;      // ip4/ip6
  int cidr4 = 32;
  int cidr6 = 128;
};

struct Record {
  std::vector<Term> terms;
  std::optional<std::string> redirect;  // redirect= domain-spec
};

// True when `text` is an SPF record at all ("v=spf1" then a space or the end, RFC 7208 4.5).
bool IsSpfRecord(std::string_view text);

// The record's terms; an error is a permerror (a syntax error, an unknown mechanism, a
// modifier twice).
mailsuite::Result<Record> ParseRecord(std::string_view text);

struct MacroFacts {
  std::string sender;  // local@domain (postmaster@helo for the null sender)
  std::string domain;  // the current domain <domain>
  std::string ip;      // the client's address
  std::string helo;
};

// Expands a domain-spec (RFC 7208 7); an error for a malformed macro. A result over 253
// octets loses labels from the left (7.3).
mailsuite::Result<std::string> ExpandMacros(std::string_view spec, const MacroFacts& facts);

}  // namespace mailsuite::mta::spf
