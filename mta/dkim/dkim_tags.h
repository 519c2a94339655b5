// DKIM-Signature fields and key records (RFC 6376 3.2, 3.5, 3.6.1; RFC 8463), pure: the field or
// TXT text in, a checked structure or the reason it is unusable (a permerror) out.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dkim_canon.h"
#include "shared/result.h"

namespace mailsuite::mta::dkim {

enum class Algorithm { kRsaSha256, kEd25519Sha256 };

// More names in h= are a permerror: real signers list a few dozen, and each costs a lookup.
inline constexpr size_t kMaxSignedFields = 128;
const char* AlgorithmName(Algorithm a);  // "rsa-sha256", "ed25519-sha256"

// tag=value pairs with FWS around names and values removed; nullopt for a malformed list or a
// tag given twice (RFC 6376 3.2).
std::optional<std::map<std::string, std::string>> ParseTagList(std::string_view text);

// Base64 with FWS inside (b=, bh=, p=); nullopt when it is not base64.
std::optional<std::string> DecodeBase64(std::string_view text);

struct Signature {
  Algorithm algorithm = Algorithm::kRsaSha256;
  Canon header_canon = Canon::kSimple;
  Canon body_canon = Canon::kSimple;
  std::string domain;                     // d=, lower case
  std::string selector;                   // s=
  std::string identity;                   // i=, default "@" + d=
  std::vector<std::string> signed_names;  // h=
  std::string body_hash;                  // bh=, decoded
  std::string signature;                  // b=, decoded
  std::optional<uint64_t> body_length;    // l=
  std::optional<int64_t> expires;         // x=
};

// A DKIM-Signature field value (after the colon). Errors say why the signature is unusable.
Result<Signature> ParseSignature(std::string_view value);

struct KeyRecord {
  Algorithm algorithm = Algorithm::kRsaSha256;  // from k= (rsa by default)
  std::string public_key;                       // p=, decoded; empty: revoked
  bool testing = false;                         // t=y
  bool strict_identity = false;                 // t=s: i= must not be a subdomain of d=
};

// The TXT record at <selector>._domainkey.<domain>.
Result<KeyRecord> ParseKeyRecord(std::string_view text);

// The whole DKIM-Signature field (name, value, final CRLF) with b='s value and the whitespace
// around it removed, as it is hashed (RFC 6376 3.7).
std::string WithoutSignatureValue(std::string_view raw_field);

}  // namespace mailsuite::mta::dkim
