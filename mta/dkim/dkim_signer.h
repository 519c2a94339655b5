// DKIM signing (RFC 6376, RFC 8463 Ed25519) of mail from local senders, with the keys under
// dkim.key_dir (shared/mail/dkim_keys.h). A message is signed by every active key of
// its author domain (the From: domain), or of the closest parent domain that has keys: a bounce
// From: MAILER-DAEMON@mail.example.org is signed as example.org, which DMARC's relaxed
// alignment accepts. relaxed/relaxed canonicalization; the header fields of RFC 6376 5.4.1, the
// visible ones oversigned.
// The keys are read at start and again on Reload (SIGHUP); Sign may run on any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "dkim_crypto.h"
#include "shared/mail/dkim_keys.h"
#include "shared/result.h"

namespace mailsuite::mta {

class DkimSigner {
 public:
  explicit DkimSigner(std::string key_dir);

  // Reads the active keys again; on an error the old ones stay. `problems` gets unreadable files.
  Status Reload(std::vector<std::string>* problems = nullptr);

  // The domain whose keys would sign mail from `author_domain`, or "" when none.
  std::string SigningDomain(const std::string& author_domain) const;

  // The DKIM-Signature fields (CRLF-terminated, to be put on top of `message`), Ed25519
  // first; "" when the message has no single author domain or no key signs for it.
  // `now` (Unix time) is t=; 0 takes the clock.
  Result<std::string> Sign(std::string_view message, int64_t now = 0) const;

  // The keys loaded, for logs.
  size_t KeyCount() const;

 private:
  struct Key {
    std::string domain;
    std::string selector;
    dkim::Algorithm algorithm;
    dkim::KeyPtr key;  // parsed once; OpenSSL keys may sign on several threads at once
  };
  using KeySet = std::vector<Key>;
  std::shared_ptr<const KeySet> Keys() const;
  static std::string Closest(const KeySet& keys, const std::string& author_domain);

  std::string key_dir_;
  mutable std::mutex mu_;
  std::shared_ptr<const KeySet> keys_;
};

}  // namespace mailsuite::mta
