// SmtpClient: the sending side of SMTP for relaying (RFC 5321): greeting, EHLO with HELO
// fallback, STARTTLS by policy (RFC 3207), AUTH PLAIN for a smarthost (RFC 4954), then
// transactions with PIPELINING, SIZE, 8BITMIME, SMTPUTF8 and DSN parameters when the server
// offers them, and per-recipient results. Timeouts follow RFC 5321 4.5.3.2. One object is one
// connection, used by one thread.
#pragma once

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <Poco/Net/Context.h>

#include "shared/config.h"
#include "shared/net/line_connection.h"

namespace mailsuite::net {
class SocketTransport;
}

namespace mailsuite::mta {

struct SmtpReply {
  int code = 0;      // 0: no reply at all (connection failed or lost): a temporary failure
  std::string text;  // all lines joined with "; ", for logs and DSNs
  bool positive() const { return code >= 200 && code < 400; }
  bool temporary() const { return code == 0 || (code >= 400 && code < 500); }
  // "550 5.1.1 …" -> "5.1.1"; otherwise x.0.0 from the code class.
  std::string EnhancedStatus() const;
};

struct ClientSettings {
  std::string helo_name;
  TlsPolicy tls = TlsPolicy::kMay;
  std::string tls_host_name;  // SNI and, with kVerify, the name the certificate must carry
  std::string tls_ca_file;    // CAs trusted besides the system's, with kVerify
  std::string auth_user;      // AUTH PLAIN when set (smarthost)
  std::string auth_password;
  std::chrono::seconds connect_timeout{30};
};

struct OutboundRecipient {
  std::string address;
  std::string notify;  // DSN, passed on when the server offers DSN
  std::string orcpt;
};

struct OutboundMessage {
  std::string sender;  // empty: null sender
  std::vector<OutboundRecipient> recipients;
  const std::string* content = nullptr;  // RFC 5322 text with CRLF line ends
  std::string envid;
  std::string ret;
};

struct SendResult {
  bool dsn_passed_on = false;       // the server offered DSN: NOTIFY went with each RCPT
  SmtpReply transaction;            // MAIL/DATA failure for everyone, or the final DATA reply
  std::vector<SmtpReply> per_rcpt;  // one per recipient: RCPT refusal or the final reply
};

class SmtpClient {
 public:
  explicit SmtpClient(ClientSettings settings);
  ~SmtpClient();
  SmtpClient(const SmtpClient&) = delete;
  SmtpClient& operator=(const SmtpClient&) = delete;

  // Connects and gets the session ready for MAIL. A reply that is not positive means this
  // server cannot be used now (try the next one).
  SmtpReply Open(const std::string& address, uint16_t port);
  SendResult Send(const OutboundMessage& message);
  void Quit();
  bool tls_active() const;

 private:
  SmtpReply Command(const std::string& line, std::chrono::seconds timeout);
  SmtpReply ReadReply(std::chrono::seconds timeout);
  SmtpReply Ehlo();
  bool Offers(const std::string& extension) const { return extensions_.count(extension) > 0; }

  ClientSettings settings_;
  Poco::Net::Context::Ptr tls_context_;
  std::unique_ptr<net::SocketTransport> transport_;
  std::unique_ptr<net::LineConnection> conn_;
  std::set<std::string> extensions_;  // upper-case EHLO keywords
  int64_t max_size_ = 0;
};

// CRLF line ends, a doubled leading dot (RFC 5321 4.5.2) and the end marker, for DATA.
std::string DotStuffForData(const std::string& content);

// xtext (RFC 3461 4) for ENVID and ORCPT values.
std::string EncodeXtext(const std::string& text);

}  // namespace mailsuite::mta
