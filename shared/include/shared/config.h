// Configuration: one INI file plus `--set section.key=value` overrides, validated once at start
// into typed structs. Every key has one default and one line of help in the key table
// (config.cpp); the sample file etc/mailsuite.conf is rendered from that table, so the
// documentation cannot drift from the code. Nothing here opens sockets or the store.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shared/net/cidr.h"
#include "shared/result.h"

namespace mailsuite {

// One address to listen on, e.g. "127.0.0.1:2525" or "[::1]:143". Port 0 asks the kernel
// for a free port (the daemon reports the real one in server.ports_file).
struct Endpoint {
  std::string host;
  uint16_t port = 0;
  std::string ToString() const;
};

struct GeneralConfig {
  std::string hostname;  // the name in greetings and Received: headers
};

struct StoreConfig {
  std::string backend;        // "sqlite" or "postgresql"
  std::string path;           // the SQLite database file
  std::string url;            // the PostgreSQL database (libpq URI or connection string)
  std::string password_file;  // its password, first line; empty: libpq's own
  int max_connections = 0;    // PostgreSQL connections per process
  int busy_timeout_ms = 0;
};

struct TlsConfig {
  std::string certificate;  // PEM chain; empty disables STARTTLS and the implicit-TLS ports
  std::string private_key;  // PEM key
};

struct LogConfig {
  std::string level;   // fatal .. trace (Poco levels)
  std::string target;  // "console" or "syslog"
};

struct ServerConfig {
  int threads = 0;                 // worker threads per daemon
  int queue = 0;                   // unused (connections wait without a thread)
  int max_connections = 0;         // open connections per daemon
  int stress_timeout = 0;          // pre-login silence allowed under stress, seconds
  int max_connections_per_ip = 0;  // concurrent connections from one address
  int send_buffer_kb = 0;          // SO_SNDBUF per connection; 0: the kernel sizes it
  int shutdown_grace_seconds = 0;  // how long SIGTERM waits for sessions to finish
  std::string ports_file;          // where to write "name host:port" lines once bound
  std::string user;                // started as root: run as this user after binding
  std::string group;               // and this group (default: the user's primary group)
};

struct AuthConfig {
  bool allow_cleartext = false;  // allow passwords over plaintext from non-loopback peers
  int failure_delay_ms = 0;      // first delay after a failed login; doubles per failure
  int cache_seconds = 0;         // verification cache TTL (auth::SetVerifyCache); 0 = off
  int hash_iterations = 3;       // argon2id cost of new password hashes (auth::SetPasswordCost)
  int hash_memory_kib = 65536;
};

// One content filter the MTA consults over the milter protocol, as written in smtp.milters:
// "inet:127.0.0.1:11332" or "unix:/run/rspamd/milter.sock", then optional overrides of the
// smtp.milter_* settings: "default_action=accept command_timeout=10".
struct MilterSpec {
  std::string address;  // as written, for logs
  Endpoint inet;        // inet: host and port
  std::string path;     // unix: the socket
  // Empty or 0: the smtp.milter_* setting.
  std::string default_action;  // "tempfail", "accept" or "reject": when the filter fails
  int connect_timeout = 0;     // seconds
  int command_timeout = 0;
  int content_timeout = 0;
};

struct SmtpConfig {
  std::vector<Endpoint> listen;              // port 25: inbound mail from other servers
  std::vector<Endpoint> submission_listen;   // port 587: STARTTLS submission (RFC 6409)
  std::vector<Endpoint> submissions_listen;  // port 465: implicit TLS (RFC 8314)
  int max_line_length = 0;
  int idle_timeout = 0;
  int64_t max_message_size = 0;
  int max_recipients = 0;                      // per message (RFC 5321 4.5.3.1.8: at least 100)
  int max_errors = 0;                          // bad commands before 421 and close
  int max_received_headers = 0;                // more is a mail loop (554 5.4.6)
  bool normalize_bare_line_ends = false;       // else a bare CR or LF in DATA rejects the message
  std::vector<net::Network> trusted_networks;  // may relay to other domains without AUTH
  bool require_sender_ownership = true;        // submission: MAIL FROM must be the user's address
  bool authentication_checks = true;           // SPF/DKIM/DMARC on mail from strangers (port 25)
  std::string dmarc_reject_policy;             // "reject", "junk" or "none" for p=reject failures
  std::string public_suffix_list;              // for DMARC's Organizational Domains
  std::vector<MilterSpec> milters;             // port 25, in order
  std::vector<MilterSpec> submission_milters;  // ports 587 and 465
  std::string milter_default_action;           // what a failed filter means (MilterSpec)
  int milter_connect_timeout = 0;
  int milter_command_timeout = 0;
  int milter_content_timeout = 0;
};

struct Pop3Config {
  std::vector<Endpoint> listen;      // port 110 (STLS)
  std::vector<Endpoint> tls_listen;  // port 995 (implicit TLS)
  int max_line_length = 0;
  int idle_timeout = 0;
};

struct ImapConfig {
  std::vector<Endpoint> listen;              // port 143 (STARTTLS)
  std::vector<Endpoint> tls_listen;          // port 993 (implicit TLS)
  std::vector<Endpoint> managesieve_listen;  // port 4190 (ManageSieve, RFC 5804, STARTTLS)
  int max_line_length = 0;
  int64_t max_literal_size = 0;
  int idle_timeout = 0;
  int max_connections_per_user = 0;  // logged-in sessions of one user in one imapd
};

struct QueueConfig {
  int retry_interval = 0;   // seconds between attempts after a temporary failure
  int max_lifetime = 0;     // seconds before a still-undelivered recipient is bounced
  int scan_interval = 0;    // seconds between queue scans when nothing wakes the runner
  int claim_lease = 0;      // seconds a runner's claim on due recipients lasts unless renewed
  std::string runner_name;  // whose claims they are; empty: the machine's host name
};

struct DnsConfig {
  std::vector<Endpoint> servers;  // empty: the system's resolvers (/etc/resolv.conf)
  int timeout_ms = 0;
};

enum class TlsPolicy { kNone, kMay, kEncrypt, kVerify };

struct RelayConfig {
  int port = 0;           // remote SMTP port (25; tests use another)
  std::string smarthost;  // "[host]:port" or "host:port": send everything there
  std::string smarthost_user;
  std::string smarthost_password_file;  // one line; keeps the secret out of the config file
  TlsPolicy tls = TlsPolicy::kMay;      // for MX delivery; a smarthost always needs encryption
  int max_connections = 0;              // concurrent outbound deliveries
  int max_per_destination = 0;          // of which to one domain
  bool mta_sts = true;                  // honour the recipient domains' MTA-STS policies
  int mta_sts_port = 0;                 // HTTPS port of mta-sts.<domain> (443; tests use another)
  std::string tls_ca_file;              // CAs trusted besides the system's (verify, MTA-STS)
};

struct DkimConfig {
  std::string key_dir;  // <domain>/<selector>.key files (shared/mail/dkim_keys.h)
};

// The limits of users without their own (mailsuite user quota); 0: none.
struct QuotaConfig {
  uint64_t storage = 0;   // octets of all of a user's messages
  uint64_t messages = 0;  // how many messages a user may keep
};

// What filters' verdicts mean for delivery, and where users' corrections are reported.
struct SpamConfig {
  std::string junk_header;       // "X-Spam: Yes": a filter's verdict that sends mail to Junk
  std::string junk_header_name;  // its two halves, trimmed ("X-Spam", "Yes"); empty: none
  std::string junk_header_value;
  std::string learn_url;            // rspamd's controller; empty: no learning
  std::string learn_password_file;  // its password, first line; empty: none
};

// Each daemon's monitoring listener (metrics/http_endpoint.h), by daemon: "mta", "pop3d",
// "imapd". A daemon without an entry serves none.
struct MetricsConfig {
  std::vector<std::pair<std::string, Endpoint>> listen;
  std::string password_file;  // HTTP basic authentication for /metrics, first line; empty: none
  // The endpoint of `daemon`, or null.
  const Endpoint* For(std::string_view daemon) const;
};

struct Config {
  std::string source;  // the file it was read from, for messages
  GeneralConfig general;
  StoreConfig store;
  TlsConfig tls;
  LogConfig log;
  ServerConfig server;
  AuthConfig auth;
  SmtpConfig smtp;
  Pop3Config pop3;
  ImapConfig imap;
  QueueConfig queue;
  DnsConfig dns;
  RelayConfig relay;
  DkimConfig dkim;
  SpamConfig spam;
  QuotaConfig quota;
  MetricsConfig metrics;
};

// Reads `path` and applies `overrides` ("section.key=value"). Relative paths in the file are
// taken relative to the file's folder; relative paths in overrides to the working directory.
// Errors name the file, the line or the key, and what is wrong.
Result<Config> LoadConfig(const std::string& path, const std::vector<std::string>& overrides);

// The same on text already in memory (pure; used by tests). `base_dir` resolves relative paths.
Result<Config> ParseConfig(std::string_view text, const std::string& file_name,
                           const std::string& base_dir, const std::vector<std::string>& overrides);

// The documented sample: every key with its default and meaning. `values` replaces defaults
// ("section.key=value" entries), which is how `mailsuite init` writes a working file. Entries
// that are not section.key=value or name no key are skipped: check them first with
// CheckOverrides.
std::string RenderConfig(const std::vector<std::string>& values);

// The error a daemon would give for these --set values on top of the defaults: an entry that
// is not section.key=value, an unknown key, or a bad value.
Status CheckOverrides(const std::vector<std::string>& overrides);

// "host:port" or "[v6]:port" list, comma-separated; empty text is an empty list.
Result<std::vector<Endpoint>> ParseEndpoints(std::string_view text);
// metrics.listen: "daemon=host:port" items, comma-separated, each daemon at most once.
Result<std::vector<std::pair<std::string, Endpoint>>> ParseDaemonEndpoints(std::string_view text);
// smtp.milters: comma-separated MilterSpecs.
Result<std::vector<MilterSpec>> ParseMilters(std::string_view text);
// "tempfail", "accept" or "reject".
bool IsMilterAction(std::string_view text);

}  // namespace mailsuite
