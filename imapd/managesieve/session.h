// ManageSieveSession: one ManageSieve conversation (RFC 5804) as an explicit state machine
//   non-authenticated -> (AUTHENTICATE) authenticated -> (LOGOUT) closed
// where users put, check, list, fetch, activate, rename and delete their Sieve scripts. It
// runs inside mailsuite-imapd on its own listener (port 4190) and shares imapd's store and
// login throttling. The session keeps only framing, dispatch and state; each command family
// lives in commands/*.cpp, listed in the command table (session.cpp) with the states it is
// allowed in. Runs over any LineConnection, so tests can drive it in memory.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "arguments.h"
#include "shared/auth/sasl.h"
#include "shared/config.h"
#include "shared/logging.h"
#include "shared/net/line_server.h"
#include "store/store.h"

namespace mailsuite::auth {
class AuthFailureTracker;
}

namespace mailsuite::managesieve {

enum class State { kNonAuthenticated, kAuthenticated };

// Bad commands (unknown, wrong state, bad syntax, failed logins) before the session is closed.
inline constexpr int kMaxBadCommands = 10;
// Scripts one user may keep (HAVESPACE and PUTSCRIPT answer QUOTA/MAXSCRIPTS past it).
inline constexpr size_t kMaxScriptsPerUser = 100;
// A literal larger than a script may be is drained unread up to this size; past it, or before
// login past kMaxLiteralBeforeLogin (only AUTHENTICATE takes one then), the session ends.
inline constexpr uint64_t kMaxDrainedLiteral = 16u << 20;
inline constexpr uint64_t kMaxLiteralBeforeLogin = 4096;
// How long a client may pause in the middle of a command (inside a literal, or before the line
// that follows one) before the session ends.
inline constexpr std::chrono::seconds kMidCommandTimeout{60};

struct ManageSieveServices {
  const Config& config;
  store::Store& store;
  auth::AuthFailureTracker& auth_failures;
};

using Arguments = std::vector<Token>;  // what follows the command name

// The command being read, kept across parks: a client that stops inside a literal holds no
// thread, as a quiet one between commands does not.
struct PartialCommand {
  Arguments tokens;
  int literals = 0;
  bool in_literal = false;  // octets of a literal come next; else a line
  uint64_t literal_left = 0;
  std::string literal;
  bool oversized = false;  // a literal over the limit was drained: the command is refused
};

class ManageSieveSession : public net::Session {
 public:
  ManageSieveSession(ManageSieveServices& services, net::LineConnection& conn,
                     const net::ConnectionInfo& info);
  ManageSieveSession(const ManageSieveSession&) = delete;
  ManageSieveSession& operator=(const ManageSieveSession&) = delete;

  // The conversation on the calling thread (tests); the daemon's server calls Step instead.
  void Run();
  net::SessionStep Step(net::WakeReason reason) override;

  // ---- for command handlers --------------------------------------------------------------
  void Ok(std::string_view text = "", std::string_view code = "");
  void No(std::string_view text, std::string_view code = "");
  void Write(std::string_view data) { conn_.Write(data); }
  // The capability lines and "OK" (the greeting, CAPABILITY, and again after STARTTLS).
  void WriteCapabilities();
  State state() const { return state_; }
  void EnterState(State next);
  // Counts a bad command; after kMaxBadCommands the session says BYE and ends.
  void CountError();
  void Close() { closing_ = true; }
  // After STARTTLS: the capabilities go out again once TLS is up (RFC 5804 2.2).
  void CapabilitiesAfterTls() { capabilities_after_tls_ = true; }
  // Whether a password may be sent now: TLS is up, the peer is on loopback, or the config
  // allows cleartext passwords.
  bool AuthAllowedNow() const;
  // The largest script accepted (the Sieve compiler's own limit).
  size_t max_script_size() const;

  ManageSieveServices& services;
  net::LineConnection& conn() { return conn_; }
  const net::ConnectionInfo& info() const { return info_; }
  const SessionLog& log() const { return log_; }
  store::Store& store() { return services.store; }

  // AUTHENTICATE waiting for the client's answer to a challenge: the next command line is that
  // answer, a string (never logged), handed to HandleSaslResponse.
  std::optional<auth::SaslExchange> sasl;
  std::optional<store::User> user;  // from AUTHENTICATED on

 private:
  enum class Read {
    kCommand,   // `tokens` holds a whole command
    kMore,      // part of one was read; the rest comes later
    kAnswered,  // a malformed or too-large command was refused
    kEnd,       // the connection is over
  };
  // Reads what has come of the next command: a line, or a piece of a literal.
  Read ReadCommand(Arguments& tokens);
  Read ReadLiteralPiece();
  void Dispatch(Arguments tokens);
  void SendCapabilitiesOnceTlsIsUp();
  net::SessionStep End();

  net::LineConnection& conn_;
  const net::ConnectionInfo& info_;
  SessionLog log_;
  State state_ = State::kNonAuthenticated;
  int errors_ = 0;
  // The command whose OK or NO is still to come (mailsuite_commands_total): a name of the
  // command table, "unknown", or null between commands.
  const char* command_ = nullptr;
  bool closing_ = false;
  bool capabilities_after_tls_ = false;
  std::optional<PartialCommand> partial_;
};

// One handler per command (commands/*.cpp).
void HandleCapability(ManageSieveSession& s, const Arguments& args);
void HandleNoop(ManageSieveSession& s, const Arguments& args);
void HandleLogout(ManageSieveSession& s, const Arguments& args);
void HandleStartTls(ManageSieveSession& s, const Arguments& args);
void HandleAuthenticate(ManageSieveSession& s, const Arguments& args);
// The client's answer to a challenge; null when it was not a single string.
void HandleSaslResponse(ManageSieveSession& s, const Arguments* answer);
void HandlePutScript(ManageSieveSession& s, const Arguments& args);
void HandleCheckScript(ManageSieveSession& s, const Arguments& args);
void HandleHaveSpace(ManageSieveSession& s, const Arguments& args);
void HandleListScripts(ManageSieveSession& s, const Arguments& args);
void HandleGetScript(ManageSieveSession& s, const Arguments& args);
void HandleSetActive(ManageSieveSession& s, const Arguments& args);
void HandleDeleteScript(ManageSieveSession& s, const Arguments& args);
void HandleRenameScript(ManageSieveSession& s, const Arguments& args);

// For handlers: true when `args` are exactly `count` strings; otherwise answers NO with the
// command's syntax and counts an error.
bool ExpectStrings(ManageSieveSession& s, const Arguments& args, size_t count,
                   std::string_view syntax);

}  // namespace mailsuite::managesieve
