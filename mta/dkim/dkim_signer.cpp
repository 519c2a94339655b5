#include "dkim_signer.h"

#include <algorithm>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>

#include "dkim_canon.h"
#include "dkim_crypto.h"
#include "shared/mail/address.h"
#include "shared/mail/header_scan.h"

namespace mailsuite::mta {
namespace {

using dkim::Canon;

// RFC 6376 5.4.1's list: what a reader sees and what makes the message what it is. Never
// Received:, Return-Path: or other trace fields, which relays add.
const std::set<std::string> kSignedFields = {"from",
                                             "reply-to",
                                             "subject",
                                             "date",
                                             "to",
                                             "cc",
                                             "resent-date",
                                             "resent-from",
                                             "resent-to",
                                             "resent-cc",
                                             "in-reply-to",
                                             "references",
                                             "list-id",
                                             "list-help",
                                             "list-unsubscribe",
                                             "list-unsubscribe-post",
                                             "list-subscribe",
                                             "list-post",
                                             "list-owner",
                                             "list-archive",
                                             "message-id",
                                             "mime-version",
                                             "content-type",
                                             "content-transfer-encoding",
                                             "content-id",
                                             "content-description"};

// Signed once more than they occur (RFC 6376 8.15): nobody can add a second From:, Subject:
// or Reply-To: (or one that was absent) that a reader would see without breaking the signature.
const char* const kOversignedFields[] = {
    "from", "reply-to",   "subject",      "date",         "to",
    "cc",   "message-id", "mime-version", "content-type", "content-transfer-encoding"};

// Appends `items` joined by `sep`, starting a new folded line ("\r\n\t") before one that would
// take the line past 76 columns. `column` is where the current line already is.
void AppendFolded(std::string& out, size_t& column, const std::vector<std::string>& items,
                  const std::string& sep) {
  for (size_t i = 0; i < items.size(); ++i) {
    std::string piece = items[i] + (i + 1 < items.size() ? sep : "");
    if (column + piece.size() > 76 && column > 1) {
      out += "\r\n\t";
      column = 1;
    }
    out += piece;
    column += piece.size();
  }
}

std::vector<std::string> Chunks(const std::string& s, size_t size) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size(); i += size) out.push_back(s.substr(i, size));
  return out;
}

}  // namespace

DkimSigner::DkimSigner(std::string key_dir)
    : key_dir_(std::move(key_dir)), keys_(std::make_shared<const KeySet>()) {}

Status DkimSigner::Reload(std::vector<std::string>* problems) {
  auto listed = mail::ListDkimKeys(key_dir_, problems);
  if (!listed) return listed.status();
  auto keys = std::make_shared<KeySet>();
  for (const mail::DkimKey& k : *listed) {
    if (!k.active) continue;
    std::ifstream in(k.path);
    std::stringstream pem;
    pem << in.rdbuf();
    if (!in) return Status::Error(k.path + ": cannot read");
    dkim::Algorithm algorithm;
    auto key = dkim::LoadPrivateKey(pem.str(), algorithm);
    if (!key) return Status::Error(k.path + ": " + key.error());
    keys->push_back(Key{k.domain, k.selector, algorithm, std::move(key.value())});
  }
  // Ed25519 first: receivers that know RFC 8463 find the cheaper check on top.
  std::stable_sort(keys->begin(), keys->end(), [](const Key& a, const Key& b) {
    return a.algorithm == dkim::Algorithm::kEd25519Sha256 &&
           b.algorithm != dkim::Algorithm::kEd25519Sha256;
  });
  std::lock_guard lock(mu_);
  keys_ = std::move(keys);
  return Status::Ok();
}

std::shared_ptr<const DkimSigner::KeySet> DkimSigner::Keys() const {
  std::lock_guard lock(mu_);
  return keys_;
}

size_t DkimSigner::KeyCount() const { return Keys()->size(); }

std::string DkimSigner::Closest(const KeySet& keys, const std::string& author_domain) {
  // example.org, then its parents; never a bare top-level label.
  for (std::string d = author_domain; d.find('.') != std::string::npos;
       d = d.substr(d.find('.') + 1))
    for (const Key& k : keys)
      if (k.domain == d) return d;
  return "";
}

std::string DkimSigner::SigningDomain(const std::string& author_domain) const {
  return Closest(*Keys(), author_domain);
}

Result<std::string> DkimSigner::Sign(std::string_view message, int64_t now) const {
  std::shared_ptr<const KeySet> keys = Keys();
  if (keys->empty()) return std::string();
  std::string domain = Closest(*keys, mail::AuthorDomain(message));
  if (domain.empty()) return std::string();
  if (now == 0) now = static_cast<int64_t>(std::time(nullptr));

  dkim::SplitMessage split = dkim::SplitHeader(message);
  std::vector<std::string> names;
  for (const dkim::HeaderField& f : split.fields) {
    std::string name = mail::ToLower(f.name);
    if (kSignedFields.count(name)) names.push_back(name);
  }
  for (const char* name : kOversignedFields) names.push_back(name);
  std::string headers;
  for (std::string_view field : dkim::SelectHeaders(split.fields, names))
    headers += dkim::CanonicalHeader(field, Canon::kRelaxed);
  std::string body_hash =
      dkim::EncodeBase64(dkim::Sha256(dkim::CanonicalBody(split.body, Canon::kRelaxed)));

  std::string fields;
  for (const Key& k : *keys) {
    if (k.domain != domain) continue;
    // RFC 6376 3.5; the field is hashed with an empty b= (3.7), then b= is filled in.
    std::string field = std::string("DKIM-Signature: v=1; a=") + dkim::AlgorithmName(k.algorithm) +
                        "; c=relaxed/relaxed; d=" + k.domain + "; s=" + k.selector +
                        ";\r\n\tt=" + std::to_string(now) + "; h=";
    size_t column = 1 + std::string("t=; h=").size() + std::to_string(now).size();
    AppendFolded(field, column, names, ":");
    field += ";\r\n\tbh=" + body_hash + ";\r\n\tb=";
    std::string hashed = dkim::CanonicalHeader(field + "\r\n", Canon::kRelaxed);
    hashed.resize(hashed.size() - 2);  // without its CRLF (3.7)
    auto signature = dkim::SignData(k.key.get(), k.algorithm, headers + hashed);
    if (!signature)
      return Status::Error("DKIM signing as " + domain + " (" + k.selector +
                           ") failed: " + signature.error());
    size_t b_column = 3;
    AppendFolded(field, b_column, Chunks(dkim::EncodeBase64(*signature), 72), "");
    fields += field + "\r\n";
  }
  return fields;
}

}  // namespace mailsuite::mta
