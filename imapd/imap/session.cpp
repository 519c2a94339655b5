#include "session.h"

#include <algorithm>

#include "format.h"
#include "mailbox_utf7.h"
#include "shared/metrics/protocol_metrics.h"

namespace mailsuite::imapd {
namespace {

constexpr uint32_t Bit(ImapState s) { return 1u << static_cast<int>(s); }
constexpr uint32_t kAny =
    Bit(ImapState::kNotAuthenticated) | Bit(ImapState::kAuthenticated) | Bit(ImapState::kSelected);
constexpr uint32_t kNotAuth = Bit(ImapState::kNotAuthenticated);
constexpr uint32_t kAuth = Bit(ImapState::kAuthenticated) | Bit(ImapState::kSelected);
constexpr uint32_t kSelected = Bit(ImapState::kSelected);
// RFC 5161 3.1: ENABLE "is only valid in the authenticated state …, before any mailbox is
// selected"; in the selected state it gets the usual BAD for a command not valid there.
constexpr uint32_t kAuthOnly = Bit(ImapState::kAuthenticated);

// RFC 3501 7.4.1: no untagged EXPUNGE while a command that uses sequence numbers runs.
enum class Expunges { kAllowed, kHeld };

struct CommandSpec {
  const char* name;
  Handler handler;
  uint32_t allowed;  // states in which the command is valid; otherwise BAD
  Expunges expunges;
};

void Fetch(ImapSession& s, const Command& c) { HandleFetch(s, c, false); }
void StoreFlags(ImapSession& s, const Command& c) { HandleStore(s, c, false); }
void Copy(ImapSession& s, const Command& c) { HandleCopy(s, c, false, false); }
void Move(ImapSession& s, const Command& c) { HandleCopy(s, c, false, true); }
void Search(ImapSession& s, const Command& c) { HandleSearch(s, c, false); }

const CommandSpec kCommands[] = {
    {"CAPABILITY", HandleCapability, kAny, Expunges::kAllowed},
    {"NOOP", HandleNoop, kAny, Expunges::kAllowed},
    {"LOGOUT", HandleLogout, kAny, Expunges::kAllowed},
    {"STARTTLS", HandleStartTls, kNotAuth, Expunges::kAllowed},
    {"LOGIN", HandleLogin, kNotAuth, Expunges::kAllowed},
    {"AUTHENTICATE", HandleAuthenticate, kNotAuth, Expunges::kAllowed},
    {"LIST", HandleList, kAuth, Expunges::kAllowed},
    {"LSUB", HandleLsub, kAuth, Expunges::kAllowed},
    {"CREATE", HandleCreate, kAuth, Expunges::kAllowed},
    {"DELETE", HandleDelete, kAuth, Expunges::kAllowed},
    {"RENAME", HandleRename, kAuth, Expunges::kAllowed},
    {"SUBSCRIBE", HandleSubscribe, kAuth, Expunges::kAllowed},
    {"UNSUBSCRIBE", HandleUnsubscribe, kAuth, Expunges::kAllowed},
    {"STATUS", HandleStatus, kAuth, Expunges::kAllowed},
    {"SELECT", HandleSelect, kAuth, Expunges::kAllowed},
    {"EXAMINE", HandleExamine, kAuth, Expunges::kAllowed},
    {"APPEND", HandleAppend, kAuth, Expunges::kAllowed},
    {"CLOSE", HandleClose, kSelected, Expunges::kAllowed},
    {"CHECK", HandleCheck, kSelected, Expunges::kAllowed},
    {"EXPUNGE", HandleExpunge, kSelected, Expunges::kAllowed},
    {"FETCH", Fetch, kSelected, Expunges::kHeld},
    {"STORE", StoreFlags, kSelected, Expunges::kHeld},
    {"COPY", Copy, kSelected, Expunges::kAllowed},
    {"SEARCH", Search, kSelected, Expunges::kHeld},
    {"MOVE", Move, kSelected, Expunges::kAllowed},
    {"UNSELECT", HandleUnselect, kSelected, Expunges::kAllowed},
    {"NAMESPACE", HandleNamespace, kAuth, Expunges::kAllowed},
    {"ID", HandleId, kAny, Expunges::kAllowed},
    {"ENABLE", HandleEnable, kAuthOnly, Expunges::kAllowed},  // RFC 5161 3.1
    {"IDLE", HandleIdle, kAuth, Expunges::kAllowed},
    {"UID", HandleUid, kSelected, Expunges::kAllowed},  // UID FETCH/STORE/SEARCH: see below
    {"COMPRESS", HandleCompress, kAuth, Expunges::kAllowed},
    {"GETQUOTA", HandleGetQuota, kAuth, Expunges::kAllowed},
    {"GETQUOTAROOT", HandleGetQuotaRoot, kAuth, Expunges::kAllowed},
    {"SETQUOTA", HandleSetQuota, kAuth, Expunges::kAllowed},
};

// A command's name for mailsuite_commands_total: one of the table (UID FETCH counts as FETCH),
// or "unknown", so a client cannot add label values.
const char* CommandMetricName(const Command& c) {
  for (const CommandSpec& spec : kCommands)
    if (c.name == spec.name) return spec.name;
  return "unknown";
}

// How long a session waits for its client's next command on its thread before it parks: long
// enough that a client in a conversation never waits for a resume, short enough that idle
// connections (Thunderbird keeps several open) do not hold threads.
constexpr std::chrono::milliseconds kLingerBeforePark{1000};
// Once sessions park while they wait for a command, a blocking read only ever waits for the
// rest of a command the client has begun. A client that stalls there longer is cut, so that it
// cannot hold a thread of the shared resume pool for the whole autologout time.
constexpr std::chrono::seconds kMidCommandTimeout{60};

// UID FETCH/STORE/SEARCH use UIDs, so RFC 3501 7.4.1 would let EXPUNGE through; holding it
// for them too keeps one simple rule, and the EXPUNGE follows with the next command that
// allows it (NOOP, CHECK, …).
bool HoldsExpunges(const Command& c) {
  if (c.name != "UID") return false;
  if (c.args.empty()) return false;
  return c.args[0].IsAtom("FETCH") || c.args[0].IsAtom("STORE") || c.args[0].IsAtom("SEARCH");
}

}  // namespace

const char* StateName(ImapState state) {
  switch (state) {
    case ImapState::kNotAuthenticated:
      return "not-authenticated";
    case ImapState::kAuthenticated:
      return "authenticated";
    case ImapState::kSelected:
      return "selected";
    case ImapState::kLogout:
      return "logout";
  }
  return "?";
}

ImapSession::ImapSession(ImapServices& services_in, net::LineConnection& conn,
                         const net::ConnectionInfo& info)
    : services(services_in),
      conn_(conn),
      info_(info),
      log_(info.session_id, info.peer_address),
      append_limit_(std::min(static_cast<uint64_t>(services_in.config.imap.max_literal_size),
                             services_in.store.MaxContentSize())) {}

void ImapSession::Untagged(std::string_view text) {
  std::string line = "* ";
  line += text;
  conn_.WriteLine(line);
}

void ImapSession::Tagged(const Command& c, std::string_view status, std::string_view text) {
  metrics::CountCommand("imap", CommandMetricName(c), status == "OK" ? "ok" : "no");
  if (state_ == ImapState::kSelected) {
    ReportUpdates(allow_expunge_);
    ReportHeldExpungeModseq();
  }
  std::string line = c.tag;
  line += ' ';
  line += status;
  line += ' ';
  line += text;
  conn_.WriteLine(line);
}

void ImapSession::Bad(const Command& c, std::string_view text) {
  metrics::CountCommand("imap", CommandMetricName(c), "bad");
  std::string line = (c.tag.empty() ? std::string("*") : c.tag) + " BAD ";
  line += text;
  conn_.WriteLine(line);
  CountError();
}

void ImapSession::NoAfterStoreError(const Command& c, const Status& error, std::string_view context,
                                    std::string_view what) {
  log().Error(std::string(context) + ": " + error.message());
  if (error.no_space()) return No(c, "[OVERQUOTA] Not enough disk space");
  No(c, "[SERVERBUG] " + std::string(what));
}

void ImapSession::EnterState(ImapState next) {
  if (next == state_) return;
  log_.Debug(std::string("state ") + StateName(state_) + " -> " + StateName(next));
  state_ = next;
}

void ImapSession::CountError() {
  if (++errors_ >= kMaxBadCommands && !closing_) {
    Untagged("BYE Too many bad commands, closing connection");
    log_.Warning("too many bad commands, disconnecting");
    closing_ = true;
  }
}

bool ImapSession::AuthAllowedNow() const {
  return conn_.IsTls() || info_.peer_is_loopback || services.config.auth.allow_cleartext;
}

std::string ImapSession::Capabilities() const {
  std::string caps =
      "IMAP4rev1 IMAP4rev2 LITERAL+ UIDPLUS MOVE UNSELECT NAMESPACE ID ENABLE CHILDREN "
      "SPECIAL-USE CREATE-SPECIAL-USE IDLE CONDSTORE QRESYNC ESEARCH SEARCHRES BINARY";
  caps += " LIST-EXTENDED LIST-STATUS STATUS=SIZE UTF8=ACCEPT APPENDLIMIT=" +
          std::to_string(append_limit_);
  caps += " QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE";  // RFC 9208 3.1
  // RFC 4978: COMPRESS is an authenticated-state command; offered until it is in use.
  if (state_ != ImapState::kNotAuthenticated && !compress_active) caps += " COMPRESS=DEFLATE";
  if (state_ == ImapState::kNotAuthenticated) {
    if (conn_.CanStartTls()) caps += " STARTTLS";
    if (AuthAllowedNow())
      caps += " SASL-IR AUTH=PLAIN AUTH=LOGIN";
    else
      caps += " LOGINDISABLED";  // RFC 3501 6.2.3; no AUTH= either until TLS is up
  }
  return caps;
}

void ImapSession::ProceedToAuthenticated(const Command& c, const store::User& u) {
  const int limit = services.config.imap.max_connections_per_user;
  user_slot_ = services.user_connections.TryAcquire(u.id, limit);
  if (!user_slot_) {
    // Not a failed login: no delay, no failure counted. RFC 5530 3: LIMIT.
    log_.Warning("login refused user=" + u.address + " reason=max_connections_per_user(" +
                 std::to_string(limit) + ") rip=" + info_.peer_address);
    return No(c, "[LIMIT] Too many connections for this user; close another client and retry");
  }
  user = u;
  log_.Info("login user=" + u.address);
  EnterState(ImapState::kAuthenticated);
  Ok(c, "[CAPABILITY " + Capabilities() + "] Logged in");
}

Status ImapSession::Select(const store::Mailbox& mailbox, bool read_only) {
  MailboxView view(mailbox, read_only, !rev2);
  Status st = view.Load(services.store, services.mailbox_cache);
  if (!st.ok()) return st;
  selected = std::move(view);
  saved_search.clear();
  EnterState(ImapState::kSelected);
  return Status::Ok();
}

void ImapSession::Deselect() {
  selected.reset();
  saved_search.clear();
  if (state_ == ImapState::kSelected) EnterState(ImapState::kAuthenticated);
}

void ImapSession::ReportUpdates(bool allow_expunge) {
  if (!selected) return;
  std::string out;
  Status st = selected->Sync(services.store, {allow_expunge, condstore_, qresync_, rev2}, out);
  if (!st.ok()) {
    log_.Error("mailbox sync: " + st.message());
    return;
  }
  // RFC 9051 6.4.4.1: a message expunged (and so reported) leaves "$".
  if (allow_expunge && !saved_search.empty())
    std::erase_if(saved_search, [this](uint32_t uid) { return selected->SeqOfUid(uid) == 0; });
  conn_.Write(out);
}

void ImapSession::EnableCondstore() {
  if (condstore_) return;
  condstore_ = true;
  // RFC 7162 3.1: a CONDSTORE enabling command issued with a mailbox selected gets the
  // mailbox's HIGHESTMODSEQ, as SELECT would have sent it. As of the view's last sync, and below
  // any expunge held back (see ReportHeldExpungeModseq).
  if (!selected) return;
  uint64_t highest = selected->mailbox().highest_modseq;
  if (const uint64_t held = selected->HeldExpungeModseq(); held >= 2)
    highest = std::min(highest, held - 1);
  Untagged("OK [HIGHESTMODSEQ " + std::to_string(highest) + "] Highest");
}

void ImapSession::ReportHeldExpungeModseq() {
  // RFC 7162 6: at each tagged response the client takes the highest MODSEQ of the FETCH
  // responses since the last one as its HIGHESTMODSEQ, unless it got a HIGHESTMODSEQ response
  // code, which it MUST use "even if it has seen higher mod-sequences". While an expunge is
  // held back (RFC 3501 7.4.1), this command may have shown MODSEQs above the expunge's; a
  // client that recorded one and resynchronised later with SELECT … (QRESYNC (v m)) would never
  // hear of the expunge (3.2.5.1 reports only those above m). So cap what it records just
  // below the oldest held expunge; the expunge itself follows with a later command.
  if (!condstore_ || !selected) return;
  const uint64_t held = selected->HeldExpungeModseq();
  if (held < 2) return;  // none held (a real expunge MODSEQ is at least 2)
  Untagged("OK [HIGHESTMODSEQ " + std::to_string(held - 1) + "] Expunges not yet reported");
}

std::string ImapSession::MailboxArg(std::string_view wire) const {
  if (Utf8Names()) {
    // Invalid UTF-8 stays as sent: it matches no stored name and CREATE refuses 8-bit names.
    if (auto utf7 = Utf8ToMailboxUtf7(wire)) return CanonicalMailbox(*utf7);
  }
  return CanonicalMailbox(wire);
}

std::string ImapSession::MailboxDisplay(std::string_view stored) const {
  if (Utf8Names()) {
    if (auto utf8 = MailboxUtf7ToUtf8(stored)) return *utf8;
  }
  return std::string(stored);
}

std::string ImapSession::QuoteMailbox(std::string_view display) const {
  return Utf8Names() ? QuoteUtf8(display) : Quote(display);
}

std::string ImapSession::MailboxOut(std::string_view stored) const {
  return QuoteMailbox(MailboxDisplay(stored));
}

bool ImapSession::AwaitingLine() const {
  return !incoming_ || incoming_->step.kind == FramerStep::Kind::kReadLine;
}

bool ImapSession::ContinueAuthenticate() {
  std::string line;
  net::ReadStatus st = conn_.ReadLine(line);
  if (st == net::ReadStatus::kOk || st == net::ReadStatus::kTooLong) {
    HandleSaslResponse(*this, st == net::ReadStatus::kOk ? &line : nullptr);
    return true;
  }
  if (st == net::ReadStatus::kTimeout) {
    Untagged("BYE Autologout; idle for too long");
    log_.Info("idle timeout");
  }
  return false;
}

ImapSession::Incoming ImapSession::ContinueCommand(RawCommand& raw) {
  // Each literal up to the APPENDLIMIT, so a message of exactly that size fits even when the
  // mailbox name came as a literal too; all literals of one command up to a line more.
  if (!incoming_)
    incoming_.emplace(
        FramingLimits{append_limit_,
                      append_limit_ + static_cast<uint64_t>(services.config.imap.max_line_length)});
  CommandInProgress& in = *incoming_;
  if (in.step.kind == FramerStep::Kind::kReadLine) {
    std::string line;
    net::ReadStatus st = conn_.ReadLine(line);
    if (st == net::ReadStatus::kTooLong)
      return Advance(in.framer.LineTooLong(conn_.dropped_line_tail()), raw);
    if (st == net::ReadStatus::kTimeout) {
      Untagged("BYE Autologout; idle for too long");
      log_.Info("idle timeout");
      return Incoming::kEnd;
    }
    if (st != net::ReadStatus::kOk) return Incoming::kEnd;
    return Advance(in.framer.Line(std::move(line)), raw);
  }
  // A literal, kept or drained: take what has arrived of it.
  const bool keep = in.step.kind == FramerStep::Kind::kReadLiteral;
  size_t taken = 0;
  if (conn_.ReadSome(static_cast<size_t>(in.left), keep ? &in.literal : nullptr, taken) !=
      net::ReadStatus::kOk)
    return Incoming::kEnd;
  in.left -= taken;
  if (in.left > 0) return Incoming::kMore;
  return Advance(keep ? in.framer.Literal(std::move(in.literal)) : in.framer.Skipped(), raw);
}

ImapSession::Incoming ImapSession::Advance(FramerStep next, RawCommand& raw) {
  CommandInProgress& in = *incoming_;
  for (;;) {
    in.step = std::move(next);
    const FramerStep& step = in.step;
    switch (step.kind) {
      case FramerStep::Kind::kReadLine:
        return Incoming::kMore;
      case FramerStep::Kind::kReadLiteral:
        if (!step.reply.empty()) {
          conn_.WriteLine(step.reply);
          conn_.FlushNow();  // the client waits for it; the rest, if any, goes before a park
        }
        in.left = step.size;
        in.literal.clear();
        in.literal.reserve(static_cast<size_t>(std::min<uint64_t>(step.size, 64 << 20)));
        if (in.left > 0) return Incoming::kMore;
        next = in.framer.Literal(std::string());
        continue;
      case FramerStep::Kind::kSkipLiteral:
        if (!step.reply.empty()) {
          conn_.WriteLine(step.reply);
          CountError();
        }
        in.left = step.size;
        if (in.left > 0) return Incoming::kMore;
        next = in.framer.Skipped();
        continue;
      case FramerStep::Kind::kDone:
      case FramerStep::Kind::kRefused: {
        const bool refused = step.kind == FramerStep::Kind::kRefused;
        if (!step.reply.empty()) {
          conn_.WriteLine(step.reply);
          CountError();
        }
        raw = in.framer.Take();
        incoming_.reset();
        return refused ? Incoming::kRefused : Incoming::kCommand;
      }
      case FramerStep::Kind::kClose:
        if (!step.reply.empty()) {
          conn_.WriteLine(step.reply);
          CountError();
        }
        incoming_.reset();
        return Incoming::kEnd;
    }
  }
}

void ImapSession::Run() {
  net::RunSessionHere(*this, conn_, info_, std::chrono::milliseconds(500));
}

net::SessionStep ImapSession::Step(net::WakeReason reason) {
  switch (reason) {
    case net::WakeReason::kStart:
      log_.Info("connect on " + info_.listener + (info_.implicit_tls ? " (tls)" : ""));
      Untagged("OK [CAPABILITY " + Capabilities() + "] mailsuite IMAP ready");
      break;
    case net::WakeReason::kReadable:
      if (idle_) {
        // Part of "DONE" waits for the rest in the lot, not on this thread. (Under a server that
        // parks, kReadable means the transport has bytes: taking them does not wait.)
        if (!conn_.HasBufferedLine() && conn_.ReadAvailable() && !conn_.HasBufferedLine())
          return ParkForIdle();
        EndIdle();
      }
      break;
    case net::WakeReason::kNotified:
      if (idle_) return ParkForIdle();
      break;
    case net::WakeReason::kDeadline:
    case net::WakeReason::kStopping:
      EndParkedSession(reason);
      break;
  }
  return CommandLoop();
}

net::SessionStep ImapSession::CommandLoop() {
  RawCommand raw;
  while (!closing_ && state_ != ImapState::kLogout) {
    if (idle_) return ParkForIdle();
    // A client that stays quiet gives its thread back (where a server can resume it).
    if (info_.waker && !parks_between_commands_) {
      parks_between_commands_ = true;
      conn_.SetIdleTimeout(kMidCommandTimeout);
    }
    // A logged-in client gets a longer linger: its next command often follows a short think.
    const bool logged_in = state_ != ImapState::kNotAuthenticated;
    if (net::QuietClient(conn_, info_, logged_in ? kLingerBeforePark : net::kCommandLinger,
                         AwaitingLine()))
      return ParkUntilCommand();
    if (authenticating) {
      if (!ContinueAuthenticate()) break;
      continue;
    }
    Incoming incoming = ContinueCommand(raw);
    if (incoming == Incoming::kEnd) break;
    if (incoming != Incoming::kCommand) continue;
    if (info_.stopping && *info_.stopping && !conn_.HasBufferedInput()) {
      Untagged("BYE Server shutting down, try again later");
      break;
    }
    auto parsed = ParseCommand(raw);
    if (auto* e = std::get_if<ParseError>(&parsed)) {
      log_.Debug("C: (unparsable) " + Printable(raw.lines[0], 40));
      metrics::CountCommand("imap", "unknown", "bad");
      conn_.WriteLine(e->tag + " BAD " + e->message);
      CountError();
      continue;
    }
    Dispatch(std::get<Command>(parsed), raw.lines[0]);
  }
  // What the client has room for; LineServer waits (parked, briefly) for it to take the rest.
  conn_.FlushNow();
  log_.Info("disconnect");
  return {};
}

net::SessionStep ImapSession::ParkUntilCommand() {
  const auto wait = incoming_ || authenticating
                        ? kMidCommandTimeout
                        : std::chrono::seconds(services.config.imap.idle_timeout);
  return net::ParkForCommand(info_, wait, state_ != ImapState::kNotAuthenticated);
}

void ImapSession::EndParkedSession(net::WakeReason reason) {
  const bool stopping = reason == net::WakeReason::kStopping;
  Untagged(stopping ? "BYE Server shutting down, try again later"
                    : "BYE Autologout; idle for too long");
  log_.Info(std::string(stopping ? "ended by shutdown" : "idle timeout") +
            (idle_ ? " during IDLE" : ""));
  idle_.reset();
  Close();
}

void ImapSession::Dispatch(const Command& c, const std::string& first_line) {
  // Never log a password (LOGIN) or what a SASL exchange carries (AUTHENTICATE).
  if (c.name == "LOGIN" || c.name == "AUTHENTICATE")
    log_.Debug("C: " + Printable(c.tag, 64) + " " + c.name + " ********");
  else
    log_.Debug("C: " + Printable(first_line));
  for (const CommandSpec& spec : kCommands) {
    if (c.name != spec.name) continue;
    if (!(spec.allowed & Bit(state_))) {
      Bad(c, "Command not valid in this state");
      return;
    }
    allow_expunge_ = spec.expunges == Expunges::kAllowed && !HoldsExpunges(c);
    spec.handler(*this, c);
    allow_expunge_ = true;
    return;
  }
  Bad(c, "Unknown command");
}

}  // namespace mailsuite::imapd
