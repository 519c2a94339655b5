// The filters of one SMTP session; see milter_chain.h. Replies and their defaults follow
// Postfix's milter8 (the MTA side rspamd, OpenDKIM and clamav-milter are tested against).
#include "milter_chain.h"

#include <Poco/String.h>

#include <algorithm>

#include "message_edits.h"

namespace mailsuite::mta::milter {

struct MilterChain::Filter {
  MilterSpec spec;
  std::string default_action;
  std::chrono::seconds connect_timeout, command_timeout, content_timeout;
  std::unique_ptr<MilterConnection> conn;
  bool failed = false;            // its default action stands in for it
  bool done_for_session = false;  // it accepted at connect or HELO
  bool done_for_message = false;  // it accepted the message before its end
  bool in_message = false;        // it saw MAIL and not yet the end of message or an abort
};

namespace {

constexpr const char* kRejectCommand = "550 5.7.1 Command rejected";
constexpr const char* kRejectContent = "550 5.7.1 Message content rejected";
constexpr const char* kTempfail = "451 4.7.1 Service unavailable - try again later";
constexpr const char* kShutdown = "421 4.7.0 Server closing connection";
constexpr size_t kMaxChanges = 10000;  // per filter and message

std::string StripBrackets(std::string address) {
  if (address.size() >= 2 && address.front() == '<' && address.back() == '>')
    address = address.substr(1, address.size() - 2);
  return address;
}

// The action a filter's change needs (SMFIF_*), for checking it was negotiated.
uint32_t NeededAction(const Reply& r) {
  using K = Reply::Kind;
  switch (r.kind) {
    case K::kAddHeader:
      return action::kAddHeaders;
    case K::kInsertHeader:
    case K::kChangeHeader:
      return action::kChangeHeaders;
    case K::kAddRecipient:
      return r.with_params ? action::kAddRecipientWithArgs : action::kAddRecipient;
    case K::kDeleteRecipient:
      return action::kDeleteRecipient;
    case K::kChangeSender:
      return action::kChangeSender;
    case K::kReplaceBody:
      return action::kChangeBody;
    case K::kQuarantine:
      return action::kQuarantine;
    default:
      return 0;
  }
}

std::string Describe(const Reply& r) {
  using K = Reply::Kind;
  switch (r.kind) {
    case K::kAddHeader:
      return "add header " + r.name;
    case K::kInsertHeader:
      return "insert header " + r.name + " at " + std::to_string(r.index);
    case K::kChangeHeader:
      return (r.value.empty() ? "delete header " : "change header ") + r.name + "[" +
             std::to_string(r.index) + "]";
    case K::kAddRecipient:
      return "add recipient " + Printable(r.address);
    case K::kDeleteRecipient:
      return "delete recipient " + Printable(r.address);
    case K::kChangeSender:
      return "change sender to " + Printable(r.address);
    case K::kReplaceBody:
      return "replace body";
    case K::kQuarantine:
      return "quarantine: " + Printable(r.text);
    default:
      return "?";
  }
}

}  // namespace

MilterChain::MilterChain(const std::vector<MilterSpec>& specs, const SmtpConfig& config,
                         const SessionLog& log)
    : config_(config), log_(log) {
  for (const MilterSpec& spec : specs) {
    auto f = std::make_unique<Filter>();
    f->spec = spec;
    f->default_action =
        spec.default_action.empty() ? config.milter_default_action : spec.default_action;
    auto pick = [](int own, int global) { return std::chrono::seconds(own ? own : global); };
    f->connect_timeout = pick(spec.connect_timeout, config.milter_connect_timeout);
    f->command_timeout = pick(spec.command_timeout, config.milter_command_timeout);
    f->content_timeout = pick(spec.content_timeout, config.milter_content_timeout);
    filters_.push_back(std::move(f));
  }
}

MilterChain::~MilterChain() { Quit(); }

bool MilterChain::Interested(const Filter& f) const {
  return !f.done_for_session && !f.done_for_message && (f.conn || f.failed);
}

Verdict MilterChain::Failed(Filter& f, const std::string& why, bool content_stage) {
  if (!f.failed)
    log_.Warning("milter " + f.spec.address + ": " + why + "; default action " + f.default_action);
  f.failed = true;
  f.in_message = false;
  f.conn.reset();
  Verdict v;
  v.filter = f.spec.address;
  if (f.default_action == "tempfail") {
    v.kind = Verdict::Kind::kTempfail;
    v.reply = {kTempfail};
  } else if (f.default_action == "reject") {
    v.kind = Verdict::Kind::kReject;
    v.reply = {content_stage ? kRejectContent : kRejectCommand};
  } else {
    f.done_for_session = true;  // accept: go on without it
  }
  return v;
}

std::string MilterChain::MacroPacket(const Filter& f, Stage stage, char command,
                                     const Macros& macros) const {
  const Negotiation& n = f.conn->negotiated();
  auto wanted = n.macros.find(stage);
  if (wanted == n.macros.end()) return macros.empty() ? "" : EncodeMacros(command, macros);
  // Its own list: any macro known by now, named with or without braces (as Postfix does).
  Macros sent;
  for (const std::string& name : wanted->second) {
    auto it = known_macros_.find(name);
    if (it == known_macros_.end() && name.size() > 1 && name.front() != '{')
      it = known_macros_.find("{" + name + "}");
    if (it != known_macros_.end()) sent.emplace_back(name, it->second);
  }
  return sent.empty() ? "" : EncodeMacros(command, sent);
}

Result<Reply> MilterChain::Exchange(Filter& f, Stage stage, char command, const Macros& macros,
                                    const std::string& packet, uint32_t no_send,
                                    uint32_t no_reply) {
  const Negotiation& n = f.conn->negotiated();
  Reply go_on;
  // The macros go even for a step the filter skips: libmilter keeps them for later stages
  // (a filter without a connect callback still reads {client_addr} at end of message).
  std::string bytes = MacroPacket(f, stage, command, macros);
  const bool skipped = no_send && (n.steps & no_send);
  if (!skipped) bytes += packet;
  if (!bytes.empty())
    if (Status st = f.conn->Send(bytes); !st) return st;
  if (skipped || (no_reply && (n.steps & no_reply))) return go_on;
  return f.conn->Receive(std::chrono::steady_clock::now() + f.command_timeout);
}

Verdict MilterChain::Judge(Filter& f, const Reply& reply, Stage stage) {
  using K = Reply::Kind;
  const bool content_stage =
      stage == Stage::kData || stage == Stage::kEndOfHeaders || stage == Stage::kEndOfMessage;
  Verdict v;
  v.filter = f.spec.address;
  switch (reply.kind) {
    case K::kContinue:
    case K::kSkip:
      break;
    case K::kAccept:
      f.done_for_message = true;
      break;
    case K::kReject:
      v.kind = Verdict::Kind::kReject;
      v.reply = {content_stage ? kRejectContent : kRejectCommand};
      break;
    case K::kTempfail:
      v.kind = Verdict::Kind::kTempfail;
      v.reply = {kTempfail};
      break;
    case K::kReplyCode:
      v.kind = reply.code >= 500 ? Verdict::Kind::kReject : Verdict::Kind::kTempfail;
      v.reply = reply.lines;
      v.close_session = reply.code == 421;
      break;
    case K::kDiscard:
      // There is no message to throw away yet (Postfix ignores it too).
      if (stage == Stage::kConnect || stage == Stage::kHelo) {
        log_.Warning("milter " + f.spec.address + ": discard at connect or HELO ignored");
        break;
      }
      v.kind = Verdict::Kind::kDiscard;
      break;
    case K::kShutdown:
    case K::kConnectionFail:
      v.kind = Verdict::Kind::kTempfail;
      v.reply = {kShutdown};
      v.close_session = true;
      break;
    default:
      return Failed(f, "sent a change outside the end of a message", content_stage);
  }
  return v;
}

Verdict MilterChain::Event(Stage stage, char command, const Macros& macros,
                           const std::string& packet, uint32_t no_send, uint32_t no_reply) {
  for (const auto& [name, value] : macros) known_macros_[name] = value;
  for (auto& fp : filters_) {
    Filter& f = *fp;
    if (!Interested(f)) continue;
    Verdict v;
    if (f.failed) {
      v = Failed(f, "", false);
    } else {
      if (stage == Stage::kMail) f.in_message = true;  // from now on it needs an abort
      auto reply = Exchange(f, stage, command, macros, packet, no_send, no_reply);
      v = reply ? Judge(f, *reply, stage) : Failed(f, reply.error(), false);
    }
    if (v.kind != Verdict::Kind::kContinue) return v;
  }
  return {};
}

Verdict MilterChain::Connect(const Macros& macros, std::string_view client_name,
                             std::string_view address) {
  for (auto& f : filters_) {
    auto conn = MilterConnection::Open(f->spec, f->connect_timeout, f->command_timeout);
    if (conn)
      f->conn = std::move(*conn);
    else
      Failed(*f, conn.error(), false);
  }
  std::string ip(address);
  if (ip.rfind("::ffff:", 0) == 0 && ip.find('.') != std::string::npos) ip = ip.substr(7);
  char family = ip.empty() ? 'U' : ip.find(':') != std::string::npos ? '6' : '4';
  return SessionEvent(Stage::kConnect, command::kConnect, macros,
                      EncodeConnect(client_name, family, 0, ip), step::kNoConnect,
                      step::kNoReplyConnect);
}

Verdict MilterChain::SessionEvent(Stage stage, char command, const Macros& macros,
                                  const std::string& packet, uint32_t no_send, uint32_t no_reply) {
  Verdict v = Event(stage, command, macros, packet, no_send, no_reply);
  // An accept at connect or HELO means: nothing more of this session.
  for (auto& f : filters_)
    if (f->done_for_message) f->done_for_session = true, f->done_for_message = false;
  if (v.refused()) session_verdict_ = v;
  return v;
}

Verdict MilterChain::Helo(const Macros& macros, std::string_view helo) {
  if (session_verdict_) return *session_verdict_;
  return SessionEvent(Stage::kHelo, command::kHelo, macros,
                      EncodeStrings(command::kHelo, {std::string(helo)}), step::kNoHelo,
                      step::kNoReplyHelo);
}

Verdict MilterChain::Mail(const Macros& macros, const std::vector<std::string>& args) {
  if (session_verdict_) return *session_verdict_;
  Abort();  // a transaction the session left without telling us
  Verdict v = Event(Stage::kMail, command::kMail, macros, EncodeStrings(command::kMail, args),
                    step::kNoMail, step::kNoReplyMail);
  if (v.kind == Verdict::Kind::kDiscard) discarding_ = true;
  return v;
}

Verdict MilterChain::Rcpt(const Macros& macros, const std::vector<std::string>& args) {
  if (discarding_) return {};
  Verdict v = Event(Stage::kRcpt, command::kRcpt, macros, EncodeStrings(command::kRcpt, args),
                    step::kNoRcpt, step::kNoReplyRcpt);
  if (v.kind == Verdict::Kind::kDiscard) discarding_ = true;  // RCPT still gets 250
  return v;
}

Verdict MilterChain::FilterMessage(Filter& f, const Macros& macros, MessageOutcome& out) {
  const Negotiation& n = f.conn->negotiated();
  auto step_reply = [&](const Result<Reply>& r, Stage stage) -> std::optional<Verdict> {
    if (!r) return Failed(f, r.error(), true);
    if (r->kind == Reply::Kind::kContinue || r->kind == Reply::Kind::kSkip) return std::nullopt;
    return Judge(f, *r, stage);
  };
  // DATA (protocol version 4 on), then each header field, then end of header.
  if (n.version >= 4) {
    auto r = Exchange(f, Stage::kData, command::kData, macros, EncodePacket(command::kData, ""),
                      step::kNoData, step::kNoReplyData);
    if (auto v = step_reply(r, Stage::kData)) return *v;
  }
  const bool leading_space = n.steps & step::kHeaderLeadingSpace;
  SplitMessage split = SplitForFilter(out.content, leading_space);
  for (const HeaderField& h : split.fields) {
    auto r = Exchange(f, Stage::kEndOfHeaders, command::kHeader, {}, EncodeHeader(h.name, h.value),
                      step::kNoHeaders, step::kNoReplyHeader);
    if (auto v = step_reply(r, Stage::kEndOfHeaders)) return *v;
  }
  auto r = Exchange(f, Stage::kEndOfHeaders, command::kEndOfHeaders, {},
                    EncodePacket(command::kEndOfHeaders, ""), step::kNoEndOfHeaders,
                    step::kNoReplyEndOfHeaders);
  if (auto v = step_reply(r, Stage::kEndOfHeaders)) return *v;
  // The body in chunks, until the filter says it has seen enough (SMFIR_SKIP).
  if (!(n.steps & step::kNoBody)) {
    for (size_t at = 0; at < split.body.size(); at += kChunkSize) {
      r = Exchange(f, Stage::kEndOfMessage, command::kBody, {},
                   EncodePacket(command::kBody, split.body.substr(at, kChunkSize)), 0,
                   step::kNoReplyBody);
      if (r && r->kind == Reply::Kind::kSkip) break;
      if (auto v = step_reply(r, Stage::kEndOfMessage)) return *v;
    }
  }
  std::vector<Reply> changes;
  Verdict v = EndOfMessage(f, macros, changes);
  if (v.kind != Verdict::Kind::kContinue) return v;  // refused, discarded, or failed
  if (f.failed) return v;                            // failed with default accept: no changes
  for (const Reply& c : changes) {
    switch (c.kind) {
      case Reply::Kind::kAddRecipient:
        out.added_recipients.push_back(StripBrackets(c.address));
        break;
      case Reply::Kind::kDeleteRecipient:
        out.deleted_recipients.push_back(StripBrackets(c.address));
        break;
      case Reply::Kind::kChangeSender:
        out.sender = StripBrackets(c.address);
        break;
      case Reply::Kind::kQuarantine:
        out.quarantine = c.text.empty() ? "quarantined by " + f.spec.address : c.text;
        break;
      default:
        break;
    }
    out.changes.emplace_back(f.spec.address, Describe(c));
  }
  out.content = ApplyContentChanges(out.content, changes, leading_space);
  return v;
}

Verdict MilterChain::EndOfMessage(Filter& f, const Macros& macros, std::vector<Reply>& changes) {
  const Negotiation& n = f.conn->negotiated();
  if (Status st = f.conn->Send(MacroPacket(f, Stage::kEndOfMessage, command::kEndOfBody, macros) +
                               EncodePacket(command::kEndOfBody, ""));
      !st)
    return Failed(f, st.message(), true);
  // content_timeout bounds the whole answer, progress reports included; and what a filter may
  // add is bounded like a message.
  const Deadline deadline = std::chrono::steady_clock::now() + f.content_timeout;
  const size_t limit = static_cast<size_t>(config_.max_message_size);
  size_t added = 0;
  for (;;) {
    auto reply = f.conn->Receive(deadline);
    if (!reply) return Failed(f, reply.error(), true);
    if (!IsModification(reply->kind)) {
      f.in_message = false;
      return Judge(f, *reply, Stage::kEndOfMessage);
    }
    if (!(n.actions & NeededAction(*reply)))
      return Failed(f, "sent a change it did not negotiate: " + Describe(*reply), true);
    added +=
        reply->name.size() + reply->value.size() + reply->text.size() + reply->address.size() + 64;
    if (added > limit || changes.size() >= kMaxChanges)
      return Failed(f, "sent more changes than a message may hold", true);
    changes.push_back(std::move(*reply));
  }
}

MessageOutcome MilterChain::Message(const Macros& macros, std::string content) {
  MessageOutcome out;
  out.content = std::move(content);
  if (discarding_) {
    out.verdict.kind = Verdict::Kind::kDiscard;
    Abort();
    return out;
  }
  for (const auto& [name, value] : macros) known_macros_[name] = value;
  for (auto& fp : filters_) {
    Filter& f = *fp;
    if (!Interested(f)) continue;
    Verdict v = f.failed ? Failed(f, "", true) : FilterMessage(f, macros, out);
    if (v.kind != Verdict::Kind::kContinue) {
      out.verdict = v;
      break;
    }
  }
  // The filters after the one that decided, or that accepted early, forget the message.
  Abort();
  return out;
}

void MilterChain::Abort() {
  for (auto& f : filters_) {
    if (f->conn && f->in_message) {
      if (Status st = f->conn->Send(EncodePacket(command::kAbort, "")); !st)
        Failed(*f, st.message(), false);
    }
    f->in_message = false;
    f->done_for_message = false;
  }
  discarding_ = false;
}

void MilterChain::Quit() {
  for (auto& f : filters_) {
    if (f->conn) f->conn->Quit();
    f->conn.reset();
  }
}

}  // namespace mailsuite::mta::milter
