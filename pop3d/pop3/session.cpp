#include "session.h"

#include <utility>

#include "command_parser.h"
#include "shared/metrics/protocol_metrics.h"

namespace mailsuite::pop3d {
namespace {

using Handler = void (*)(Pop3Session&, const std::string&);

constexpr uint32_t Bit(Pop3State s) { return 1u << static_cast<int>(s); }
constexpr uint32_t kAuthorization = Bit(Pop3State::kAuthorization) | Bit(Pop3State::kUserGiven);
constexpr uint32_t kTransaction = Bit(Pop3State::kTransaction);
constexpr uint32_t kAnyState = kAuthorization | kTransaction;

struct CommandSpec {
  const char* keyword;
  Handler handler;
  uint32_t allowed;  // states in which the command is valid; otherwise -ERR
};

const CommandSpec kCommands[] = {
    {"CAPA", HandleCapa, kAnyState},
    {"STLS", HandleStls, kAuthorization},
    {"USER", HandleUser, kAuthorization},
    {"PASS", HandlePass, Bit(Pop3State::kUserGiven)},  // RFC 1939 7: only right after USER
    {"AUTH", HandleAuth, kAuthorization},
    {"STAT", HandleStat, kTransaction},
    {"LIST", HandleList, kTransaction},
    {"UIDL", HandleUidl, kTransaction},
    {"RETR", HandleRetr, kTransaction},
    {"TOP", HandleTop, kTransaction},
    {"DELE", HandleDele, kTransaction},
    {"RSET", HandleRset, kTransaction},
    {"NOOP", HandleNoop, kTransaction},
    {"QUIT", HandleQuit, kAnyState},
};

}  // namespace

const char* StateName(Pop3State state) {
  switch (state) {
    case Pop3State::kAuthorization:
      return "authorization";
    case Pop3State::kUserGiven:
      return "user-given";
    case Pop3State::kTransaction:
      return "transaction";
    case Pop3State::kUpdate:
      return "update";
  }
  return "?";
}

Pop3Session::Pop3Session(Pop3Services& services_in, net::LineConnection& conn,
                         const net::ConnectionInfo& info)
    : services(services_in), conn_(conn), info_(info), log_(info.session_id, info.peer_address) {}

void Pop3Session::Ok(std::string_view text) {
  if (command_) metrics::CountCommand("pop3", std::exchange(command_, nullptr), "ok");
  std::string line = "+OK";
  if (!text.empty()) line += ' ';
  line += text;
  conn_.WriteLine(line);
}

void Pop3Session::Write(std::string_view data) {
  if (command_ && (data.starts_with("+OK") || data.starts_with("-ERR")))
    metrics::CountCommand("pop3", std::exchange(command_, nullptr), data[0] == '+' ? "ok" : "err");
  conn_.Write(data);
}

void Pop3Session::Err(std::string_view text) {
  if (command_) metrics::CountCommand("pop3", std::exchange(command_, nullptr), "err");
  std::string line = "-ERR ";
  line += text;
  conn_.WriteLine(line);
}

void Pop3Session::EnterState(Pop3State next) {
  if (next == state_) return;
  log_.Debug(std::string("state ") + StateName(state_) + " -> " + StateName(next));
  state_ = next;
}

void Pop3Session::CountError() {
  if (++errors_ >= kMaxBadCommands) {
    Err("Too many bad commands, closing connection");
    log_.Warning("too many bad commands, disconnecting");
    closing_ = true;
  }
}

bool Pop3Session::AuthAllowedNow() const {
  return conn_.IsTls() || info_.peer_is_loopback || services.config.auth.allow_cleartext;
}

void Pop3Session::ProceedToTransaction(const store::User& user) {
  auto lock = services.store.LockMaildrop(user.id);
  if (!lock) {
    log_.Error("cannot lock maildrop of " + user.address + ": " + lock.error());
    Err("[SYS/TEMP] Unable to lock the mailbox, try again later");
    EnterState(Pop3State::kAuthorization);
    return;
  }
  if (!*lock) {
    log_.Info("maildrop in use user=" + user.address);
    Err("[IN-USE] Mailbox is locked by another POP3 session");
    EnterState(Pop3State::kAuthorization);
    return;
  }
  lock_ = std::move(lock).value();
  auto drop = Maildrop::Load(services.store, user.id);
  if (!drop.ok()) {
    lock_.reset();
    log_.Error("cannot open maildrop of " + user.address + ": " + drop.error());
    Err("[SYS/TEMP] Unable to open the mailbox, try again later");
    EnterState(Pop3State::kAuthorization);
    return;
  }
  maildrop = std::move(drop).value();
  user_address = user.address;
  pending_user.clear();
  log_.Info("login user=" + user.address + " messages=" + std::to_string(maildrop->count()));
  Ok("Logged in, " + std::to_string(maildrop->count()) + " messages (" +
     std::to_string(maildrop->total_size()) + " octets)");
  EnterState(Pop3State::kTransaction);
}

void Pop3Session::Run() {
  net::RunSessionHere(*this, conn_, info_, std::chrono::milliseconds(500));
}

net::SessionStep Pop3Session::Step(net::WakeReason reason) {
  switch (reason) {
    case net::WakeReason::kStart:
      log_.Info("connect on " + info_.listener + (info_.implicit_tls ? " (tls)" : ""));
      Ok(services.config.general.hostname + " POP3 mailsuite ready");
      break;
    case net::WakeReason::kDeadline:
      return TimedOut();
    case net::WakeReason::kStopping:
      Err("[SYS/TEMP] Server shutting down, try again later");
      return End();
    case net::WakeReason::kReadable:
    case net::WakeReason::kNotified:
      break;
  }
  std::string line;
  while (!closing_) {
    if (net::QuietClient(conn_, info_, net::kCommandLinger))
      return net::ParkForCommand(info_, std::chrono::seconds(services.config.pop3.idle_timeout),
                                 state_ == Pop3State::kTransaction);
    net::ReadStatus s = conn_.ReadLine(line);
    if (sasl && (s == net::ReadStatus::kOk || s == net::ReadStatus::kTooLong)) {
      HandleSaslResponse(*this, s == net::ReadStatus::kOk ? &line : nullptr);
      continue;
    }
    if (s == net::ReadStatus::kTooLong) {
      if (!command_) command_ = "unknown";
      Err("Line too long");
      CountError();
      continue;
    }
    if (s == net::ReadStatus::kTimeout) return TimedOut();
    if (s != net::ReadStatus::kOk) {
      if (state_ == Pop3State::kTransaction && maildrop && maildrop->deleted_count() > 0)
        log_.Info("connection lost in TRANSACTION; no message was deleted");
      break;
    }
    if (info_.stopping && *info_.stopping && !conn_.HasBufferedInput()) {
      Err("[SYS/TEMP] Server shutting down, try again later");
      break;
    }
    Dispatch(line);
  }
  return End();
}

net::SessionStep Pop3Session::TimedOut() {
  // RFC 1939 3: the autologout timer ends the session without entering UPDATE.
  Err("Autologout; idle for too long");
  log_.Info("idle timeout");
  return End();
}

net::SessionStep Pop3Session::End() {
  // What the client has room for; LineServer waits (parked, briefly) for it to take the rest.
  conn_.FlushNow();
  log_.Info("disconnect");
  return {};
}

void Pop3Session::Dispatch(const std::string& line) {
  CommandLine cmd = SplitCommand(line);
  // Never log a password (PASS) or what a SASL exchange carries (AUTH's initial response).
  bool secret = cmd.keyword == "PASS" || (cmd.keyword == "AUTH" && !cmd.argument.empty());
  log_.Debug("C: " + (secret ? cmd.keyword + " ********" : Printable(line)));
  for (const CommandSpec& spec : kCommands) {
    if (cmd.keyword != spec.keyword) continue;
    command_ = spec.keyword;
    if (!(spec.allowed & Bit(state_))) {
      Err("Command not valid in this state");
      CountError();
      return;
    }
    spec.handler(*this, cmd.argument);
    return;
  }
  command_ = "unknown";
  Err("Unknown command");
  CountError();
}

}  // namespace mailsuite::pop3d
