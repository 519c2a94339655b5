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

std::string StripBrackets(std::string address) {
  if (address.size() >= 2 && address.front() == '<' && address.back() == '>')
    address = address.substr(1, address.size() - 2);
  return address;
}

// The action a filter's change needs (SMFIF_*), for checking it was negotiated.
uint32_t NeededAction(Reply::Kind kind) {
  using K = Reply::Kind;
  switch (kind) {
    case K::kAddHeader:
      return action::kAddHeaders;
    case K::kInsertHeader:
    case K::kChangeHeader:
      return action::kChangeHeaders;
    case K::kAddRecipient:
      return action::kAddRecipient | action::kAddRecipientWithArgs;
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
                                     const Macros& macros) {
  const Negotiation& n = f.conn->negotiated();
  Macros sent;
  auto wanted = n.macros.find(stage);
  for (const auto& m : macros)
    if (wanted == n.macros.end() ||
        std::find(wanted->second.begin(), wanted->second.end(), m.first) != wanted->second.end())
      sent.push_back(m);
  return sent.empty() ? std::string() : EncodeMacros(command, sent);
}

Result<Reply> MilterChain::Exchange(Filter& f, Stage stage, char command, const Macros& macros,
                                    const std::string& packet, uint32_t no_send, uint32_t no_reply,
                                    std::chrono::seconds timeout) {
  const Negotiation& n = f.conn->negotiated();
  Reply go_on;
  if (no_send && (n.steps & no_send)) return go_on;
  if (Status st = f.conn->Send(MacroPacket(f, stage, command, macros) + packet); !st) return st;
  if (no_reply && (n.steps & no_reply)) return go_on;
  return f.conn->Receive(timeout);
}

Verdict MilterChain::Judge(Filter& f, const Reply& reply, bool content_stage) {
  using K = Reply::Kind;
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
  for (auto& fp : filters_) {
    Filter& f = *fp;
    if (!Interested(f)) continue;
    Verdict v;
    if (f.failed) {
      v = Failed(f, "", false);
    } else {
      auto reply =
          Exchange(f, stage, command, macros, packet, no_send, no_reply, f.command_timeout);
      v = reply ? Judge(f, *reply, false) : Failed(f, reply.error(), false);
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
  char family = address.find(':') != std::string_view::npos ? '6' : '4';
  if (address.empty()) family = 'U';
  Verdict v = Event(Stage::kConnect, command::kConnect, macros,
                    EncodeConnect(client_name, family, 0, address), step::kNoConnect,
                    step::kNoReplyConnect);
  // An accept at connect or HELO means: nothing more of this session.
  for (auto& f : filters_)
    if (f->done_for_message) f->done_for_session = true, f->done_for_message = false;
  if (v.kind == Verdict::Kind::kDiscard) discard_session_ = true;
  if (v.refused()) session_verdict_ = v;
  return v;
}

Verdict MilterChain::Helo(const Macros& macros, std::string_view helo) {
  if (session_verdict_) return *session_verdict_;
  Verdict v =
      Event(Stage::kHelo, command::kHelo, macros,
            EncodeStrings(command::kHelo, {std::string(helo)}), step::kNoHelo, step::kNoReplyHelo);
  for (auto& f : filters_)
    if (f->done_for_message) f->done_for_session = true, f->done_for_message = false;
  if (v.kind == Verdict::Kind::kDiscard) discard_session_ = true;
  if (v.refused()) session_verdict_ = v;
  return v;
}

Verdict MilterChain::Mail(const Macros& macros, const std::vector<std::string>& args) {
  if (session_verdict_) return *session_verdict_;
  for (auto& f : filters_) {
    f->done_for_message = false;
    f->in_message = f->conn != nullptr && !f->done_for_session;
  }
  Verdict v = Event(Stage::kMail, command::kMail, macros, EncodeStrings(command::kMail, args),
                    step::kNoMail, step::kNoReplyMail);
  if (discard_session_ && v.kind == Verdict::Kind::kContinue) v.kind = Verdict::Kind::kDiscard;
  return v;
}

Verdict MilterChain::Rcpt(const Macros& macros, const std::vector<std::string>& args) {
  return Event(Stage::kRcpt, command::kRcpt, macros, EncodeStrings(command::kRcpt, args),
               step::kNoRcpt, step::kNoReplyRcpt);
}

Verdict MilterChain::FilterMessage(Filter& f, const Macros& macros, MessageOutcome& out) {
  const Negotiation& n = f.conn->negotiated();
  auto fail = [&](const std::string& why) { return Failed(f, why, true); };
  auto step_reply = [&](const Result<Reply>& r) -> std::optional<Verdict> {
    if (!r) return fail(r.error());
    if (r->kind == Reply::Kind::kContinue || r->kind == Reply::Kind::kSkip) return std::nullopt;
    return Judge(f, *r, true);
  };
  // DATA, then each header field, then end of header.
  auto r = Exchange(f, Stage::kData, command::kData, macros, EncodePacket(command::kData, ""),
                    step::kNoData, step::kNoReplyData, f.command_timeout);
  if (auto v = step_reply(r)) return *v;
  const bool leading_space = n.steps & step::kHeaderLeadingSpace;
  SplitMessage split = SplitForFilter(out.content, leading_space);
  for (const HeaderField& h : split.fields) {
    r = Exchange(f, Stage::kEndOfHeaders, command::kHeader, {}, EncodeHeader(h.name, h.value),
                 step::kNoHeaders, step::kNoReplyHeader, f.command_timeout);
    if (auto v = step_reply(r)) return *v;
  }
  r = Exchange(f, Stage::kEndOfHeaders, command::kEndOfHeaders, {},
               EncodePacket(command::kEndOfHeaders, ""), step::kNoEndOfHeaders,
               step::kNoReplyEndOfHeaders, f.command_timeout);
  if (auto v = step_reply(r)) return *v;
  // The body in chunks, until the filter says it has seen enough (SMFIR_SKIP).
  if (!(n.steps & step::kNoBody)) {
    for (size_t at = 0; at < split.body.size(); at += kChunkSize) {
      r = Exchange(f, Stage::kEndOfMessage, command::kBody, {},
                   EncodePacket(command::kBody, split.body.substr(at, kChunkSize)), 0,
                   step::kNoReplyBody, f.command_timeout);
      if (r && r->kind == Reply::Kind::kSkip) break;
      if (auto v = step_reply(r)) return *v;
    }
  }
  // End of message: changes, then the verdict.
  if (Status st = f.conn->Send(MacroPacket(f, Stage::kEndOfMessage, command::kEndOfBody, macros) +
                               EncodePacket(command::kEndOfBody, ""));
      !st)
    return fail(st.message());
  std::vector<Reply> changes;
  size_t body_bytes = 0;
  for (;;) {
    auto reply = f.conn->Receive(f.content_timeout);
    if (!reply) return fail(reply.error());
    if (!IsModification(reply->kind)) {
      f.in_message = false;
      Verdict v = Judge(f, *reply, true);
      if (v.kind != Verdict::Kind::kContinue) return v;  // refused or discarded
      break;                                             // continue or accept: its changes stand
    }
    if (!(n.actions & NeededAction(reply->kind)))
      return fail("sent a change it did not negotiate: " + Describe(*reply));
    if (reply->kind == Reply::Kind::kReplaceBody) {
      body_bytes += reply->text.size();
      if (body_bytes > static_cast<size_t>(config_.max_message_size))
        return fail("replaced the body with more than smtp.max_message_size");
    }
    out.changes.emplace_back(f.spec.address, Describe(*reply));
    changes.push_back(std::move(*reply));
  }
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
  }
  out.content = ApplyContentChanges(out.content, changes, leading_space);
  return {};
}

MessageOutcome MilterChain::Message(const Macros& macros, std::string content) {
  MessageOutcome out;
  out.content = std::move(content);
  for (auto& fp : filters_) {
    Filter& f = *fp;
    if (!Interested(f)) continue;
    Verdict v = f.failed ? Failed(f, "", true) : FilterMessage(f, macros, out);
    if (v.kind == Verdict::Kind::kDiscard) {
      out.verdict = v;
      break;
    }
    if (v.refused()) {
      out.verdict = v;
      break;
    }
  }
  // The message ended early for the filters after the one that decided: they forget it.
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
}

void MilterChain::Quit() {
  for (auto& f : filters_) {
    if (f->conn) f->conn->Quit();
    f->conn.reset();
  }
}

}  // namespace mailsuite::mta::milter
