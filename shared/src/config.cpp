// The key table and the INI reader behind config.h.
#include "shared/config.h"

#include "shared/byte_size.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace mailsuite {
namespace {

using net::ParseNetworks;

struct Value {
  std::string text;
  std::string base_dir;  // for relative paths
};

// Parses `value` into the config; returns an error text, or "" when the value is good.
using Apply = std::string (*)(Config&, const Value&);

struct KeySpec {
  std::string_view section;
  std::string_view key;
  std::string_view default_value;
  std::string_view help;
  Apply apply;
};

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

template <typename Int>
std::string ParseInt(const std::string& text, Int min, Int max, Int& out) {
  Int v{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size())
    return "'" + text + "' is not a whole number";
  if (v < min || v > max)
    return "'" + text + "' is out of range (" + std::to_string(min) + " to " + std::to_string(max) +
           ")";
  out = v;
  return "";
}

std::string ParseBool(const std::string& text, bool& out) {
  if (text == "true" || text == "yes" || text == "on" || text == "1") {
    out = true;
    return "";
  }
  if (text == "false" || text == "no" || text == "off" || text == "0") {
    out = false;
    return "";
  }
  return "'" + text + "' is not a boolean (true or false)";
}

std::string ParsePath(const Value& v, std::string& out) {
  if (v.text.empty() || v.text.front() == '/' || v.base_dir.empty()) {
    out = v.text;
  } else {
    out = (std::filesystem::path(v.base_dir) / v.text).lexically_normal().string();
  }
  return "";
}

#define INT_KEY(field, lo, hi)                                                      \
  [](Config& c, const Value& v) {                                                   \
    return ParseInt(v.text, decltype(c.field)(lo), decltype(c.field)(hi), c.field); \
  }
#define BOOL_KEY(field) [](Config& c, const Value& v) { return ParseBool(v.text, c.field); }
#define PATH_KEY(field) [](Config& c, const Value& v) { return ParsePath(v, c.field); }
// A key whose text one parser (giving the value or a reason) turns into its field.
#define PARSED_KEY(field, parser)   \
  [](Config& c, const Value& v) {   \
    auto r = parser(v.text);        \
    if (!r) return r.error();       \
    c.field = std::move(r.value()); \
    return std::string();           \
  }
#define LISTEN_KEY(field) PARSED_KEY(field, ParseEndpoints)
#define MILTERS_KEY(field) PARSED_KEY(field, ParseMilters)

// The one place where keys, defaults and their meaning live.
const KeySpec kKeys[] = {
    {"general", "hostname", "localhost", "Name of this host in greetings and Received: headers.",
     [](Config& c, const Value& v) {
       if (v.text.empty() || v.text.find_first_of(" \t/\\") != std::string::npos)
         return std::string("'" + v.text + "' is not a host name");
       c.general.hostname = v.text;
       return std::string();
     }},
    {"store", "path", "/var/lib/mailsuite/mailsuite.db",
     "The SQLite database shared by all daemons (relative paths are relative to this file).",
     PATH_KEY(store.path)},
    {"store", "busy_timeout_ms", "30000",
     "How long a writer waits for another process's write before retrying (milliseconds).",
     INT_KEY(store.busy_timeout_ms, 100, 600000)},
    {"store", "backend", "sqlite",
     "Where the store lives: sqlite (the file store.path, one host) or postgresql (the database "
     "store.url, shared by any number of nodes of each daemon).",
     [](Config& c, const Value& v) {
       if (v.text != "sqlite" && v.text != "postgresql")
         return "'" + v.text + "' is not a store backend (sqlite or postgresql)";
       c.store.backend = v.text;
       return std::string();
     }},
    {"store", "url", "",
     "The PostgreSQL database (store.backend = postgresql): a libpq URI or connection string, "
     "e.g. postgresql://mailsuite@db.example.org/mailsuite. No password here: see "
     "store.password_file.",
     [](Config& c, const Value& v) {
       c.store.url = v.text;
       return std::string();
     }},
    {"store", "password_file", "",
     "A file holding the PostgreSQL password on its first line; empty: libpq's own ways "
     "(~/.pgpass, peer or certificate authentication).",
     PATH_KEY(store.password_file)},
    {"store", "max_connections", "16",
     "PostgreSQL connections each daemon opens at most (sessions beyond wait for one).",
     INT_KEY(store.max_connections, 1, 1000)},
    {"tls", "certificate", "/etc/mailsuite/tls/cert.pem",
     "PEM certificate chain for STARTTLS and the implicit-TLS ports.", PATH_KEY(tls.certificate)},
    {"tls", "private_key", "/etc/mailsuite/tls/key.pem", "PEM private key of the certificate.",
     PATH_KEY(tls.private_key)},
    {"log", "level", "information",
     "fatal, critical, error, warning, notice, information, debug or trace.",
     [](Config& c, const Value& v) {
       static const char* kLevels[] = {"fatal",  "critical",    "error", "warning",
                                       "notice", "information", "debug", "trace"};
       for (const char* l : kLevels)
         if (v.text == l) {
           c.log.level = v.text;
           return std::string();
         }
       return std::string("'" + v.text + "' is not a log level");
     }},
    {"log", "target", "console", "console (standard error, for the journal) or syslog.",
     [](Config& c, const Value& v) {
       if (v.text != "console" && v.text != "syslog")
         return std::string("'" + v.text + "' is not console or syslog");
       c.log.target = v.text;
       return std::string();
     }},
    {"server", "threads", "64",
     "Sessions working at once per daemon; a session waiting for its client holds no thread. "
     "Up to 4x as many (at least 64) may run while some are stalled mid-command.",
     INT_KEY(server.threads, 1, 10000)},
    {"server", "queue", "128",
     "Unused: accepted connections no longer wait for a thread. Kept so older files load.",
     INT_KEY(server.queue, 1, 100000)},
    {"server", "max_connections", "15000",
     "Open connections per daemon; more are refused. Needs as many file descriptors "
     "(LimitNOFILE). From half of it on, stress mode applies server.stress_timeout.",
     INT_KEY(server.max_connections, 2, 1000000)},
    {"server", "stress_timeout", "10",
     "Under stress (half of server.max_connections open), seconds a client that has not "
     "logged in may stay silent (Postfix's stress mode).",
     INT_KEY(server.stress_timeout, 1, 3600)},
    {"server", "send_buffer_kb", "0",
     "Kernel send buffer per connection in KB; 0 lets the kernel size it (up to the maximum of "
     "net.ipv4.tcp_wmem). A small one bounds the kernel memory a crowd of slow readers takes.",
     INT_KEY(server.send_buffer_kb, 0, 65536)},
    {"server", "max_connections_per_ip", "50",
     "Concurrent connections from one address (Thunderbird opens ~5 per account and device).",
     INT_KEY(server.max_connections_per_ip, 1, 100000)},
    {"server", "shutdown_grace_seconds", "10",
     "On SIGTERM, how long sessions may run on before they are cut.",
     INT_KEY(server.shutdown_grace_seconds, 0, 3600)},
    {"server", "ports_file", "",
     "If set, each daemon writes 'name host:port' lines here once it listens (for tests).",
     PATH_KEY(server.ports_file)},
    {"server", "user", "",
     "Started as root, a daemon binds its ports and then runs as this user (empty: stay).",
     [](Config& c, const Value& v) {
       c.server.user = v.text;
       return std::string();
     }},
    {"server", "group", "", "Group to run as with server.user (empty: the user's own group).",
     [](Config& c, const Value& v) {
       c.server.group = v.text;
       return std::string();
     }},
    {"auth", "allow_cleartext", "false",
     "Accept passwords over unencrypted connections from non-loopback peers.",
     BOOL_KEY(auth.allow_cleartext)},
    {"auth", "failure_delay_ms", "2000",
     "Delay after a failed login; doubles with each further failure from the same address.",
     INT_KEY(auth.failure_delay_ms, 0, 60000)},
    {"auth", "cache_seconds", "3600",
     "Remember a verified password this long (keyed digests in memory only), so reconnects "
     "skip the slow hash; 0 turns the cache off.",
     INT_KEY(auth.cache_seconds, 0, 86400)},
    {"auth", "hash_iterations", "3",
     "argon2id passes for new password hashes (user add, user passwd). Existing hashes keep "
     "the cost they were made with.",
     INT_KEY(auth.hash_iterations, 1, 16)},
    {"auth", "hash_memory_kib", "65536",
     "argon2id memory for new password hashes, in KiB: every login costs this much for a "
     "moment. Lower it only on a machine that cannot spare 64 MiB per concurrent login.",
     INT_KEY(auth.hash_memory_kib, 64, 1048576)},
    {"smtp", "listen", "0.0.0.0:25", "Inbound SMTP from other servers (comma-separated).",
     LISTEN_KEY(smtp.listen)},
    {"smtp", "submission_listen", "0.0.0.0:587", "Submission with STARTTLS (RFC 6409).",
     LISTEN_KEY(smtp.submission_listen)},
    {"smtp", "submissions_listen", "0.0.0.0:465", "Submission over implicit TLS (RFC 8314).",
     LISTEN_KEY(smtp.submissions_listen)},
    {"smtp", "max_line_length", "1000",
     "Longest command or text line in octets, CRLF included (RFC 5321 4.5.3.1).",
     INT_KEY(smtp.max_line_length, 512, 1000000)},
    {"smtp", "idle_timeout", "300", "Seconds a client may stay silent (RFC 5321 4.5.3.2.7).",
     INT_KEY(smtp.idle_timeout, 1, 86400)},
    {"smtp", "max_message_size", "52428800", "Largest message accepted, in octets (SIZE).",
     INT_KEY(smtp.max_message_size, 1024, int64_t(1) << 40)},
    {"smtp", "max_recipients", "100", "Recipients per message; more get 452 4.5.3.",
     INT_KEY(smtp.max_recipients, 100, 100000)},
    {"smtp", "max_errors", "10", "Bad commands in one session before 421 and disconnect.",
     INT_KEY(smtp.max_errors, 1, 1000)},
    {"smtp", "max_received_headers", "100",
     "Received: headers a message may carry; more means a mail loop (554 5.4.6, RFC 5321 6.3).",
     INT_KEY(smtp.max_received_headers, 10, 1000)},
    {"smtp", "bare_line_endings", "reject",
     "A bare CR or LF in DATA: reject the message (SMTP smuggling defence) or normalize to CRLF.",
     [](Config& c, const Value& v) {
       if (v.text != "reject" && v.text != "normalize")
         return std::string("'" + v.text + "' is not reject or normalize");
       c.smtp.normalize_bare_line_ends = v.text == "normalize";
       return std::string();
     }},
    {"smtp", "trusted_networks", "127.0.0.0/8, ::1/128",
     "Clients (CIDR, comma-separated) that may relay to other domains without AUTH.",
     PARSED_KEY(smtp.trusted_networks, ParseNetworks)},
    {"smtp", "require_sender_ownership", "true",
     "Submission: MAIL FROM must be the authenticated user's address or alias (else 553 5.7.1).",
     BOOL_KEY(smtp.require_sender_ownership)},
    {"smtp", "authentication_checks", "true",
     "Check SPF, DKIM and DMARC on mail from other servers (port 25, not trusted networks), "
     "record them in an Authentication-Results: field, and apply the sender domain's DMARC "
     "policy: p=quarantine goes to the recipient's Junk folder.",
     [](Config& c, const Value& v) { return ParseBool(v.text, c.smtp.authentication_checks); }},
    {"smtp", "dmarc_reject_policy", "reject",
     "What a message failing a p=reject DMARC policy gets: reject (550 5.7.1 at the end of DATA), "
     "junk (the Junk folder) or none (delivered, with the result recorded).",
     [](Config& c, const Value& v) {
       if (v.text != "reject" && v.text != "junk" && v.text != "none")
         return std::string("'" + v.text + "' is not reject, junk or none");
       c.smtp.dmarc_reject_policy = v.text;
       return std::string();
     }},
    {"smtp", "public_suffix_list", "/usr/share/publicsuffix/public_suffix_list.dat",
     "The Public Suffix List (Debian package publicsuffix), for DMARC's relaxed alignment.",
     PATH_KEY(smtp.public_suffix_list)},
    {"smtp", "milters", "",
     "Content filters for mail from other servers (port 25), in order, over the milter "
     "protocol: inet:HOST:PORT or unix:PATH, comma-separated, each optionally followed by "
     "default_action=, connect_timeout=, command_timeout=, content_timeout= for that filter. "
     "rspamd: inet:127.0.0.1:11332.",
     MILTERS_KEY(smtp.milters)},
    {"smtp", "submission_milters", "",
     "Content filters for mail from our users (ports 587 and 465); the same form as milters.",
     MILTERS_KEY(smtp.submission_milters)},
    {"smtp", "milter_default_action", "tempfail",
     "When a filter cannot be reached or fails: tempfail (4xx, the sender retries), accept "
     "(go on without it) or reject (5xx).",
     [](Config& c, const Value& v) {
       if (!IsMilterAction(v.text))
         return std::string("'" + v.text + "' is not tempfail, accept or reject");
       c.smtp.milter_default_action = v.text;
       return std::string();
     }},
    {"smtp", "milter_connect_timeout", "10", "Seconds to connect to a filter.",
     INT_KEY(smtp.milter_connect_timeout, 1, 3600)},
    {"smtp", "milter_command_timeout", "30",
     "Seconds a filter may take to answer one SMTP event (connect, MAIL, RCPT, a header...).",
     INT_KEY(smtp.milter_command_timeout, 1, 3600)},
    {"smtp", "milter_content_timeout", "300",
     "Seconds a filter may take at the end of a message (its verdict and changes).",
     INT_KEY(smtp.milter_content_timeout, 1, 3600)},
    {"pop3", "listen", "0.0.0.0:110", "POP3 with STLS.", LISTEN_KEY(pop3.listen)},
    {"pop3", "tls_listen", "0.0.0.0:995", "POP3 over implicit TLS.", LISTEN_KEY(pop3.tls_listen)},
    {"pop3", "max_line_length", "1024", "Longest command line in octets.",
     INT_KEY(pop3.max_line_length, 255, 1000000)},
    {"pop3", "idle_timeout", "600", "Seconds of silence before autologout (RFC 1939 3).",
     INT_KEY(pop3.idle_timeout, 1, 86400)},
    {"imap", "listen", "0.0.0.0:143", "IMAP with STARTTLS.", LISTEN_KEY(imap.listen)},
    {"imap", "tls_listen", "0.0.0.0:993", "IMAP over implicit TLS.", LISTEN_KEY(imap.tls_listen)},
    {"imap", "managesieve_listen", "0.0.0.0:4190",
     "ManageSieve (RFC 5804, with STARTTLS), where users edit their Sieve filters; served by "
     "mailsuite-imapd. Empty: none.",
     LISTEN_KEY(imap.managesieve_listen)},
    {"imap", "max_line_length", "65536", "Longest command line in octets, literals excluded.",
     INT_KEY(imap.max_line_length, 1024, 100000000)},
    {"imap", "max_literal_size", "52428800",
     "Largest literal (APPEND message) in octets; IMAP advertises it as APPENDLIMIT.",
     INT_KEY(imap.max_literal_size, 1024, int64_t(1) << 40)},
    {"imap", "idle_timeout", "1800",
     "Seconds of silence before autologout; at least 30 minutes (RFC 3501 5.4).",
     INT_KEY(imap.idle_timeout, 1800, 86400)},
    {"imap", "max_connections_per_user", "30",
     "Logged-in IMAP sessions one user may hold at once (Thunderbird opens about 5 per device); "
     "the login that would exceed it is refused with NO [LIMIT].",
     INT_KEY(imap.max_connections_per_user, 1, 100000)},
    {"queue", "retry_interval", "1800",
     "Seconds between delivery attempts after a temporary failure (30 minutes).",
     INT_KEY(queue.retry_interval, 1, 86400)},
    {"queue", "max_lifetime", "432000",
     "Seconds a message may stay undelivered before it is bounced (5 days).",
     INT_KEY(queue.max_lifetime, 1, 8640000)},
    {"queue", "scan_interval", "30", "Seconds between queue scans when nothing new arrives.",
     INT_KEY(queue.scan_interval, 1, 3600)},
    {"queue", "claim_lease", "300",
     "Seconds a queue runner's claim on the recipients it is delivering lasts; renewed while "
     "it works, so another runner (of another node on a PostgreSQL store) retakes them only "
     "after the claimant died.",
     INT_KEY(queue.claim_lease, 3, 86400)},
    {"queue", "runner_name", "",
     "Names this node's queue runner in its claims; on start it takes back what it claimed "
     "before it stopped. Empty: the machine's host name (two nodes on one machine need two "
     "names).",
     [](Config& c, const Value& v) {
       c.queue.runner_name = v.text;
       return std::string();
     }},
    {"dns", "servers", "",
     "DNS servers as host:port, comma-separated; empty uses /etc/resolv.conf.",
     LISTEN_KEY(dns.servers)},
    {"dns", "timeout_ms", "5000", "Time allowed for one DNS query (milliseconds).",
     INT_KEY(dns.timeout_ms, 100, 60000)},
    {"relay", "port", "25", "SMTP port of remote mail servers.", INT_KEY(relay.port, 1, 65535)},
    {"relay", "smarthost", "",
     "Send all outbound mail through this server (host:port, e.g. [smtp.provider.example]:587) "
     "instead of looking up MX records; TLS is then required.",
     [](Config& c, const Value& v) {
       if (!v.text.empty()) {
         auto r = ParseEndpoints(v.text);
         if (!r) return r.error();
         if (r->size() != 1) return std::string("give exactly one host:port");
       }
       c.relay.smarthost = v.text;
       return std::string();
     }},
    {"relay", "smarthost_user", "", "Login for the smarthost (AUTH PLAIN); empty for none.",
     [](Config& c, const Value& v) {
       c.relay.smarthost_user = v.text;
       return std::string();
     }},
    {"relay", "smarthost_password_file", "", "File holding the smarthost password (one line).",
     PATH_KEY(relay.smarthost_password_file)},
    {"relay", "tls", "may",
     "STARTTLS towards MX hosts: none, may (when offered), encrypt (required), verify "
     "(required, with a valid certificate for the host name).",
     [](Config& c, const Value& v) {
       static const std::pair<const char*, TlsPolicy> kPolicies[] = {
           {"none", TlsPolicy::kNone},
           {"may", TlsPolicy::kMay},
           {"encrypt", TlsPolicy::kEncrypt},
           {"verify", TlsPolicy::kVerify}};
       for (const auto& [name, policy] : kPolicies)
         if (v.text == name) {
           c.relay.tls = policy;
           return std::string();
         }
       return std::string("'" + v.text + "' is not none, may, encrypt or verify");
     }},
    {"relay", "max_connections", "20", "Outbound deliveries running at once.",
     INT_KEY(relay.max_connections, 1, 1000)},
    {"relay", "max_per_destination", "10", "Outbound connections to one domain at once.",
     INT_KEY(relay.max_per_destination, 1, 1000)},
    {"relay", "mta_sts", "true",
     "Honour MTA-STS (RFC 8461): a recipient domain whose policy says enforce gets mail only "
     "over TLS with a valid certificate, to the MX hosts the policy names, or the mail waits.",
     [](Config& c, const Value& v) { return ParseBool(v.text, c.relay.mta_sts); }},
    {"relay", "mta_sts_port", "443", "HTTPS port MTA-STS policies are fetched from.",
     INT_KEY(relay.mta_sts_port, 1, 65535)},
    {"relay", "tls_ca_file", "",
     "PEM file of CA certificates trusted besides the system's, for relay.tls = verify and "
     "MTA-STS (a private CA; empty: the system's only).",
     PATH_KEY(relay.tls_ca_file)},
    {"dkim", "key_dir", "",
     "DKIM signing keys, one folder per domain (mailsuite dkim keygen writes them); mail from a "
     "local sender is signed for its From: domain when a key for it is here. Empty: the folder "
     "dkim beside store.path.",
     PATH_KEY(dkim.key_dir)},
    {"spam", "junk_header", "X-Spam: Yes",
     "A header field that sends a message to the recipient's Junk folder, as a filter leaves "
     "it (rspamd's \"add header\" action adds X-Spam: Yes): \"Name: value\", the value "
     "compared case-insensitively; empty: none.",
     [](Config& c, const Value& v) {
       if (!v.text.empty() && (v.text.find(':') == std::string::npos || v.text[0] == ':'))
         return std::string("'" + v.text + "' is not Name: value");
       c.spam.junk_header = v.text;
       size_t colon = v.text.find(':');
       c.spam.junk_header_name = v.text.empty() ? "" : Trim(v.text.substr(0, colon));
       c.spam.junk_header_value = v.text.empty() ? "" : Trim(v.text.substr(colon + 1));
       return std::string();
     }},
    {"spam", "learn_url", "",
     "rspamd's controller, http:// only (http://127.0.0.1:11334): a message a user moves into Junk "
     "over IMAP "
     "is reported there as spam (/learnspam), one moved out of Junk as ham (/learnham), in the "
     "background. Empty: no learning.",
     [](Config& c, const Value& v) {
       if (!v.text.empty() && v.text.rfind("http://", 0) != 0)
         return std::string("'" + v.text + "' is not an http:// URL");
       c.spam.learn_url = v.text;
       return std::string();
     }},
    {"spam", "learn_password_file", "",
     "The controller's password (its first line), when learn_url needs one.",
     PATH_KEY(spam.learn_password_file)},
    {"quota", "storage", "0",
     "How much mail a user may keep, for users without a limit of their own (mailsuite user quota "
     "ADDRESS SIZE): octets, or with K, M, G or T (binary: 2G is 2 GiB). 0: no limit.",
     [](Config& c, const Value& v) {
       std::optional<uint64_t> size = ParseByteSize(v.text);
       if (!size) return std::string("'" + v.text + "' is not a size (such as 0, 500M or 2G)");
       c.quota.storage = *size;
       return std::string();
     }},
    {"quota", "messages", "0",
     "How many messages a user may keep, for users without a limit of their own. 0: no limit.",
     INT_KEY(quota.messages, 0, uint64_t(1) << 62)},
    {"metrics", "listen", "",
     "Monitoring over HTTP: where each daemon serves /metrics (Prometheus), /healthz and "
     "/readyz, as daemon=host:port items, e.g. mta=127.0.0.1:9150, pop3d=127.0.0.1:9151, "
     "imapd=127.0.0.1:9152. Empty: none. Keep it on loopback or set metrics.password_file.",
     PARSED_KEY(metrics.listen, ParseDaemonEndpoints)},
    {"metrics", "password_file", "",
     "A file whose first line is the password /metrics asks for (HTTP basic authentication, any "
     "user name); empty: none. /healthz and /readyz never ask.",
     PATH_KEY(metrics.password_file)},
};

const KeySpec* FindKey(std::string_view section, std::string_view key) {
  for (const KeySpec& k : kKeys)
    if (k.section == section && k.key == key) return &k;
  return nullptr;
}

// Splits "section.key=value".
bool SplitOverride(const std::string& text, std::string& section, std::string& key,
                   std::string& value) {
  size_t eq = text.find('=');
  if (eq == std::string::npos) return false;
  std::string name = Trim(std::string_view(text).substr(0, eq));
  size_t dot = name.find('.');
  if (dot == std::string::npos) return false;
  section = name.substr(0, dot);
  key = name.substr(dot + 1);
  value = Trim(std::string_view(text).substr(eq + 1));
  return true;
}

}  // namespace

std::string Endpoint::ToString() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

Result<std::vector<Endpoint>> ParseEndpoints(std::string_view text) {
  std::vector<Endpoint> out;
  std::string rest(text);
  std::stringstream ss(rest);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item = Trim(item);
    if (item.empty()) continue;
    Endpoint ep;
    std::string port_text;
    if (item.front() == '[') {
      size_t close = item.find(']');
      if (close == std::string::npos || close + 1 >= item.size() || item[close + 1] != ':')
        return Status::Error("'" + item + "' is not [address]:port");
      ep.host = item.substr(1, close - 1);
      port_text = item.substr(close + 2);
    } else {
      size_t colon = item.rfind(':');
      if (colon == std::string::npos || item.find(':') != colon)
        return Status::Error("'" + item + "' is not host:port");
      ep.host = item.substr(0, colon);
      port_text = item.substr(colon + 1);
    }
    if (ep.host.empty()) return Status::Error("'" + item + "' has no address");
    std::string err = ParseInt(port_text, uint16_t(0), uint16_t(65535), ep.port);
    if (!err.empty()) return Status::Error("port in '" + item + "': " + err);
    out.push_back(ep);
  }
  return out;
}

const Endpoint* MetricsConfig::For(std::string_view daemon) const {
  for (const auto& [name, endpoint] : listen)
    if (name == daemon) return &endpoint;
  return nullptr;
}

Result<std::vector<std::pair<std::string, Endpoint>>> ParseDaemonEndpoints(std::string_view text) {
  std::vector<std::pair<std::string, Endpoint>> out;
  std::stringstream ss{std::string(text)};
  std::string item;
  while (std::getline(ss, item, ',')) {
    item = Trim(item);
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string::npos) return Status::Error("'" + item + "' is not daemon=host:port");
    std::string daemon = Trim(std::string_view(item).substr(0, eq));
    if (daemon != "mta" && daemon != "pop3d" && daemon != "imapd")
      return Status::Error("'" + daemon + "' is not a daemon (mta, pop3d or imapd)");
    for (const auto& [name, endpoint] : out)
      if (name == daemon) return Status::Error(daemon + " is named twice");
    auto endpoints = ParseEndpoints(std::string_view(item).substr(eq + 1));
    if (!endpoints) return endpoints.status();
    if (endpoints->size() != 1) return Status::Error("'" + item + "' is not daemon=host:port");
    out.emplace_back(daemon, endpoints->front());
  }
  return out;
}

Result<Config> ParseConfig(std::string_view text, const std::string& file_name,
                           const std::string& base_dir, const std::vector<std::string>& overrides) {
  Config config;
  config.source = file_name;
  for (const KeySpec& k : kKeys) {
    std::string err = k.apply(config, Value{std::string(k.default_value), ""});
    if (!err.empty())  // a broken default is a programming error, but say so plainly
      return Status::Error("built-in default of " + std::string(k.section) + "." +
                           std::string(k.key) + ": " + err);
  }

  std::string section;
  std::istringstream in{std::string(text)};
  std::string raw;
  int line_no = 0;
  while (std::getline(in, raw)) {
    ++line_no;
    std::string line = Trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    std::string where = file_name + ":" + std::to_string(line_no) + ": ";
    if (line.front() == '[') {
      if (line.back() != ']') return Status::Error(where + "malformed section header");
      section = Trim(std::string_view(line).substr(1, line.size() - 2));
      bool known = false;
      for (const KeySpec& k : kKeys) known = known || k.section == section;
      if (!known) return Status::Error(where + "unknown section [" + section + "]");
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string::npos) return Status::Error(where + "expected key = value");
    std::string key = Trim(std::string_view(line).substr(0, eq));
    std::string value = Trim(std::string_view(line).substr(eq + 1));
    if (section.empty()) return Status::Error(where + "key '" + key + "' is outside a [section]");
    const KeySpec* spec = FindKey(section, key);
    if (!spec) return Status::Error(where + "unknown key " + section + "." + key);
    std::string err = spec->apply(config, Value{value, base_dir});
    if (!err.empty()) return Status::Error(where + section + "." + key + ": " + err);
  }

  for (const std::string& o : overrides) {
    std::string sec, key, value;
    if (!SplitOverride(o, sec, key, value))
      return Status::Error("--set '" + o + "': expected section.key=value");
    const KeySpec* spec = FindKey(sec, key);
    if (!spec) return Status::Error("--set: unknown key " + sec + "." + key);
    std::string err = spec->apply(config, Value{value, std::filesystem::current_path().string()});
    if (!err.empty()) return Status::Error("--set " + sec + "." + key + ": " + err);
  }
  if (config.store.backend == "postgresql" && config.store.url.empty())
    return Status::Error(config.source + ": store.backend = postgresql needs store.url");
  // Derived defaults: the keys live beside the database unless told otherwise.
  if (config.dkim.key_dir.empty())
    config.dkim.key_dir = (std::filesystem::path(config.store.path).parent_path() / "dkim")
                              .lexically_normal()
                              .string();
  return config;
}

Result<Config> LoadConfig(const std::string& path, const std::vector<std::string>& overrides) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(path + ": cannot read the configuration file");
  std::stringstream buf;
  buf << in.rdbuf();
  std::filesystem::path abs = std::filesystem::absolute(path);
  return ParseConfig(buf.str(), path, abs.parent_path().string(), overrides);
}

Status CheckOverrides(const std::vector<std::string>& overrides) {
  auto config = ParseConfig("", "--set", std::filesystem::current_path().string(), overrides);
  return config ? Status::Ok() : config.status();
}

std::string RenderConfig(const std::vector<std::string>& values) {
  std::map<std::string, std::string> chosen;
  for (const std::string& v : values) {
    std::string sec, key, value;
    if (SplitOverride(v, sec, key, value)) chosen[sec + "." + key] = value;
  }
  std::string out =
      "# mailsuite configuration. Every key is listed with its default; a daemon refuses to\n"
      "# start on an unknown key or a bad value. Override any key on the command line with\n"
      "# --set section.key=value.\n";
  std::string_view section;
  for (const KeySpec& k : kKeys) {
    if (k.section != section) {
      section = k.section;
      out += "\n[" + std::string(section) + "]\n";
    }
    auto it = chosen.find(std::string(k.section) + "." + std::string(k.key));
    std::string value = it != chosen.end() ? it->second : std::string(k.default_value);
    out += "# " + std::string(k.help) +
           " Default: " + (k.default_value.empty() ? "(empty)" : std::string(k.default_value)) +
           "\n";
    out += std::string(k.key) + " = " + value + "\n";
  }
  return out;
}

}  // namespace mailsuite
