// mailsuite sendmail: the sendmail(8) interface cron, scripts and mail(1) expect. Reads a message
// on stdin and hands it to the local mailsuite-mta over SMTP on loopback (the first smtp.listen
// address), where it is accepted like any other mail: delivered locally or queued for relay.
//   -t           recipients from To:, Cc:, Bcc: (Bcc: is removed)    -f ADDR / -r ADDR  sender
//   -i, -oi      a line with a single "." does not end the message    other -o…, -F, -v: ignored
// Exit codes follow sysexits(3): 64 usage, 65 bad message, 69 refused, 75 try again later.
#include <pwd.h>
#include <strings.h>
#include <unistd.h>

#include <ctime>
#include <iostream>
#include <stdexcept>

#include <Poco/Net/StreamSocket.h>

#include "cli_common.h"
#include "shared/config.h"
#include "shared/mail/header_scan.h"
#include "shared/mail/mime.h"
#include "shared/net/line_connection.h"
#include "shared/net/socket_transport.h"

namespace mailsuite::cli {
namespace {

constexpr int kExUsage = 64, kExDataErr = 65, kExUnavailable = 69, kExTempFail = 75;

struct Options {
  GlobalOptions global;
  bool from_headers = false;  // -t
  bool ignore_dots = false;   // -i / -oi
  std::string sender;
  std::vector<std::string> recipients;
};

bool ParseArgs(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string& out) {
      if (a.size() > 2) {
        out = a.substr(2);
        return true;
      }
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    if (a == "sendmail" && o.recipients.empty()) continue;  // `mailsuite sendmail …`
    if (a == "-c" || a == "--config") {
      if (i + 1 >= argc) return false;
      o.global.config_path = argv[++i];
    } else if (a == "-s" || a == "--set") {
      if (i + 1 >= argc) return false;
      o.global.overrides.push_back(argv[++i]);
    } else if (a == "-t") {
      o.from_headers = true;
    } else if (a == "-i" || a == "-oi") {
      o.ignore_dots = true;
    } else if (a.rfind("-f", 0) == 0 || a.rfind("-r", 0) == 0) {
      if (!value(o.sender)) return false;
    } else if (a.rfind("-F", 0) == 0) {
      std::string ignored;
      if (!value(ignored)) return false;
    } else if (a == "--") {
      for (++i; i < argc; ++i) o.recipients.push_back(argv[i]);
    } else if (!a.empty() && a[0] == '-') {
      // -o…, -v, -bm, -odi, -oem and the like: accepted and ignored, as other MTAs do.
    } else {
      o.recipients.push_back(a);
    }
  }
  return true;
}

// Standard input as CRLF text; without -i, a line with a single "." ends it.
std::string ReadMessage(bool ignore_dots) {
  std::string out, line;
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!ignore_dots && line == ".") break;
    out += line + "\r\n";
  }
  return out;
}

std::string RemoveBcc(const std::string& m) {
  size_t end = mail::HeaderEnd(m);
  std::string out;
  bool dropping = false;
  size_t pos = 0;
  while (pos < end) {
    size_t eol = m.find('\n', pos);
    eol = eol == std::string::npos ? end : eol + 1;
    std::string_view line(m.data() + pos, eol - pos);
    bool continuation = !line.empty() && (line[0] == ' ' || line[0] == '\t');
    if (!continuation) dropping = line.size() >= 4 && strncasecmp(line.data(), "bcc:", 4) == 0;
    if (!dropping) out.append(line);
    pos = eol;
  }
  return out + m.substr(end);
}

void AddressesOf(const std::vector<mail::EnvelopeAddress>& list, std::vector<std::string>& out) {
  for (const auto& a : list)
    if (a.mailbox && a.host && !a.host->empty()) out.push_back(*a.mailbox + "@" + *a.host);
}

int Refused(const std::string& what, int code) {
  std::cerr << "mailsuite sendmail: " << what << "\n";
  return code;
}

}  // namespace

int RunSendmailCommand(int argc, char** argv) {
  Options o;
  if (!ParseArgs(argc, argv, o))
    return Refused("usage: sendmail [-t] [-i] [-f sender] [recipient…]", kExUsage);
  if (Status s = CheckOverrides(o.global.overrides); !s) return Refused(s.message(), kExUsage);
  auto config = LoadConfig(o.global.config_path, o.global.overrides);
  if (!config) return Refused(config.error(), kExUnavailable);
  if (config->smtp.listen.empty())
    return Refused("smtp.listen is empty: no local SMTP server", kExUnavailable);

  std::string message = ReadMessage(o.ignore_dots);
  if (o.from_headers) {
    mail::MimeTree tree = mail::ParseMime(message);
    if (tree.root.envelope) {
      AddressesOf(tree.root.envelope->to, o.recipients);
      AddressesOf(tree.root.envelope->cc, o.recipients);
      AddressesOf(tree.root.envelope->bcc, o.recipients);
    }
    message = RemoveBcc(message);
  }
  if (o.recipients.empty()) return Refused("no recipients", kExUsage);
  if (o.sender.empty()) {
    passwd* pw = ::getpwuid(::getuid());
    o.sender = std::string(pw ? pw->pw_name : "nobody") + "@" + config->general.hostname;
  }
  // Local submissions get the header fields a mail client would have written (RFC 5322 3.6).
  std::string missing;
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  if (!mail::HasHeaderField(message, "From")) missing += "From: <" + o.sender + ">\r\n";
  if (!mail::HasHeaderField(message, "Date"))
    missing += "Date: " + mail::FormatRfc5322Date(now) + "\r\n";
  if (!mail::HasHeaderField(message, "Message-ID"))
    missing += "Message-ID: <" + std::to_string(now) + "." + std::to_string(::getpid()) + "@" +
               config->general.hostname + ">\r\n";
  message.insert(0, missing);

  Endpoint ep = config->smtp.listen[0];
  if (ep.host == "0.0.0.0") ep.host = "127.0.0.1";
  if (ep.host == "::") ep.host = "::1";
  try {
    Poco::Net::StreamSocket socket(Poco::Net::SocketAddress(ep.host, ep.port));
    net::SocketTransport transport(socket, nullptr, false);
    transport.SetIdleTimeout(std::chrono::seconds(300));
    net::LineConnection conn(transport, 64 * 1024);
    // One command, one reply; continuation lines ("250-…") are skipped.
    auto reply = [&](const std::string& command) -> std::string {
      if (!command.empty()) conn.WriteLine(command);
      std::string line;
      do {
        if (conn.ReadLine(line) != net::ReadStatus::kOk) return "421 connection lost";
      } while (line.size() > 3 && line[3] == '-');
      return line;
    };
    auto expect = [&](const std::string& command, char want) {
      std::string r = reply(command);
      if (r.empty() || r[0] != want) throw std::runtime_error(r);
    };
    expect("", '2');
    expect("EHLO localhost", '2');
    expect("MAIL FROM:<" + o.sender + ">", '2');
    for (const auto& r : o.recipients) expect("RCPT TO:<" + r + ">", '2');
    expect("DATA", '3');
    std::string data;
    size_t pos = 0;
    while (pos < message.size()) {  // dot-stuffing, RFC 5321 4.5.2
      size_t eol = message.find("\r\n", pos);
      eol = eol == std::string::npos ? message.size() : eol + 2;
      if (message[pos] == '.') data += '.';
      data.append(message, pos, eol - pos);
      pos = eol;
    }
    conn.Write(data + ".\r\n");
    expect("", '2');
    reply("QUIT");
  } catch (const Poco::Exception& e) {
    return Refused(
        "cannot reach the local SMTP server at " + ep.ToString() + ": " + e.displayText(),
        kExTempFail);
  } catch (const std::runtime_error& e) {
    std::string r = e.what();
    return Refused("refused: " + r, !r.empty() && r[0] == '4'   ? kExTempFail
                                    : !r.empty() && r[0] == '5' ? kExUnavailable
                                                                : kExDataErr);
  }
  return kExitOk;
}

}  // namespace mailsuite::cli
