#include "shared/tls.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>

#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace mailsuite {
namespace {

void InitSslOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    Poco::Net::initializeSSL();
    // Poco asks an "invalid certificate handler" what to do with a certificate that fails
    // verification; its default prompts on the console. Reject instead.
    Poco::Net::Context::Params params;
    params.verificationMode = Poco::Net::Context::VERIFY_NONE;
    params.loadDefaultCAs = false;
    Poco::Net::SSLManager::instance().initializeClient(
        nullptr, new Poco::Net::RejectCertificateHandler(false),
        new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params));
  });
}

}  // namespace

Result<Poco::Net::Context::Ptr> MakeServerTlsContext(const TlsConfig& config) {
  InitSslOnce();
  for (const std::string* f : {&config.certificate, &config.private_key}) {
    if (f->empty()) return Status::Error("tls.certificate and tls.private_key must both be set");
    if (::access(f->c_str(), R_OK) != 0) return Status::Error(*f + ": cannot read the file");
  }
  try {
    Poco::Net::Context::Params params;
    params.certificateFile = config.certificate;
    params.privateKeyFile = config.private_key;
    params.verificationMode = Poco::Net::Context::VERIFY_NONE;
    params.loadDefaultCAs = false;
    params.cipherList = "HIGH:!aNULL:!MD5:!RC4";
    Poco::Net::Context::Ptr ctx =
        new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
    ctx->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
    ctx->enableSessionCache(true, "mailsuite");
    // Idle connections (parked IMAP IDLE) then hold no 16 KB+ record buffers.
    SSL_CTX_set_mode(ctx->sslContext(), SSL_MODE_RELEASE_BUFFERS);
    // A write the client's full window refused is retried later from the connection's output
    // buffer, which may have moved (and grown) meanwhile (SocketTransport::SendNow).
    SSL_CTX_set_mode(ctx->sslContext(), SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    // A key of another certificate loads fine but fails every handshake: refuse it here.
    if (SSL_CTX_check_private_key(ctx->sslContext()) != 1)
      return Status::Error(config.private_key + " is not the key of " + config.certificate);
    return ctx;
  } catch (const Poco::Exception& e) {
    return Status::Error(config.certificate + ": " + e.displayText());
  }
}

Poco::Net::Context::Ptr MakeClientTlsContext() {
  InitSslOnce();
  Poco::Net::Context::Params params;
  params.verificationMode = Poco::Net::Context::VERIFY_NONE;
  params.loadDefaultCAs = false;
  Poco::Net::Context::Ptr ctx = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
  ctx->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  SSL_CTX_set_mode(ctx->sslContext(), SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);  // as the server's
  return ctx;
}

Poco::Net::Context::Ptr MakeVerifyingClientTlsContext(const std::string& extra_ca_file) {
  InitSslOnce();
  Poco::Net::Context::Params params;
  params.verificationMode = Poco::Net::Context::VERIFY_RELAXED;
  params.loadDefaultCAs = true;
  params.caLocation = extra_ca_file;
  Poco::Net::Context::Ptr ctx = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
  ctx->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  SSL_CTX_set_mode(ctx->sslContext(), SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);  // as the server's
  return ctx;
}

Status WriteSelfSignedCertificate(const std::string& hostname, const std::string& cert_path,
                                  const std::string& key_path) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(2048), EVP_PKEY_free);
  if (!key) return Status::Error("cannot generate an RSA key");
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), static_cast<long>(std::time(nullptr)));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(hostname.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  std::string san = "DNS:" + hostname;
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert.get(), cert.get(), nullptr, nullptr, 0);
  if (X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, san.c_str())) {
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (!X509_sign(cert.get(), key.get(), EVP_sha256())) return Status::Error("cannot sign");

  std::filesystem::create_directories(std::filesystem::path(key_path).parent_path());
  std::filesystem::create_directories(std::filesystem::path(cert_path).parent_path());
  mode_t old_mask = ::umask(077);
  FILE* kf = std::fopen(key_path.c_str(), "w");
  ::umask(old_mask);
  if (!kf) return Status::Error(key_path + ": cannot write");
  bool ok = PEM_write_PrivateKey(kf, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  ok = std::fclose(kf) == 0 && ok;
  if (!ok) return Status::Error(key_path + ": cannot write");
  FILE* cf = std::fopen(cert_path.c_str(), "w");
  if (!cf) return Status::Error(cert_path + ": cannot write");
  ok = PEM_write_X509(cf, cert.get()) == 1;
  ok = std::fclose(cf) == 0 && ok;
  if (!ok) return Status::Error(cert_path + ": cannot write");
  return Status::Ok();
}

}  // namespace mailsuite
