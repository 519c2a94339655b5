#include "session.h"

#include <Poco/String.h>

#include <algorithm>
#include <utility>

#include "responses.h"
#include "shared/metrics/protocol_metrics.h"
#include "shared/sieve/sieve.h"

namespace mailsuite::managesieve {
namespace {

using Handler = void (*)(ManageSieveSession&, const Arguments&);

constexpr uint32_t Bit(State s) { return 1u << static_cast<int>(s); }
constexpr uint32_t kNonAuth = Bit(State::kNonAuthenticated);
constexpr uint32_t kAuth = Bit(State::kAuthenticated);
constexpr uint32_t kAnyState = kNonAuth | kAuth;

struct CommandSpec {
  const char* name;
  Handler handler;
  uint32_t allowed;  // states in which the command is valid; otherwise NO
};

// RFC 5804 2: the commands, and which may come before AUTHENTICATE (2.1-2.5).
const CommandSpec kCommands[] = {
    {"CAPABILITY", HandleCapability, kAnyState},
    {"NOOP", HandleNoop, kAnyState},
    {"LOGOUT", HandleLogout, kAnyState},
    {"STARTTLS", HandleStartTls, kNonAuth},
    {"AUTHENTICATE", HandleAuthenticate, kNonAuth},
    {"PUTSCRIPT", HandlePutScript, kAuth},
    {"CHECKSCRIPT", HandleCheckScript, kAuth},
    {"HAVESPACE", HandleHaveSpace, kAuth},
    {"LISTSCRIPTS", HandleListScripts, kAuth},
    {"GETSCRIPT", HandleGetScript, kAuth},
    {"SETACTIVE", HandleSetActive, kAuth},
    {"DELETESCRIPT", HandleDeleteScript, kAuth},
    {"RENAMESCRIPT", HandleRenameScript, kAuth},
};

// No command takes more than two strings; more literals than this is a client gone astray.
constexpr int kMaxLiteralsPerCommand = 4;

const char* StateName(State state) {
  return state == State::kNonAuthenticated ? "non-authenticated" : "authenticated";
}

}  // namespace

ManageSieveSession::ManageSieveSession(ManageSieveServices& services_in, net::LineConnection& conn,
                                       const net::ConnectionInfo& info)
    : services(services_in), conn_(conn), info_(info), log_(info.session_id, info.peer_address) {}

void ManageSieveSession::Ok(std::string_view text, std::string_view code) {
  if (command_) metrics::CountCommand("managesieve", std::exchange(command_, nullptr), "ok");
  conn_.Write(Response("OK", code, text));
}

void ManageSieveSession::No(std::string_view text, std::string_view code) {
  if (command_) metrics::CountCommand("managesieve", std::exchange(command_, nullptr), "no");
  conn_.Write(Response("NO", code, text));
}

void ManageSieveSession::EnterState(State next) {
  if (next == state_) return;
  log_.Debug(std::string("state ") + StateName(state_) + " -> " + StateName(next));
  state_ = next;
}

void ManageSieveSession::CountError() {
  if (++errors_ >= kMaxBadCommands) {
    conn_.Write(Response("BYE", "", "Too many bad commands"));
    log_.Warning("too many bad commands, disconnecting");
    closing_ = true;
  }
}

bool ManageSieveSession::AuthAllowedNow() const {
  return conn_.IsTls() || info_.peer_is_loopback || services.config.auth.allow_cleartext;
}

size_t ManageSieveSession::max_script_size() const { return sieve::Limits{}.max_script_size; }

void ManageSieveSession::WriteCapabilities() {
  // RFC 5804 1.7. SASL lists nothing while a password may not be sent (no TLS yet), so a
  // client knows to use STARTTLS first; OWNER names the user once one is logged in.
  std::string extensions;
  for (const std::string& e : sieve::SupportedExtensions())
    extensions += (extensions.empty() ? "" : " ") + e;
  std::string out;
  auto add = [&out](std::string_view name, std::optional<std::string_view> value) {
    out += EncodeString(name);
    if (value) out += " " + EncodeString(*value);
    out += "\r\n";
  };
  add("IMPLEMENTATION", "mailsuite");
  add("SIEVE", extensions);
  if (state_ == State::kNonAuthenticated) add("SASL", AuthAllowedNow() ? "PLAIN" : "");
  if (state_ == State::kNonAuthenticated && conn_.CanStartTls()) add("STARTTLS", std::nullopt);
  add("MAXREDIRECTS", std::to_string(sieve::Limits{}.max_redirects));
  if (user) add("OWNER", user->address);
  add("VERSION", "1.0");
  out += "OK\r\n";
  if (command_) metrics::CountCommand("managesieve", std::exchange(command_, nullptr), "ok");
  conn_.Write(out);
}

void ManageSieveSession::Run() {
  net::RunSessionHere(*this, conn_, info_, std::chrono::milliseconds(500));
}

void ManageSieveSession::SendCapabilitiesOnceTlsIsUp() {
  if (!capabilities_after_tls_ || !conn_.IsTls() || conn_.TlsRequested()) return;
  capabilities_after_tls_ = false;
  WriteCapabilities();  // RFC 5804 2.2: after the handshake, unasked
}

net::SessionStep ManageSieveSession::Step(net::WakeReason reason) {
  switch (reason) {
    case net::WakeReason::kStart:
      log_.Info("connect on " + info_.listener);
      WriteCapabilities();  // RFC 5804 1.7: the greeting is the capability list
      break;
    case net::WakeReason::kDeadline:
      conn_.Write(Response("BYE", "", "Disconnected for inactivity"));
      log_.Info("idle timeout");
      return End();
    case net::WakeReason::kStopping:
      conn_.Write(Response("BYE", "TRYLATER", "Server shutting down"));
      return End();
    case net::WakeReason::kReadable:
    case net::WakeReason::kNotified:
      break;
  }
  while (!closing_) {
    SendCapabilitiesOnceTlsIsUp();
    const bool mid_command = partial_.has_value();
    if (net::QuietClient(conn_, info_, net::kCommandLinger, !(mid_command && partial_->in_literal)))
      return net::ParkForCommand(info_,
                                 mid_command
                                     ? kMidCommandTimeout
                                     : std::chrono::seconds(services.config.imap.idle_timeout),
                                 state_ == State::kAuthenticated);
    Arguments tokens;
    Read read = ReadCommand(tokens);
    if (read == Read::kEnd) break;
    SendCapabilitiesOnceTlsIsUp();  // a session run here meets the handshake in ReadCommand
    if (read != Read::kCommand) continue;
    if (info_.stopping && *info_.stopping && !conn_.HasBufferedInput()) {
      conn_.Write(Response("BYE", "TRYLATER", "Server shutting down"));
      break;
    }
    if (sasl) {
      HandleSaslResponse(
          *this, tokens.size() == 1 && tokens[0].kind == Token::Kind::kString ? &tokens : nullptr);
      continue;
    }
    Dispatch(std::move(tokens));
  }
  return End();
}

ManageSieveSession::Read ManageSieveSession::ReadLiteralPiece() {
  PartialCommand& p = *partial_;
  size_t taken = 0;
  const size_t want = static_cast<size_t>(std::min<uint64_t>(p.literal_left, 1 << 16));
  if (conn_.ReadSome(want, p.oversized ? nullptr : &p.literal, taken) != net::ReadStatus::kOk)
    return Read::kEnd;
  p.literal_left -= taken;
  if (p.literal_left > 0) return Read::kMore;
  p.in_literal = false;
  if (!p.oversized) p.tokens.push_back({Token::Kind::kString, std::move(p.literal)});
  p.literal.clear();
  return Read::kMore;  // the rest of the command's line comes next
}

ManageSieveSession::Read ManageSieveSession::ReadCommand(Arguments& tokens) {
  if (partial_ && partial_->in_literal) return ReadLiteralPiece();
  auto end_session = [&](std::string_view code, std::string_view why) {
    conn_.Write(Response("BYE", code, why));
    log_.Info(std::string("ended: ") + std::string(why));
    closing_ = true;
    return Read::kEnd;
  };
  std::string line;
  net::ReadStatus status = conn_.ReadLine(line);
  // The rest of an over-long line is gone, a literal marker at its end with it: the literal's
  // octets would be read as commands. No client sends such a line (scripts go in literals).
  if (status == net::ReadStatus::kTooLong) return end_session("", "Line too long");
  if (status != net::ReadStatus::kOk) return Read::kEnd;
  LineTokens read = TokenizeLine(line, partial_.has_value());
  if (!read.error.empty()) {
    if (!command_) command_ = "unknown";  // what it was cannot be told
    partial_.reset();
    sasl.reset();  // whatever the exchange was, it is over
    No("Syntax error: " + read.error);
    CountError();
    return Read::kAnswered;
  }
  if (!partial_) partial_.emplace();
  PartialCommand& p = *partial_;
  for (Token& t : read.tokens) p.tokens.push_back(std::move(t));
  if (!read.literal) {
    const bool oversized = p.oversized;
    tokens = std::move(p.tokens);
    partial_.reset();
    if (!oversized) return Read::kCommand;
    if (!command_) command_ = "unknown";  // PUTSCRIPT or CHECKSCRIPT, most likely; unread
    sasl.reset();
    No("Literal too large (at most " + std::to_string(max_script_size()) + " octets)",
       "QUOTA/MAXSIZE");
    CountError();
    return Read::kAnswered;
  }
  const uint64_t size = *read.literal;
  if (++p.literals > kMaxLiteralsPerCommand)
    return end_session("", "Too many literals in one command");
  // The client does not wait for a go-ahead (literal-c2s is "{n+}"): the octets are on their
  // way and must never be read as commands. Drain them, or give up on the client.
  const bool logged_in = state_ == State::kAuthenticated;
  if (size > (logged_in ? max_script_size() : kMaxLiteralBeforeLogin)) {
    if (!logged_in || size > kMaxDrainedLiteral)
      return end_session("QUOTA/MAXSIZE", "Literal too large");
    p.oversized = true;
  }
  if (size > 0) {
    p.in_literal = true;
    p.literal_left = size;
  } else if (!p.oversized) {
    p.tokens.push_back({Token::Kind::kString, ""});
  }
  return Read::kMore;
}

net::SessionStep ManageSieveSession::End() {
  conn_.FlushNow();
  log_.Info("disconnect");
  return {};
}

void ManageSieveSession::Dispatch(Arguments tokens) {
  if (tokens.empty() || tokens[0].kind != Token::Kind::kAtom) {
    command_ = "unknown";
    No("Expected a command name");
    return CountError();
  }
  const std::string name = Poco::toUpper(tokens[0].text);
  tokens.erase(tokens.begin());
  // AUTHENTICATE carries credentials and PUTSCRIPT a whole script: the name alone is logged.
  log_.Debug("C: " + Printable(name));
  for (const CommandSpec& spec : kCommands) {
    if (name != spec.name) continue;
    command_ = spec.name;
    if (!(spec.allowed & Bit(state_))) {
      No(state_ == State::kNonAuthenticated ? "Authenticate first" : "Already authenticated");
      return CountError();
    }
    return spec.handler(*this, tokens);
  }
  command_ = "unknown";
  No("Unknown command");
  CountError();
}

bool ExpectStrings(ManageSieveSession& s, const Arguments& args, size_t count,
                   std::string_view syntax) {
  bool ok = args.size() == count;
  for (const Token& t : args) ok = ok && t.kind == Token::Kind::kString;
  if (ok) return true;
  s.No("Syntax: " + std::string(syntax));
  s.CountError();
  return false;
}

}  // namespace mailsuite::managesieve
