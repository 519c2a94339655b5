#include "smtp_client.h"

#include <Poco/Net/NetException.h>
#include <Poco/Net/StreamSocket.h>

#include "shared/auth/sasl.h"
#include "shared/mail/header_scan.h"
#include "shared/net/socket_transport.h"
#include "shared/tls.h"

namespace mailsuite::mta {
namespace {

using std::chrono::seconds;
// RFC 5321 4.5.3.2 minimum timeouts.
constexpr seconds kGreetingTimeout{300};
constexpr seconds kCommandTimeout{300};
constexpr seconds kDataInitTimeout{120};
constexpr seconds kDataEndTimeout{600};

std::string Upper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

bool HasEightBit(const std::string& s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  return false;
}

SmtpReply LocalFailure(const std::string& why) { return SmtpReply{0, why}; }

}  // namespace

std::string SmtpReply::EnhancedStatus() const {
  // The text starts with the enhanced code when the server sent one: "5.1.1 User unknown".
  if (text.size() >= 5 && (text[0] == '2' || text[0] == '4' || text[0] == '5') && text[1] == '.') {
    size_t end = text.find_first_of(" ;");
    std::string code = text.substr(0, end);
    if (code.find_first_not_of("0123456789.") == std::string::npos) return code;
  }
  if (code >= 500) return "5.0.0";
  if (code >= 400 || code == 0) return "4.0.0";
  return "2.0.0";
}

std::string DotStuffForData(const std::string& content) {
  // Every line end goes out as CRLF, whatever the stored text has: a lone CR or LF is never
  // passed on, since some servers end DATA on them (SMTP smuggling, SECURITY.md 1).
  std::string out;
  out.reserve(content.size() + content.size() / 50 + 8);
  bool line_start = true;
  for (size_t i = 0; i < content.size(); ++i) {
    char c = content[i];
    if (line_start && c == '.') out += '.';  // RFC 5321 4.5.2
    line_start = false;
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < content.size() && content[i + 1] == '\n') ++i;
      out += "\r\n";
      line_start = true;
    } else {
      out += c;
    }
  }
  if (!line_start) out += "\r\n";
  out += ".\r\n";
  return out;
}

std::string EncodeXtext(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (c < 33 || c > 126 || c == '+' || c == '=') {
      static const char* kHex = "0123456789ABCDEF";
      out += '+';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

SmtpClient::SmtpClient(ClientSettings settings) : settings_(std::move(settings)) {
  if (settings_.tls != TlsPolicy::kNone)
    tls_context_ = settings_.tls == TlsPolicy::kVerify
                       ? MakeVerifyingClientTlsContext(settings_.tls_ca_file)
                       : MakeClientTlsContext();
}

SmtpClient::~SmtpClient() = default;

bool SmtpClient::tls_active() const { return transport_ && transport_->IsTls(); }

SmtpReply SmtpClient::ReadReply(seconds timeout) {
  transport_->SetIdleTimeout(timeout);
  SmtpReply reply;
  std::string line;
  for (int lines = 0; lines < 1000; ++lines) {
    net::ReadStatus s = conn_->ReadLine(line);
    if (s != net::ReadStatus::kOk)
      return LocalFailure(s == net::ReadStatus::kTimeout ? "timeout waiting for the server"
                                                         : "connection lost");
    if (line.size() < 3 || line.find_first_not_of("0123456789") < 3)
      return LocalFailure("malformed reply from the server");
    int code = std::stoi(line.substr(0, 3));
    if (reply.code != 0 && code != reply.code) return LocalFailure("inconsistent multi-line reply");
    reply.code = code;
    std::string text = line.size() > 4 ? line.substr(4) : "";
    reply.text += (reply.text.empty() ? "" : "; ") + text;
    if (line.size() == 3 || line[3] == ' ') return reply;
  }
  return LocalFailure("reply too long");
}

SmtpReply SmtpClient::Command(const std::string& line, seconds timeout) {
  conn_->WriteLine(line);
  return ReadReply(timeout);
}

SmtpReply SmtpClient::Ehlo() {
  conn_->WriteLine("EHLO " + settings_.helo_name);
  SmtpReply r = ReadReply(kCommandTimeout);
  extensions_.clear();
  max_size_ = 0;
  if (r.code == 250) {
    // Lines after the first are keywords: "SIZE 1000000", "PIPELINING", …
    size_t start = r.text.find("; ");
    while (start != std::string::npos) {
      size_t end = r.text.find("; ", start + 2);
      std::string item = r.text.substr(start + 2, end == std::string::npos ? end : end - start - 2);
      std::string keyword = Upper(item.substr(0, item.find(' ')));
      extensions_.insert(keyword);
      if (keyword == "SIZE" && item.size() > 5) max_size_ = std::atoll(item.c_str() + 5);
      start = end;
    }
    return r;
  }
  if (r.code >= 500 && r.code < 600) return Command("HELO " + settings_.helo_name, kCommandTimeout);
  return r;
}

SmtpReply SmtpClient::Open(const std::string& address, uint16_t port) {
  try {
    Poco::Net::StreamSocket socket;
    socket.connect(Poco::Net::SocketAddress(address, port),
                   Poco::Timespan(static_cast<long>(settings_.connect_timeout.count()), 0));
    transport_ = std::make_unique<net::SocketTransport>(socket, tls_context_, false);
    if (!settings_.tls_host_name.empty()) transport_->SetPeerHostName(settings_.tls_host_name);
  } catch (const Poco::Exception& e) {
    return LocalFailure("cannot connect to " + address + ": " + e.displayText());
  }
  conn_ = std::make_unique<net::LineConnection>(*transport_, 64 * 1024);
  SmtpReply greeting = ReadReply(kGreetingTimeout);
  if (greeting.code != 220)
    return greeting.code == 0 ? greeting : SmtpReply{greeting.code, greeting.text};
  SmtpReply hello = Ehlo();
  if (hello.code != 250) return hello;

  bool want_tls = settings_.tls != TlsPolicy::kNone;
  bool need_tls = settings_.tls == TlsPolicy::kEncrypt || settings_.tls == TlsPolicy::kVerify;
  if (want_tls && Offers("STARTTLS")) {
    SmtpReply go = Command("STARTTLS", kCommandTimeout);
    if (go.code == 220) {
      if (!conn_->StartTls()) return LocalFailure("TLS handshake with " + address + " failed");
      hello = Ehlo();  // RFC 3207 4.2: start over
      if (hello.code != 250) return hello;
    } else if (need_tls) {
      return SmtpReply{go.code, "STARTTLS refused: " + go.text};
    }
  } else if (need_tls) {
    return LocalFailure("TLS is required but " + address + " does not offer STARTTLS");
  }

  if (!settings_.auth_user.empty()) {
    if (!Offers("AUTH")) return LocalFailure("the smarthost does not offer AUTH");
    std::string token = auth::Base64Encode(std::string("\0", 1) + settings_.auth_user +
                                           std::string("\0", 1) + settings_.auth_password);
    SmtpReply r = Command("AUTH PLAIN " + token, kCommandTimeout);
    if (r.code != 235) return r;
  }
  return hello;
}

SendResult SmtpClient::Send(const OutboundMessage& m) {
  SendResult result;
  const std::string& content = *m.content;
  bool eight_bit = HasEightBit(content);
  // UTF-8 in an address or in the header section (RFC 6532) needs SMTPUTF8 at the next hop.
  bool utf8 = HasEightBit(m.sender) || HasEightBit(content.substr(0, mail::HeaderEnd(content)));
  for (const auto& r : m.recipients) utf8 = utf8 || HasEightBit(r.address);
  auto fail_all = [&](SmtpReply reply) {
    result.transaction = reply;
    result.per_rcpt.assign(m.recipients.size(), reply);
    return result;
  };
  if (utf8 && !Offers("SMTPUTF8"))  // RFC 6531 3.4: do not downgrade, fail
    return fail_all(SmtpReply{553, "5.6.7 the next server does not support SMTPUTF8"});
  if (eight_bit && !Offers("8BITMIME"))  // RFC 6152 3: 8-bit data only to 8BITMIME servers
    return fail_all(SmtpReply{554, "5.6.3 8-bit message and the next server lacks 8BITMIME"});
  if (max_size_ > 0 && static_cast<int64_t>(content.size()) > max_size_)
    return fail_all(SmtpReply{552, "5.3.4 message is larger than the server accepts"});

  std::string mail = "MAIL FROM:<" + m.sender + ">";
  if (Offers("SIZE")) mail += " SIZE=" + std::to_string(content.size());
  if (eight_bit && Offers("8BITMIME")) mail += " BODY=8BITMIME";
  if (utf8) mail += " SMTPUTF8";
  bool dsn = Offers("DSN");
  result.dsn_passed_on = dsn;
  if (dsn && !m.ret.empty()) mail += " RET=" + m.ret;
  if (dsn && !m.envid.empty()) mail += " ENVID=" + EncodeXtext(m.envid);
  std::vector<std::string> rcpts;
  for (const auto& r : m.recipients) {
    std::string line = "RCPT TO:<" + r.address + ">";
    if (dsn && !r.notify.empty()) line += " NOTIFY=" + r.notify;
    if (dsn && !r.orcpt.empty()) line += " ORCPT=" + EncodeXtext(r.orcpt);
    rcpts.push_back(line);
  }

  // With PIPELINING, MAIL and every RCPT go out in one write (RFC 2920 3.1).
  bool pipelining = Offers("PIPELINING");
  SmtpReply mail_reply;
  if (pipelining) {
    conn_->WriteLine(mail);
    for (const auto& line : rcpts) conn_->WriteLine(line);
    mail_reply = ReadReply(kCommandTimeout);
    for (size_t i = 0; i < rcpts.size(); ++i) result.per_rcpt.push_back(ReadReply(kCommandTimeout));
  } else {
    mail_reply = Command(mail, kCommandTimeout);
    if (mail_reply.code == 250)
      for (const auto& line : rcpts) result.per_rcpt.push_back(Command(line, kCommandTimeout));
  }
  if (mail_reply.code != 250) {
    if (mail_reply.code != 0) Command("RSET", kCommandTimeout);
    return fail_all(mail_reply);
  }
  bool any = false;
  for (const SmtpReply& r : result.per_rcpt) any = any || r.code == 250 || r.code == 251;
  if (!any) {
    Command("RSET", kCommandTimeout);
    result.transaction = SmtpReply{554, "no recipient accepted"};
    return result;
  }
  SmtpReply data = Command("DATA", kDataInitTimeout);
  if (data.code != 354) {
    if (data.code != 0) Command("RSET", kCommandTimeout);
    return fail_all(data);
  }
  conn_->Write(DotStuffForData(content));
  SmtpReply final_reply = ReadReply(kDataEndTimeout);
  result.transaction = final_reply;
  for (SmtpReply& r : result.per_rcpt)
    if (r.code == 250 || r.code == 251) r = final_reply;
  return result;
}

void SmtpClient::Quit() {
  if (!conn_) return;
  conn_->WriteLine("QUIT");
  ReadReply(seconds(10));
}

}  // namespace mailsuite::mta
