// TLS server contexts from the configured certificate and key (Poco NetSSL over OpenSSL),
// TLS 1.2 or newer only. Also creates the self-signed certificate `mailsuite init` writes when
// none is configured.
#pragma once

#include <string>

#include <Poco/Net/Context.h>

#include "shared/config.h"
#include "shared/result.h"

namespace mailsuite {

// A server context for `config`; an error names the file that could not be used.
Result<Poco::Net::Context::Ptr> MakeServerTlsContext(const TlsConfig& config);

// A client context that does not verify the peer (tests and opportunistic STARTTLS).
Poco::Net::Context::Ptr MakeClientTlsContext();
// A client context that verifies the peer's chain against the system CAs (and those in
// `extra_ca_file`, when given) and, with a peer host name given to the socket, the name. A failed
// check makes the handshake throw.
Poco::Net::Context::Ptr MakeVerifyingClientTlsContext(const std::string& extra_ca_file = "");

// Writes a fresh RSA-2048 key (mode 0600) and a self-signed certificate for `hostname`
// valid for ten years.
Status WriteSelfSignedCertificate(const std::string& hostname, const std::string& cert_path,
                                  const std::string& key_path);

}  // namespace mailsuite
