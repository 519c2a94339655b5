#include "dkim_verifier.h"

#include <strings.h>

#include <ctime>
#include <map>

#include "dkim_canon.h"
#include "dkim_crypto.h"
#include "dkim_tags.h"
#include "shared/mail/address.h"

namespace mailsuite::mta {
namespace {

using dkim::Canon;

DkimResult Outcome(DkimResult r, DkimOutcome outcome, std::string reason) {
  r.outcome = outcome;
  r.reason = std::move(reason);
  return r;
}

// The body hash of each canonicalization and length, computed once per message.
class BodyHashes {
 public:
  explicit BodyHashes(std::string_view body) : body_(body) {}
  // nullopt when l= asks for more than the body has.
  std::optional<std::string> Get(Canon canon, std::optional<uint64_t> length) {
    auto key = std::make_pair(canon, length.value_or(UINT64_MAX));
    if (auto it = hashes_.find(key); it != hashes_.end()) return it->second;
    auto& canonical = canon == Canon::kSimple ? simple_ : relaxed_;
    if (!canonical) canonical = dkim::CanonicalBody(body_, canon);
    std::string_view hashed = *canonical;
    if (length) {
      if (*length > hashed.size()) return std::nullopt;
      hashed = hashed.substr(0, *length);
    }
    return hashes_[key] = dkim::Sha256(hashed);
  }

 private:
  std::string_view body_;
  std::optional<std::string> simple_, relaxed_;
  std::map<std::pair<Canon, uint64_t>, std::string> hashes_;
};

DkimResult Check(const dkim::SplitMessage& split, std::string_view raw_field, BodyHashes& bodies,
                 const TxtLookup& lookup, int64_t now) {
  DkimResult r;
  std::string_view value = raw_field.substr(raw_field.find(':') + 1);
  // What can be told about the signer even when the signature is unusable, for the A-R line.
  if (auto tags = dkim::ParseTagList(value)) {
    r.domain = mail::ToLower((*tags)["d"]);
    r.selector = (*tags)["s"];
    r.algorithm = (*tags)["a"];
    for (char c : (*tags)["b"])
      if (!std::isspace(static_cast<unsigned char>(c)) && r.b_prefix.size() < 8) r.b_prefix += c;
  }
  auto sig = dkim::ParseSignature(value);
  if (!sig) return Outcome(r, DkimOutcome::kPermError, sig.error());
  if (sig->expires && *sig->expires < now)
    return Outcome(r, DkimOutcome::kFail, "signature expired");

  auto body_hash = bodies.Get(sig->body_canon, sig->body_length);
  if (!body_hash) return Outcome(r, DkimOutcome::kFail, "l= is longer than the body");
  if (*body_hash != sig->body_hash)
    return Outcome(r, DkimOutcome::kFail, "body hash did not verify");

  TxtLookupAnswer answer = lookup(sig->selector + "._domainkey." + sig->domain);
  if (answer.status == TxtLookupAnswer::Status::kTemporary)
    return Outcome(r, DkimOutcome::kTempError, "key lookup failed");
  std::optional<dkim::KeyRecord> key;
  std::string key_error = "no key for signature";
  for (const std::string& text : answer.records) {  // RFC 6376 3.6.2.2: use one that parses
    auto parsed = dkim::ParseKeyRecord(text);
    if (parsed) {
      key = *parsed;
      break;
    }
    key_error = parsed.error();
  }
  if (!key) return Outcome(r, DkimOutcome::kPermError, key_error);
  if (key->public_key.empty()) return Outcome(r, DkimOutcome::kPermError, "key revoked");
  if (key->algorithm != sig->algorithm)
    return Outcome(r, DkimOutcome::kPermError, "key type does not match a=");
  if (key->strict_identity) {
    size_t at = sig->identity.rfind('@');
    std::string idomain = at == std::string::npos ? "" : sig->identity.substr(at + 1);
    if (strcasecmp(idomain.c_str(), sig->domain.c_str()) != 0)
      return Outcome(r, DkimOutcome::kPermError, "i= is a subdomain, which the key forbids");
  }
  auto public_key = dkim::LoadPublicKey(*key);
  if (!public_key) return Outcome(r, DkimOutcome::kPermError, public_key.error());

  std::string data;
  for (std::string_view field : dkim::SelectHeaders(split.fields, sig->signed_names))
    data += dkim::CanonicalHeader(field, sig->header_canon);
  std::string own =
      dkim::CanonicalHeader(dkim::WithoutSignatureValue(raw_field), sig->header_canon);
  if (own.size() >= 2 && own.compare(own.size() - 2, 2, "\r\n") == 0) own.resize(own.size() - 2);
  data += own;
  if (!dkim::VerifyData(public_key->get(), sig->algorithm, data, sig->signature))
    return Outcome(r, DkimOutcome::kFail, "signature did not verify");
  return Outcome(r, DkimOutcome::kPass, "");
}

}  // namespace

const char* DkimOutcomeName(DkimOutcome o) {
  switch (o) {
    case DkimOutcome::kPass:
      return "pass";
    case DkimOutcome::kFail:
      return "fail";
    case DkimOutcome::kNeutral:
      return "neutral";
    case DkimOutcome::kTempError:
      return "temperror";
    case DkimOutcome::kPermError:
      return "permerror";
  }
  return "permerror";
}

std::vector<DkimResult> VerifyDkim(std::string_view message, const TxtLookup& lookup, int64_t now) {
  if (now == 0) now = static_cast<int64_t>(std::time(nullptr));
  dkim::SplitMessage split = dkim::SplitHeader(message);
  BodyHashes bodies(split.body);
  std::vector<DkimResult> results;
  for (const dkim::HeaderField& f : split.fields) {
    if (strncasecmp(f.name.data(), "DKIM-Signature", f.name.size()) != 0 || f.name.size() != 14)
      continue;
    if (results.size() == kMaxDkimSignatures) break;
    results.push_back(Check(split, f.raw, bodies, lookup, now));
  }
  return results;
}

}  // namespace mailsuite::mta
