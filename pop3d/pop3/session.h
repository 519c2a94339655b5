// Pop3Session: one POP3 conversation (RFC 1939) as an explicit state machine
//   authorization -> (USER) user-given -> (PASS/AUTH) transaction -> (QUIT) update
// The session keeps only dispatch and state; each command family lives in commands/*.cpp and
// is listed in the command table (session.cpp) with the states it is allowed in. A dropped
// connection, a timeout or too many bad commands end the session without UPDATE, so nothing
// marked deleted is removed. Runs over any LineConnection, so tests can drive it in memory.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "maildrop.h"
#include "shared/auth/sasl.h"
#include "shared/config.h"
#include "shared/logging.h"
#include "shared/net/line_server.h"
#include "store/store.h"

namespace mailsuite::auth {
class AuthFailureTracker;
}

namespace mailsuite::pop3d {

enum class Pop3State { kAuthorization, kUserGiven, kTransaction, kUpdate };
const char* StateName(Pop3State state);

// Bad commands (unknown, wrong state, bad syntax, failed logins) before the session is closed.
inline constexpr int kMaxBadCommands = 10;

// What every session of the daemon shares. Owned by the daemon; outlives all sessions.
struct Pop3Services {
  const Config& config;
  store::Store& store;
  auth::AuthFailureTracker& auth_failures;
};

class Pop3Session : public net::Session {
 public:
  Pop3Session(Pop3Services& services, net::LineConnection& conn, const net::ConnectionInfo& info);
  Pop3Session(const Pop3Session&) = delete;
  Pop3Session& operator=(const Pop3Session&) = delete;

  // The conversation on the calling thread (tests); the daemon's server calls Step instead.
  void Run();
  // From the greeting (kStart), or from the end of a park while the client was quiet, until
  // the session ends or parks again.
  net::SessionStep Step(net::WakeReason reason) override;

  // ---- for command handlers --------------------------------------------------------------
  void Ok(std::string_view text);   // "+OK text"
  void Err(std::string_view text);  // "-ERR text"
  // Raw output: the first piece of a multi-line answer ("+OK …\r\n…") counts its command.
  void Write(std::string_view data);
  void EnterState(Pop3State next);
  Pop3State state() const { return state_; }
  // Counts a bad command; after kMaxBadCommands the session answers -ERR and ends.
  void CountError();
  void Close() { closing_ = true; }
  // QUIT after UPDATE: the maildrop is free before the client reads "+OK", so a client that
  // reconnects at once is not told [IN-USE] by the session that is still closing.
  void ReleaseMaildrop() { lock_.reset(); }
  // Whether USER/PASS/AUTH may be used now: TLS is up, or the peer is on loopback, or the
  // config allows cleartext passwords.
  bool AuthAllowedNow() const;
  // After the credentials are verified: locks the maildrop, reads its message list, answers,
  // and enters TRANSACTION; on failure answers -ERR and stays in AUTHORIZATION.
  void ProceedToTransaction(const store::User& user);

  Pop3Services& services;
  net::LineConnection& conn() { return conn_; }
  const net::ConnectionInfo& info() const { return info_; }
  const SessionLog& log() const { return log_; }
  store::Store& store() { return services.store; }

  // AUTH waiting for the client's answer to a "+ " challenge: the session reads that line
  // (between parks, like a command; never logged) and hands it to HandleSaslResponse.
  std::optional<auth::SaslExchange> sasl;
  std::string pending_user;  // the USER argument, in kUserGiven
  std::string user_address;  // the logged-in user, from TRANSACTION on
  std::optional<Maildrop> maildrop;

 private:
  void Dispatch(const std::string& line);
  net::SessionStep End();
  net::SessionStep TimedOut();  // the autologout timer ran out

  net::LineConnection& conn_;
  const net::ConnectionInfo& info_;
  SessionLog log_;
  std::unique_ptr<store::MaildropLock> lock_;  // held from TRANSACTION on
  Pop3State state_ = Pop3State::kAuthorization;
  int errors_ = 0;
  bool closing_ = false;
  // The command whose +OK or -ERR is still to come (mailsuite_commands_total): a keyword of the
  // command table, "unknown", or null between commands.
  const char* command_ = nullptr;
};

// One handler per command (commands/*.cpp). `argument` is the text after the keyword.
void HandleCapa(Pop3Session& s, const std::string& argument);
void HandleStls(Pop3Session& s, const std::string& argument);
void HandleUser(Pop3Session& s, const std::string& argument);
void HandlePass(Pop3Session& s, const std::string& argument);
void HandleAuth(Pop3Session& s, const std::string& argument);
// The client's line after a "+ " challenge; null when it was over-long.
void HandleSaslResponse(Pop3Session& s, const std::string* line);
void HandleStat(Pop3Session& s, const std::string& argument);
void HandleList(Pop3Session& s, const std::string& argument);
void HandleUidl(Pop3Session& s, const std::string& argument);
void HandleRetr(Pop3Session& s, const std::string& argument);
void HandleTop(Pop3Session& s, const std::string& argument);
void HandleDele(Pop3Session& s, const std::string& argument);
void HandleRset(Pop3Session& s, const std::string& argument);
void HandleNoop(Pop3Session& s, const std::string& argument);
void HandleQuit(Pop3Session& s, const std::string& argument);

}  // namespace mailsuite::pop3d
