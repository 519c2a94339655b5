// DKIM signing keys on disk (RFC 6376, RFC 8463): one PEM file per key in a folder per domain,
//   <key_dir>/<domain>/<selector>.key           signs (active)
//   <key_dir>/<domain>/<selector>.key.standby   kept, published or about to be, not signing
// Files are 0600 and folders 0700, owned by the user the daemons run as. A domain signs with
// every active key it has: one RSA and one Ed25519 key side by side is the usual set. Rotation:
// generate a standby key under a new selector, publish its record, activate it (the old
// selector of the same type goes to standby), reload the MTA (SIGHUP).
#pragma once

#include <string>
#include <vector>

#include "shared/result.h"

namespace mailsuite::mail {

enum class DkimKeyType { kRsa, kEd25519 };

struct DkimKey {
  std::string domain;    // lower case
  std::string selector;  // as in s= and <selector>._domainkey.<domain>
  DkimKeyType type = DkimKeyType::kRsa;
  bool active = false;
  std::string path;  // the PEM file
};

const char* DkimKeyTypeName(DkimKeyType type);  // "rsa" / "ed25519"

// A selector is one DNS label of letters, digits and '-' (RFC 6376 3.1 allows dotted
// sub-selectors; we keep them to one label so that file names stay simple).
bool IsValidDkimSelector(const std::string& selector);

// Every key under `key_dir`, sorted by domain then selector. A missing folder is no keys.
// Files that are not readable PEM keys of a supported type are skipped with an entry in
// `problems` (for `dkim list` and the MTA's log).
Result<std::vector<DkimKey>> ListDkimKeys(const std::string& key_dir,
                                          std::vector<std::string>* problems = nullptr);

// Creates a new key file (never overwrites one). RSA keys have 2048 bits.
Result<DkimKey> GenerateDkimKey(const std::string& key_dir, const std::string& domain,
                                const std::string& selector, DkimKeyType type, bool active);

// Makes `selector`'s key sign for `domain`; any other active key of the same type goes to
// standby. Returns the keys that changed state.
Result<std::vector<DkimKey>> ActivateDkimKey(const std::string& key_dir, const std::string& domain,
                                             const std::string& selector);

// Deletes the key file of `selector` (active or standby).
Status RemoveDkimKey(const std::string& key_dir, const std::string& domain,
                     const std::string& selector);

// Gives the key folder and files to the user the daemons run as (when run as root).
Status ChownDkimKeys(const std::string& key_dir, const std::string& user, const std::string& group);

// The TXT record to publish at <selector>._domainkey.<domain>: "v=DKIM1; k=rsa; p=...".
Result<std::string> DkimDnsRecord(const DkimKey& key);

// The record split into quoted strings of at most 255 octets, as zone files want it.
std::string QuoteTxtRecord(const std::string& record);

}  // namespace mailsuite::mail
