// The cryptography of DKIM on OpenSSL: SHA-256, RSASSA-PKCS1-v1_5 with SHA-256 (RFC 6376 3.3.1)
// and Ed25519 over the SHA-256 of the signed data (RFC 8463 3), and public keys from p=.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <openssl/evp.h>

#include "dkim_tags.h"
#include "shared/result.h"

namespace mailsuite::mta::dkim {

using KeyPtr = std::shared_ptr<EVP_PKEY>;

std::string Sha256(std::string_view data);
std::string EncodeBase64(std::string_view data);

// A private key from PEM text; its algorithm from the key type.
Result<KeyPtr> LoadPrivateKey(const std::string& pem, Algorithm& algorithm);

// The public key of a key record: RSA of 1024 bits or more (RFC 8301 3.2), or Ed25519.
Result<KeyPtr> LoadPublicKey(const KeyRecord& record);

// Signs / verifies `data` (the canonical header block plus the signature field) as DKIM does.
Result<std::string> SignData(EVP_PKEY* key, Algorithm algorithm, std::string_view data);
bool VerifyData(EVP_PKEY* key, Algorithm algorithm, std::string_view data,
                std::string_view signature);

}  // namespace mailsuite::mta::dkim
