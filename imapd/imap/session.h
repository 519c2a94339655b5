// ImapSession: one IMAP4rev1 conversation (RFC 3501) as an explicit state machine
//   not-authenticated -> (LOGIN/AUTHENTICATE) authenticated <-> (SELECT/CLOSE) selected
//   -> (LOGOUT) logout
// The session keeps dispatch, state, literal reading and the selected mailbox's view; each
// command family lives in commands/*.cpp and is listed in the command table (session.cpp) with
// the states it is allowed in. Runs over any LineConnection, so tests can drive it in memory.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "mailbox_cache.h"
#include "mailbox_view.h"
#include "parser/command_framer.h"
#include "parser/command_parser.h"
#include "shared/auth/sasl.h"
#include "shared/config.h"
#include "shared/logging.h"
#include "shared/metrics/registry.h"
#include "shared/net/line_server.h"
#include "store/store.h"
#include "user_connections.h"

namespace mailsuite::auth {
class AuthFailureTracker;
}

namespace mailsuite::imapd {

class SpamLearner;

enum class ImapState { kNotAuthenticated, kAuthenticated, kSelected, kLogout };
const char* StateName(ImapState state);

// Bad commands (unknown, wrong state, bad syntax, failed logins) before the session is closed.
inline constexpr int kMaxBadCommands = 20;

// What every session of the daemon shares. Owned by the daemon; outlives all sessions.
struct ImapServices {
  const Config& config;
  store::Store& store;
  auth::AuthFailureTracker& auth_failures;
  UserConnections& user_connections;      // imap.max_connections_per_user, this process
  MailboxCache* mailbox_cache = nullptr;  // large mailboxes' lists for SELECT; none in some tests
  SpamLearner* spam_learner = nullptr;    // spam.learn_url; null: no learning
};

class ImapSession : public net::Session {
 public:
  ImapSession(ImapServices& services, net::LineConnection& conn, const net::ConnectionInfo& info);
  ImapSession(const ImapSession&) = delete;
  ImapSession& operator=(const ImapSession&) = delete;

  // The conversation on the calling thread (tests); the daemon's server calls Step instead.
  void Run();
  // One step of the conversation: from the greeting (kStart) or from the end of an IDLE park
  // until the session ends or parks again (net::Session).
  net::SessionStep Step(net::WakeReason reason) override;

  // ---- for command handlers --------------------------------------------------------------
  void Untagged(std::string_view text);  // "* text"
  void Ok(const Command& c, std::string_view text) { Tagged(c, "OK", text); }
  void No(const Command& c, std::string_view text) { Tagged(c, "NO", text); }
  // "tag BAD text" and counts a bad command.
  void Bad(const Command& c, std::string_view text);
  // "tag NO" for a store write that failed, logged under `context`: "[OVERQUOTA] Not enough
  // disk space" when the disk is full (RFC 5530; Dovecot answers the same), so that a client
  // tells its user instead of retrying; otherwise "[SERVERBUG] `what`".
  void NoAfterStoreError(const Command& c, const Status& error, std::string_view context,
                         std::string_view what);
  void Write(std::string_view data) { conn_.Write(data); }
  void EnterState(ImapState next);
  ImapState state() const { return state_; }
  void CountError();
  void Close() { closing_ = true; }
  // LOGIN/AUTHENTICATE are allowed: TLS, loopback, or auth.allow_cleartext.
  bool AuthAllowedNow() const;
  // "IMAP4rev1 LITERAL+ …" for the current state and connection.
  std::string Capabilities() const;
  // After the credentials are verified: answers OK [CAPABILITY …] and enters authenticated,
  // or NO [LIMIT] when the user already holds imap.max_connections_per_user sessions.
  void ProceedToAuthenticated(const Command& c, const store::User& user);
  // AUTHENTICATE waiting for the client's answer to a "+ " challenge: the session reads that
  // line (between parks, like a command; never logged) and hands it to HandleSaslResponse.
  struct PendingAuthenticate {
    Command command;
    auth::SaslExchange exchange;
  };
  std::optional<PendingAuthenticate> authenticating;
  // Reports other sessions' changes to the selected mailbox (RFC 3501 7.4.1: no EXPUNGE
  // while allow_expunge is false). One small read of the store when nothing changed.
  void ReportUpdates(bool allow_expunge);
  // Enters the selected state on `mailbox` with a freshly loaded view.
  Status Select(const store::Mailbox& mailbox, bool read_only);
  // Leaves the selected state (CLOSE, SELECT of another mailbox, a failed SELECT).
  void Deselect();
  // IDLE (commands/idle.cpp): after "+ idling", the session parks until DONE.
  void BeginIdle(const Command& c);

  // RFC 7162: CONDSTORE is on once ENABLEd or used by a command (3.1, "CONDSTORE enabling
  // command"); QRESYNC only through ENABLE (3.2.3) and it implies CONDSTORE. Never turned off.
  bool condstore() const { return condstore_; }
  bool qresync() const { return qresync_; }
  // The first time with a mailbox selected, also "* OK [HIGHESTMODSEQ n]" (RFC 7162 3.1).
  void EnableCondstore();
  void EnableQresync() { qresync_ = condstore_ = true; }
  // The largest message APPEND takes (APPENDLIMIT, RFC 7889): the literal limit, or less if
  // the store cannot hold that much.
  uint64_t AppendLimit() const { return append_limit_; }

  // Mailbox names at the protocol edge. The store keeps modified UTF-7 (RFC 3501 5.1.3);
  // after ENABLE UTF8=ACCEPT (RFC 6855 3) or ENABLE IMAP4rev2 (RFC 9051 5.1, Appendix A) the
  // client speaks UTF-8, converted here.
  bool Utf8Names() const { return utf8_accept || rev2; }
  // A name from the client as the store spells it ("inbox" -> "INBOX").
  std::string MailboxArg(std::string_view wire) const;
  // A stored name as the client reads it, unquoted (UTF-8 when enabled).
  std::string MailboxDisplay(std::string_view stored) const;
  // A display name quoted for a response (a UTF-8 quoted string when enabled).
  std::string QuoteMailbox(std::string_view display) const;
  // A stored name as it goes into a response: QuoteMailbox(MailboxDisplay(stored)).
  std::string MailboxOut(std::string_view stored) const;

  ImapServices& services;
  net::LineConnection& conn() { return conn_; }
  const net::ConnectionInfo& info() const { return info_; }
  const SessionLog& log() const { return log_; }
  store::Store& store() { return services.store; }

  std::optional<store::User> user;      // from authenticated on
  std::optional<MailboxView> selected;  // in selected
  bool compress_active = false;         // COMPRESS DEFLATE succeeded (RFC 4978)
  bool utf8_accept = false;             // ENABLE UTF8=ACCEPT (RFC 6855 3) was given
  bool rev2 = false;                    // ENABLE IMAP4rev2 (RFC 9051) was given
  // The last SEARCH (SAVE) result, "$" (RFC 5182): UIDs, ascending. Emptied by SELECT,
  // EXAMINE, CLOSE and UNSELECT (2.1); expunged messages simply no longer match.
  std::vector<uint32_t> saved_search;

 private:
  void Tagged(const Command& c, std::string_view status, std::string_view text);
  // "* OK [HIGHESTMODSEQ n]" below an expunge the running command holds back (RFC 7162 6).
  void ReportHeldExpungeModseq();
  // The command on its way in, read a piece at a time (a line, or what has arrived of a
  // literal) so that a client that stalls inside a command holds no thread between pieces.
  enum class Incoming { kCommand, kRefused, kMore, kEnd };
  struct CommandInProgress {
    explicit CommandInProgress(FramingLimits limits) : framer(limits) {}
    CommandFramer framer;
    FramerStep step;      // what the framer asked for
    uint64_t left = 0;    // octets of the literal still to come
    std::string literal;  // what has come of it
  };
  // Reads the next piece (waiting only where the session cannot park). kCommand or kRefused
  // put the whole command in `raw`; kMore wants more input; kEnd ends the session.
  Incoming ContinueCommand(RawCommand& raw);
  // Takes the framer's next step: sends its reply, and goes on for what needs no input.
  Incoming Advance(FramerStep next, RawCommand& raw);
  bool AwaitingLine() const;  // the next piece is a line (else octets of a literal)
  // Reads the client's answer to an AUTHENTICATE challenge; false when the session ends.
  bool ContinueAuthenticate();
  void Dispatch(const Command& c, const std::string& first_line);
  // Reads and runs commands until the session ends or IDLE parks it.
  net::SessionStep CommandLoop();
  // IDLE, in commands/idle.cpp.
  std::string IdleKey() const;  // what the notifier wakes: "mailbox:<id>"
  net::SessionStep ParkForIdle();
  void EndIdle();  // reads DONE
  // A quiet client: park until its next command (or the autologout deadline), or, within a
  // command, until more of it comes (for a minute).
  net::SessionStep ParkUntilCommand();
  // BYE at the autologout deadline or at shutdown, whether IDLE or waiting for a command.
  void EndParkedSession(net::WakeReason reason);

  struct IdleState {
    Command command;
    std::chrono::steady_clock::time_point deadline;
    metrics::GaugeHold counted;  // in mailsuite_imap_idle_sessions
  };

  net::LineConnection& conn_;
  const net::ConnectionInfo& info_;
  SessionLog log_;
  ImapState state_ = ImapState::kNotAuthenticated;
  int errors_ = 0;
  bool closing_ = false;
  bool allow_expunge_ = true;  // for the running command (RFC 3501 7.4.1)
  std::optional<IdleState> idle_;
  std::optional<CommandInProgress> incoming_;
  bool parks_between_commands_ = false;  // under a server that can park sessions
  bool condstore_ = false;
  bool qresync_ = false;
  uint64_t append_limit_ = 0;
  // Held from login until the session object goes, however the session ends.
  std::optional<UserConnections::Slot> user_slot_;
};

// One handler per command (commands/*.cpp).
using Handler = void (*)(ImapSession&, const Command&);
void HandleCapability(ImapSession& s, const Command& c);
void HandleNoop(ImapSession& s, const Command& c);
void HandleLogout(ImapSession& s, const Command& c);
void HandleStartTls(ImapSession& s, const Command& c);
void HandleLogin(ImapSession& s, const Command& c);
void HandleAuthenticate(ImapSession& s, const Command& c);
// The client's line after an AUTHENTICATE challenge; null when it was over-long or the client
// went away.
void HandleSaslResponse(ImapSession& s, const std::string* line);
void HandleList(ImapSession& s, const Command& c);
void HandleLsub(ImapSession& s, const Command& c);
void HandleCreate(ImapSession& s, const Command& c);
void HandleDelete(ImapSession& s, const Command& c);
void HandleRename(ImapSession& s, const Command& c);
void HandleSubscribe(ImapSession& s, const Command& c);
void HandleUnsubscribe(ImapSession& s, const Command& c);
void HandleStatus(ImapSession& s, const Command& c);
void HandleSelect(ImapSession& s, const Command& c);
void HandleExamine(ImapSession& s, const Command& c);
void HandleClose(ImapSession& s, const Command& c);
void HandleCheck(ImapSession& s, const Command& c);
void HandleExpunge(ImapSession& s, const Command& c);
void HandleUidExpunge(ImapSession& s, const Command& c);    // RFC 4315 2.1
void HandleUnselect(ImapSession& s, const Command& c);      // RFC 3691
void HandleNamespace(ImapSession& s, const Command& c);     // RFC 2342
void HandleId(ImapSession& s, const Command& c);            // RFC 2971
void HandleEnable(ImapSession& s, const Command& c);        // RFC 5161
void HandleIdle(ImapSession& s, const Command& c);          // RFC 2177
void HandleCompress(ImapSession& s, const Command& c);      // RFC 4978
void HandleGetQuota(ImapSession& s, const Command& c);      // RFC 9208 4.1.1
void HandleGetQuotaRoot(ImapSession& s, const Command& c);  // RFC 9208 4.1.2
void HandleSetQuota(ImapSession& s, const Command& c);      // RFC 9208 4.1.3
// Before APPEND or COPY adds `messages` messages of `octets` in all: true, after answering
// NO [OVERQUOTA] (or NO for a store error), when they do not fit the user's quota.
bool RefuseOverQuota(ImapSession& s, const Command& c, uint64_t octets, uint64_t messages);
void HandleAppend(ImapSession& s, const Command& c);
void HandleFetch(ImapSession& s, const Command& c, bool uid);
void HandleStore(ImapSession& s, const Command& c, bool uid);
// COPY, or MOVE when `move` (RFC 6851).
void HandleCopy(ImapSession& s, const Command& c, bool uid, bool move);
void HandleSearch(ImapSession& s, const Command& c, bool uid);
void HandleUid(ImapSession& s, const Command& c);

// Whether the user has mailboxes below `name` (a stored name): \HasChildren, and what makes
// DELETE answer NO [HASCHILDREN]. Reads the user's mailbox names.
Result<bool> HasChildMailboxes(ImapSession& s, const std::string& name);

// The "* LIST …" line (with CRLF) SELECT and EXAMINE send under IMAP4rev2 (RFC 9051 6.3.2):
// the mailbox's name as LIST spells it, with its child, special-use and subscription attributes.
Result<std::string> SelectedListLine(ImapSession& s, const store::Mailbox& mailbox);

// The messages (sequence numbers, ascending) a sequence set names in the view; nullopt and a
// BAD reply when the set does not parse.
std::optional<std::vector<size_t>> ResolveSet(ImapSession& s, const Command& c, const Arg& set,
                                              bool uid);

}  // namespace mailsuite::imapd
