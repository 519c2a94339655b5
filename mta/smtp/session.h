// SmtpSession: one SMTP conversation (RFC 5321) as an explicit state machine
//   connected -> greeted (HELO/EHLO) -> mail (MAIL) -> rcpt (RCPT) -> [DATA/BDAT] -> greeted
// The session keeps only dispatch and state; each command family lives in commands/*.cpp and
// is listed in the command table (session.cpp) with the states it is allowed in. Runs over any
// LineConnection, so tests can drive it in memory.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "command_parser.h"
#include "data_reader.h"
#include "shared/auth/sasl.h"
#include "shared/config.h"
#include "shared/logging.h"
#include "shared/net/line_server.h"
#include "store/store.h"

namespace mailsuite::auth {
class AuthFailureTracker;
}
namespace mailsuite::dns {
class Resolver;
}

namespace mailsuite::mta {
namespace milter {
class MilterChain;
}

class DkimSigner;
class InboundChecker;

enum class SmtpState { kConnected, kGreeted, kMail, kRcpt };
const char* StateName(SmtpState state);

// What every session of the daemon shares. Owned by the daemon; outlives all sessions.
struct SmtpServices {
  const Config& config;
  store::Store& store;
  auth::AuthFailureTracker& auth_failures;
  std::function<void()> on_queued = nullptr;  // remote recipients were queued: wake the runner
  const DkimSigner* dkim = nullptr;           // signs mail from local senders; null: none
  const InboundChecker* inbound = nullptr;    // SPF/DKIM/DMARC of strangers' mail; null: off
  const dns::Resolver* resolver = nullptr;    // the client's name for filters; null: not asked
};

struct Recipient {
  RcptTo rcpt;
  std::string address;                     // "local@domain", domain lower-cased
  std::vector<store::UserId> local_users;  // empty for a remote recipient
};

struct Transaction {
  MailFrom mail;
  std::vector<Recipient> recipients;
  // CHUNKING (RFC 3030): the chunks so far, and whether one already failed.
  bool bdat_started = false;
  bool bdat_failed = false;
  std::string bdat_content;
  std::string id;        // given at MAIL when filters need it (macro i), else at end of data
  bool discard = false;  // a filter said discard: answer 250, deliver nothing
};

// A BDAT chunk (RFC 3030 2) still arriving: `left` octets, kept in the transaction or only
// consumed (a refused or oversized chunk must still be read, or its bytes would run as commands).
struct BdatChunk {
  uint64_t size = 0;
  uint64_t left = 0;
  bool keep = false;
  bool refused = false;  // no transaction to add to: 503 once it is consumed
  bool last = false;
};

class SmtpSession : public net::Session {
 public:
  SmtpSession(SmtpServices& services, net::LineConnection& conn, const net::ConnectionInfo& info);
  ~SmtpSession() override;
  SmtpSession(const SmtpSession&) = delete;
  SmtpSession& operator=(const SmtpSession&) = delete;

  // The conversation on the calling thread (tests); the daemon's server calls Step instead.
  void Run();
  // From the greeting (kStart), or from the end of a park while the client was quiet, until
  // the session ends or parks again.
  net::SessionStep Step(net::WakeReason reason) override;

  // ---- for command handlers --------------------------------------------------------------
  void Reply(std::string_view line);
  void Reply(int code, std::string_view enhanced, std::string_view text);
  // The code of the last final reply (0 before any): what became of a message, for its metric.
  int last_reply_code() const { return last_reply_code_; }
  void EnterState(SmtpState next);
  SmtpState state() const { return state_; }
  // Counts a client error; after smtp.max_errors the session answers 421 and ends.
  void CountError();
  void Close() { closing_ = true; }
  void ResetTransaction();
  // True on the submission ports (587, 465), false on the inbound MX port.
  bool is_submission() const { return info_.listener != "smtp"; }
  // Whether AUTH may be used now: TLS is up, or the peer is on loopback, or the config allows.
  bool AuthAllowedNow() const;
  // A short id for the next accepted message: "<session>.<n>".
  std::string NextMessageId();
  // A message body comes next: the session reads it between parks, so a client that stalls
  // in the middle of one holds no thread, then calls FinishData or FinishBdat.
  void ReceiveDataBody();                  // after "354": DATA lines up to "."
  void ReceiveBdatChunk(BdatChunk chunk);  // the octets of a BDAT chunk

  SmtpServices& services;
  net::LineConnection& conn() { return conn_; }
  const net::ConnectionInfo& info() const { return info_; }
  const SessionLog& log() const { return log_; }
  const std::string& hostname() const { return services.config.general.hostname; }

  std::string helo_name;
  bool esmtp = false;
  // AUTH waiting for the client's answer to a "334" challenge: the session reads that line
  // (between parks, like a command) and hands it to HandleSaslResponse.
  std::optional<auth::SaslExchange> sasl;
  std::string authenticated_user;  // login address after a successful AUTH
  std::string auth_mechanism;      // and the SASL mechanism it used
  store::UserId authenticated_user_id = 0;
  Transaction transaction;
  // The content filters of this session's port (smtp.milters); null when it has none.
  std::unique_ptr<milter::MilterChain> milters;

 private:
  void Dispatch(const std::string& line);
  bool ReceivingBody() const { return data_body_.has_value() || bdat_chunk_.has_value(); }
  void ContinueBody();  // reads the next part of the body; finishes the command at its end
  net::SessionStep End();
  net::SessionStep TimedOut();  // the client was quiet for the idle timeout

  net::LineConnection& conn_;
  const net::ConnectionInfo& info_;
  SessionLog log_;
  SmtpState state_ = SmtpState::kConnected;
  int errors_ = 0;
  int messages_ = 0;
  int last_reply_code_ = 0;
  // The command whose final reply is still to come (counted in mailsuite_commands_total then):
  // a verb of the command table, "unknown", or null between commands.
  const char* command_ = nullptr;
  bool closing_ = false;
  std::optional<DataBody> data_body_;
  std::optional<BdatChunk> bdat_chunk_;
};

// One handler per command (commands/*.cpp). `argument` is the text after the verb.
void HandleHelo(SmtpSession& s, const std::string& argument);
void HandleEhlo(SmtpSession& s, const std::string& argument);
void HandleStartTls(SmtpSession& s, const std::string& argument);
void HandleAuth(SmtpSession& s, const std::string& argument);
void HandleMail(SmtpSession& s, const std::string& argument);
void HandleRcpt(SmtpSession& s, const std::string& argument);
void HandleData(SmtpSession& s, const std::string& argument);
void HandleBdat(SmtpSession& s, const std::string& argument);
void HandleRset(SmtpSession& s, const std::string& argument);
void HandleNoop(SmtpSession& s, const std::string& argument);
void HandleQuit(SmtpSession& s, const std::string& argument);
void HandleHelp(SmtpSession& s, const std::string& argument);
void HandleVrfy(SmtpSession& s, const std::string& argument);
// The client's line after a "334" challenge; null when it was over-long.
void HandleSaslResponse(SmtpSession& s, const std::string* line);
// The end of DATA and of a BDAT chunk, once the session has read all of it.
void FinishData(SmtpSession& s, DataResult body);
void FinishBdat(SmtpSession& s, const BdatChunk& chunk);

}  // namespace mailsuite::mta
