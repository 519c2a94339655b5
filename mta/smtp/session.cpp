#include "session.h"

#include "milter_events.h"
#include "shared/logging.h"
#include "shared/metrics/protocol_metrics.h"

namespace mailsuite::mta {
namespace {

using Handler = void (*)(SmtpSession&, const std::string&);

constexpr uint32_t Bit(SmtpState s) { return 1u << static_cast<int>(s); }
constexpr uint32_t kAnyState = 0xff;
constexpr uint32_t kGreetedOnly = Bit(SmtpState::kGreeted);
constexpr uint32_t kInTransaction = Bit(SmtpState::kMail) | Bit(SmtpState::kRcpt);

struct CommandSpec {
  const char* verb;
  Handler handler;
  uint32_t allowed;  // states in which the command is valid; otherwise 503
};

const CommandSpec kCommands[] = {
    {"HELO", HandleHelo, kAnyState},
    {"EHLO", HandleEhlo, kAnyState},
    {"STARTTLS", HandleStartTls, kGreetedOnly},
    {"AUTH", HandleAuth, kGreetedOnly},
    {"MAIL", HandleMail, kGreetedOnly},
    {"RCPT", HandleRcpt, kInTransaction},
    {"DATA", HandleData, Bit(SmtpState::kRcpt)},
    // BDAT is let through in every state: its chunk follows without waiting for a reply
    // (RFC 3030 2), so even a refused BDAT must read it, or the bytes would run as commands.
    {"BDAT", HandleBdat, kAnyState},
    {"RSET", HandleRset, kAnyState},
    {"NOOP", HandleNoop, kAnyState},
    {"QUIT", HandleQuit, kAnyState},
    {"HELP", HandleHelp, kAnyState},
    {"VRFY", HandleVrfy, kAnyState},
    {"EXPN", HandleVrfy, kAnyState},
};

}  // namespace

const char* StateName(SmtpState state) {
  switch (state) {
    case SmtpState::kConnected:
      return "connected";
    case SmtpState::kGreeted:
      return "greeted";
    case SmtpState::kMail:
      return "mail";
    case SmtpState::kRcpt:
      return "rcpt";
  }
  return "?";
}

SmtpSession::SmtpSession(SmtpServices& services_in, net::LineConnection& conn,
                         const net::ConnectionInfo& info)
    : services(services_in), conn_(conn), info_(info), log_(info.session_id, info.peer_address) {}

SmtpSession::~SmtpSession() {
  milters.reset();  // before log_, which the filters log through
}

void SmtpSession::Reply(std::string_view line) {
  // The last line of a reply has a space (or nothing) after its code (RFC 5321 4.2.1). A 3xx
  // one (354 after DATA, 334 in AUTH) asks for more: the command ends with the next final one.
  if ((line.size() == 3 || (line.size() > 3 && line[3] == ' ')) && line[0] >= '2' &&
      line[0] <= '5') {
    last_reply_code_ = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (command_ && line[0] != '3') {
      static constexpr const char* kClass[] = {"2xx", "2xx", "2xx", "3xx", "4xx", "5xx"};
      metrics::CountCommand("smtp", command_, kClass[line[0] - '0']);
      command_ = nullptr;
    }
  }
  conn_.WriteLine(line);
}

void SmtpSession::Reply(int code, std::string_view enhanced, std::string_view text) {
  std::string line = std::to_string(code);
  line += ' ';
  line += enhanced;
  line += ' ';
  line += text;
  Reply(line);
}

void SmtpSession::EnterState(SmtpState next) {
  if (next == state_) return;
  log_.Debug(std::string("state ") + StateName(state_) + " -> " + StateName(next));
  state_ = next;
}

void SmtpSession::CountError() {
  if (++errors_ >= services.config.smtp.max_errors) {
    Reply(421, "4.7.0", hostname() + " Too many errors, closing connection");
    log_.Warning("too many errors, disconnecting");
    closing_ = true;
  }
}

void SmtpSession::ResetTransaction() {
  if (milters) milters->Abort();  // the filters forget a transaction that ended early
  transaction = Transaction{};
  EnterState(helo_name.empty() ? SmtpState::kConnected : SmtpState::kGreeted);
}

bool SmtpSession::AuthAllowedNow() const {
  return conn_.IsTls() || info_.peer_is_loopback || services.config.auth.allow_cleartext;
}

std::string SmtpSession::NextMessageId() {
  // An Atom (RFC 5321 4.4 "id"): letters, digits and "-" only.
  return info_.session_id + "-" + std::to_string(++messages_);
}

void SmtpSession::Run() {
  net::RunSessionHere(*this, conn_, info_, std::chrono::milliseconds(500));
}

net::SessionStep SmtpSession::Step(net::WakeReason reason) {
  switch (reason) {
    case net::WakeReason::kStart:
      log_.Info("connect on " + info_.listener + (info_.implicit_tls ? " (tls)" : ""));
      if (!StartFilters(*this)) return End();
      Reply("220 " + hostname() + " ESMTP mailsuite");
      break;
    case net::WakeReason::kDeadline:
      return TimedOut();
    case net::WakeReason::kStopping:
      // A client in a transaction may still finish it within the grace period.
      if (state_ == SmtpState::kMail || state_ == SmtpState::kRcpt) break;
      Reply(421, "4.3.2", hostname() + " Service shutting down, try again later");
      return End();
    case net::WakeReason::kReadable:
    case net::WakeReason::kNotified:
      break;
  }
  std::string line;
  while (!closing_) {
    // Stopping, a client in a transaction may finish it (within the grace period): it is
    // read from without parking, which would only resume it with kStopping again.
    const bool finishing = info_.stopping && *info_.stopping &&
                           (state_ == SmtpState::kMail || state_ == SmtpState::kRcpt);
    const bool whole_line = !bdat_chunk_.has_value();  // a chunk is octets, not lines
    if (!finishing && net::QuietClient(conn_, info_, net::kCommandLinger, whole_line))
      return net::ParkForCommand(info_, std::chrono::seconds(services.config.smtp.idle_timeout),
                                 !authenticated_user.empty());
    if (ReceivingBody()) {
      ContinueBody();
      continue;
    }
    net::ReadStatus s = conn_.ReadLine(line);
    if (sasl && (s == net::ReadStatus::kOk || s == net::ReadStatus::kTooLong)) {
      HandleSaslResponse(*this, s == net::ReadStatus::kOk ? &line : nullptr);
      continue;
    }
    if (s == net::ReadStatus::kTooLong) {
      if (!command_) command_ = "unknown";
      Reply(500, "5.5.2", "Line too long");  // RFC 5321 4.5.3.1.10
      CountError();
      continue;
    }
    if (s == net::ReadStatus::kTimeout) return TimedOut();
    if (s != net::ReadStatus::kOk) {
      if (state_ == SmtpState::kMail || state_ == SmtpState::kRcpt)
        log_.Info("connection lost in a transaction; nothing was accepted");
      break;
    }
    if (info_.stopping && *info_.stopping && !conn_.HasBufferedInput() &&
        state_ != SmtpState::kMail && state_ != SmtpState::kRcpt) {
      Reply(421, "4.3.2", hostname() + " Service shutting down, try again later");
      break;
    }
    Dispatch(line);
  }
  return End();
}

net::SessionStep SmtpSession::TimedOut() {
  Reply(421, "4.4.2", hostname() + " Idle timeout, closing connection");
  log_.Info("idle timeout");
  return End();
}

net::SessionStep SmtpSession::End() {
  // What the client has room for; LineServer waits (parked, briefly) for it to take the rest.
  conn_.FlushNow();
  if (milters) milters->Quit();
  log_.Info("disconnect");
  return {};
}

void SmtpSession::ReceiveDataBody() {
  const SmtpConfig& c = services.config.smtp;
  data_body_.emplace(c.max_message_size, c.normalize_bare_line_ends);
}

void SmtpSession::ReceiveBdatChunk(BdatChunk chunk) { bdat_chunk_ = chunk; }

void SmtpSession::ContinueBody() {
  if (data_body_) {
    std::string line;
    net::LineEnd end = net::LineEnd::kCrlf;
    net::ReadStatus s = conn_.ReadLine(line, &end);
    if (s != net::ReadStatus::kOk && s != net::ReadStatus::kTooLong) {
      log_.Info("connection lost during DATA; nothing was accepted");
      data_body_.reset();
      closing_ = true;
      return;
    }
    if (!data_body_->AddLine(s, line, end)) return;
    DataResult body = std::move(data_body_->result());
    data_body_.reset();
    return FinishData(*this, std::move(body));
  }
  BdatChunk& chunk = *bdat_chunk_;
  size_t taken = 0;
  net::ReadStatus s =
      conn_.ReadSome(chunk.left, chunk.keep ? &transaction.bdat_content : nullptr, taken);
  if (s != net::ReadStatus::kOk) {
    log_.Info("connection lost during BDAT; nothing was accepted");
    bdat_chunk_.reset();
    closing_ = true;
    return;
  }
  chunk.left -= taken;
  if (chunk.left > 0) return;
  BdatChunk done = chunk;
  bdat_chunk_.reset();
  FinishBdat(*this, done);
}

void SmtpSession::Dispatch(const std::string& line) {
  CommandLine cmd = SplitCommand(line);
  log_.Debug("C: " + Printable(cmd.verb == "AUTH" ? "AUTH ********" : line));
  for (const CommandSpec& spec : kCommands) {
    if (cmd.verb != spec.verb) continue;
    command_ = spec.verb;
    if (!(spec.allowed & Bit(state_))) {
      Reply(503, "5.5.1", "Bad sequence of commands");
      CountError();
      return;
    }
    spec.handler(*this, cmd.argument);
    return;
  }
  command_ = "unknown";
  Reply(500, "5.5.1", "Command unrecognized");
  CountError();
}

}  // namespace mailsuite::mta
