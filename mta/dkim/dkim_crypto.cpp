#include "dkim_crypto.h"

#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <sstream>

#include <Poco/Base64Encoder.h>

namespace mailsuite::mta::dkim {
namespace {

using CtxPtr = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

KeyPtr Own(EVP_PKEY* key) { return KeyPtr(key, EVP_PKEY_free); }

}  // namespace

std::string Sha256(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string EncodeBase64(std::string_view data) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder.write(data.data(), static_cast<std::streamsize>(data.size()));
  encoder.close();
  return out.str();
}

Result<KeyPtr> LoadPrivateKey(const std::string& pem, Algorithm& algorithm) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  KeyPtr key = Own(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) return Status::Error("not a PEM private key");
  switch (EVP_PKEY_get_base_id(key.get())) {
    case EVP_PKEY_RSA:
      algorithm = Algorithm::kRsaSha256;
      return key;
    case EVP_PKEY_ED25519:
      algorithm = Algorithm::kEd25519Sha256;
      return key;
    default:
      return Status::Error("neither an RSA nor an Ed25519 key");
  }
}

Result<KeyPtr> LoadPublicKey(const KeyRecord& record) {
  const auto* der = reinterpret_cast<const unsigned char*>(record.public_key.data());
  long size = static_cast<long>(record.public_key.size());
  if (record.algorithm == Algorithm::kEd25519Sha256) {
    if (record.public_key.size() != 32) return Status::Error("Ed25519 key is not 32 octets");
    KeyPtr key = Own(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, der, 32));
    if (!key) return Status::Error("unusable Ed25519 key");
    return key;
  }
  // SubjectPublicKeyInfo, as RFC 6376 3.6.1 asks; a bare RSAPublicKey is seen in the wild too.
  const unsigned char* p = der;
  KeyPtr key = Own(d2i_PUBKEY(nullptr, &p, size));
  if (!key) {
    p = der;
    key = Own(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, size));
  }
  if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA)
    return Status::Error("unusable RSA key");
  if (EVP_PKEY_get_bits(key.get()) < 1024) return Status::Error("RSA key shorter than 1024 bits");
  if (EVP_PKEY_get_bits(key.get()) > 8192)  // RFC 8301 3.2 asks for 4096; more is only cost
    return Status::Error("RSA key longer than 8192 bits");
  return key;
}

namespace {

// The octets the key itself signs, and the digest EVP applies: RSA signs the data with SHA-256
// inside; Ed25519 is PureEdDSA over the SHA-256 of the data (RFC 8463 3), with no digest of its
// own.
std::string_view KeyInput(Algorithm algorithm, std::string_view data, std::string& digest) {
  if (algorithm == Algorithm::kRsaSha256) return data;
  digest = Sha256(data);
  return digest;
}
const EVP_MD* EvpDigest(Algorithm algorithm) {
  return algorithm == Algorithm::kRsaSha256 ? EVP_sha256() : nullptr;
}

}  // namespace

Result<std::string> SignData(EVP_PKEY* key, Algorithm algorithm, std::string_view data) {
  CtxPtr ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::string digest;
  data = KeyInput(algorithm, data, digest);
  const EVP_MD* md = EvpDigest(algorithm);
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) != 1)
    return Status::Error("cannot sign");
  std::string out(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
    return Status::Error("cannot sign");
  out.resize(len);
  return out;
}

bool VerifyData(EVP_PKEY* key, Algorithm algorithm, std::string_view data,
                std::string_view signature) {
  CtxPtr ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::string digest;
  data = KeyInput(algorithm, data, digest);
  const EVP_MD* md = EvpDigest(algorithm);
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                          data.size()) == 1;
}

}  // namespace mailsuite::mta::dkim
