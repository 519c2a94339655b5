#include "dkim_tags.h"

#include <cctype>
#include <sstream>

#include <Poco/Base64Decoder.h>
#include <Poco/Exception.h>

#include "shared/mail/address.h"

namespace mailsuite::mta::dkim {
namespace {

bool IsFws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsFws(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsFws(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string> SplitColons(std::string_view s) {
  std::vector<std::string> out;
  size_t pos = 0;
  for (;;) {
    size_t colon = s.find(':', pos);
    out.emplace_back(
        Trim(s.substr(pos, colon == std::string_view::npos ? s.size() - pos : colon - pos)));
    if (colon == std::string_view::npos) return out;
    pos = colon + 1;
  }
}

std::optional<uint64_t> Number(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;  // RFC 6376 3.5: at most 76 bits; we cap
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

// selector = sub-domain *("." sub-domain); an underscore is tolerated, as some signers use it.
bool ValidSelector(const std::string& s) {
  size_t start = 0;
  for (;;) {
    size_t dot = s.find('.', start);
    size_t len = (dot == std::string::npos ? s.size() : dot) - start;
    if (len == 0 || len > 63) return false;
    for (size_t i = start; i < start + len; ++i)
      if (!std::isalnum(static_cast<unsigned char>(s[i])) && s[i] != '-' && s[i] != '_')
        return false;
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

bool ParseCanon(std::string_view s, Canon& out) {
  if (s == "simple")
    out = Canon::kSimple;
  else if (s == "relaxed")
    out = Canon::kRelaxed;
  else
    return false;
  return true;
}

}  // namespace

const char* AlgorithmName(Algorithm a) {
  return a == Algorithm::kRsaSha256 ? "rsa-sha256" : "ed25519-sha256";
}

std::optional<std::map<std::string, std::string>> ParseTagList(std::string_view text) {
  std::map<std::string, std::string> tags;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t semi = text.find(';', pos);
    std::string_view spec =
        text.substr(pos, semi == std::string_view::npos ? text.size() - pos : semi - pos);
    pos = semi == std::string_view::npos ? text.size() + 1 : semi + 1;
    if (Trim(spec).empty()) {
      if (semi == std::string_view::npos) break;  // a trailing ";" is allowed
      return std::nullopt;                        // an empty tag-spec in the middle is not
    }
    size_t eq = spec.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    std::string_view name = Trim(spec.substr(0, eq));
    if (name.empty() || !std::isalpha(static_cast<unsigned char>(name[0]))) return std::nullopt;
    for (char c : name)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return std::nullopt;
    if (!tags.emplace(std::string(name), std::string(Trim(spec.substr(eq + 1)))).second)
      return std::nullopt;  // a tag twice makes the whole list invalid
  }
  return tags;
}

std::optional<std::string> DecodeBase64(std::string_view text) {
  std::string compact;
  for (char c : text)
    if (!IsFws(c)) compact += c;
  // Read through the istream: a character that is not base64 makes the decoder throw, which
  // istream::read turns into badbit (the exception never crosses a string under construction).
  std::istringstream in(compact);
  Poco::Base64Decoder decoder(in);
  std::string out;
  char buf[512];
  while (decoder) {
    decoder.read(buf, sizeof buf);
    out.append(buf, static_cast<size_t>(decoder.gcount()));
  }
  if (decoder.bad()) return std::nullopt;
  return out;
}

Result<Signature> ParseSignature(std::string_view value) {
  auto tags = ParseTagList(value);
  if (!tags) return Status::Error("malformed signature");
  auto get = [&](const char* name) -> const std::string* {
    auto it = tags->find(name);
    return it == tags->end() ? nullptr : &it->second;
  };
  for (const char* required : {"v", "a", "b", "bh", "d", "h", "s"})
    if (!get(required)) return Status::Error(std::string("signature lacks ") + required + "=");
  if (*get("v") != "1") return Status::Error("signature version is not 1");
  Signature sig;
  std::string a = mail::ToLower(*get("a"));
  if (a == "rsa-sha256")
    sig.algorithm = Algorithm::kRsaSha256;
  else if (a == "ed25519-sha256")
    sig.algorithm = Algorithm::kEd25519Sha256;
  else if (a == "rsa-sha1")
    return Status::Error("rsa-sha1 is not accepted (RFC 8301)");
  else
    return Status::Error("unknown algorithm " + a);
  if (const std::string* c = get("c")) {
    std::string canon = mail::ToLower(*c);
    size_t slash = canon.find('/');
    if (!ParseCanon(canon.substr(0, slash), sig.header_canon) ||
        (slash != std::string::npos && !ParseCanon(canon.substr(slash + 1), sig.body_canon)))
      return Status::Error("unknown canonicalization " + canon);
  }
  sig.domain = mail::ToLower(*get("d"));
  sig.selector = *get("s");
  if (sig.domain.empty() || sig.selector.empty()) return Status::Error("empty d= or s=");
  // d= and s= become the DNS name <s>._domainkey.<d>: whole labels only, no empty one, no
  // trailing dot (RFC 6376 3.1, 3.5), or "example.org." would align with anything under "org.".
  if (!mail::IsValidDomain(sig.domain, false) || sig.domain.find('.') == std::string::npos ||
      !ValidSelector(sig.selector) || sig.selector.size() + sig.domain.size() > 240)
    return Status::Error("malformed d= or s=");
  sig.signed_names = SplitColons(*get("h"));
  if (sig.signed_names.size() > kMaxSignedFields) return Status::Error("h= names too many fields");
  bool has_from = false;
  for (const std::string& n : sig.signed_names) {
    if (n.empty()) return Status::Error("malformed h=");
    has_from = has_from || mail::ToLower(n) == "from";
  }
  if (!has_from) return Status::Error("From: is not signed");  // RFC 6376 5.4
  auto bh = DecodeBase64(*get("bh"));
  auto b = DecodeBase64(*get("b"));
  if (!bh || !b || b->empty()) return Status::Error("malformed b= or bh=");
  sig.body_hash = *bh;
  sig.signature = *b;
  sig.identity = "@" + sig.domain;
  if (const std::string* i = get("i")) {
    sig.identity = *i;
    size_t at = i->rfind('@');
    std::string idomain = at == std::string::npos ? "" : mail::ToLower(i->substr(at + 1));
    bool inside = idomain == sig.domain || (idomain.size() > sig.domain.size() &&
                                            idomain.compare(idomain.size() - sig.domain.size(),
                                                            std::string::npos, sig.domain) == 0 &&
                                            idomain[idomain.size() - sig.domain.size() - 1] == '.');
    if (!inside) return Status::Error("i= is outside d=");  // RFC 6376 6.1.1
  }
  if (const std::string* q = get("q"))
    if (q->find("dns/txt") == std::string::npos) return Status::Error("no usable q= method");
  if (const std::string* l = get("l")) {
    sig.body_length = Number(*l);
    if (!sig.body_length) return Status::Error("malformed l=");
  }
  if (const std::string* x = get("x")) {
    auto v = Number(*x);
    if (!v) return Status::Error("malformed x=");
    sig.expires = static_cast<int64_t>(*v);
  }
  return sig;
}

Result<KeyRecord> ParseKeyRecord(std::string_view text) {
  auto tags = ParseTagList(text);
  if (!tags) return Status::Error("malformed key record");
  KeyRecord key;
  auto v = tags->find("v");
  if (v != tags->end() && v->second != "DKIM1") return Status::Error("key record is not DKIM1");
  if (v != tags->end() && Trim(text).substr(0, 1) != "v")
    return Status::Error("v= is not first in the key record");  // RFC 6376 3.6.1
  auto k = tags->find("k");
  std::string type = k == tags->end() ? "rsa" : mail::ToLower(k->second);
  if (type == "rsa")
    key.algorithm = Algorithm::kRsaSha256;
  else if (type == "ed25519")
    key.algorithm = Algorithm::kEd25519Sha256;
  else
    return Status::Error("unknown key type " + type);
  if (auto h = tags->find("h"); h != tags->end()) {
    bool sha256 = false;
    for (const std::string& alg : SplitColons(h->second))
      sha256 = sha256 || mail::ToLower(alg) == "sha256";
    if (!sha256) return Status::Error("key does not allow sha256");
  }
  if (auto s = tags->find("s"); s != tags->end()) {
    bool email = false;
    for (const std::string& t : SplitColons(s->second)) email = email || t == "*" || t == "email";
    if (!email) return Status::Error("key is not for email");
  }
  if (auto t = tags->find("t"); t != tags->end())
    for (const std::string& flag : SplitColons(t->second)) {
      key.testing = key.testing || flag == "y";
      key.strict_identity = key.strict_identity || flag == "s";
    }
  auto p = tags->find("p");
  if (p == tags->end()) return Status::Error("key record lacks p=");
  auto decoded = DecodeBase64(p->second);
  if (!decoded) return Status::Error("malformed p=");
  key.public_key = *decoded;
  return key;
}

std::string WithoutSignatureValue(std::string_view raw) {
  std::string out(raw);
  size_t colon = out.find(':');
  if (colon == std::string::npos) return out;
  size_t pos = colon + 1;
  while (pos < out.size()) {
    size_t semi = out.find(';', pos);
    size_t end = semi == std::string::npos ? out.size() : semi;
    size_t eq = out.find('=', pos);
    if (eq != std::string::npos && eq < end &&
        Trim(std::string_view(out).substr(pos, eq - pos)) == "b") {
      // Keep the field's own final CRLF: it is not part of the tag value.
      size_t value_end = end;
      if (semi == std::string::npos && out.size() >= 2 &&
          out.compare(out.size() - 2, 2, "\r\n") == 0)
        value_end = out.size() - 2;
      out.erase(eq + 1, value_end - eq - 1);
      return out;
    }
    pos = end + 1;
  }
  return out;
}

}  // namespace mailsuite::mta::dkim
