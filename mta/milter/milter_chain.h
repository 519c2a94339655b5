// The content filters (milters) one SMTP session consults, in order: each SMTP event goes to
// every filter still interested, and the first that rejects, tempfails or discards decides.
// At end of message each filter sees the message as the filters before it left it, and its
// changes (header fields, body, recipients, sender) are applied before the next one runs, as
// in Postfix. A filter that cannot be reached, times out or breaks the protocol gets its
// default action (tempfail, accept or reject) for the rest of the session.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "milter_client.h"
#include "milter_protocol.h"
#include "shared/config.h"
#include "shared/logging.h"

namespace mailsuite::mta::milter {

// What the filters decided about an SMTP event.
struct Verdict {
  enum class Kind { kContinue, kReject, kTempfail, kDiscard };
  Kind kind = Kind::kContinue;
  std::vector<std::string> reply;  // kReject, kTempfail: the SMTP reply, ready to send
  bool close_session = false;      // the filter asked for 421 and the end of the session
  std::string filter;              // who decided, for the log
  bool refused() const { return kind == Kind::kReject || kind == Kind::kTempfail; }
};

// The end of a message: the verdict, and the message and envelope as the filters left them.
struct MessageOutcome {
  Verdict verdict;
  std::string content;
  std::optional<std::string> sender;                         // a new envelope sender, no <>
  std::vector<std::string> added_recipients;                 // no <>
  std::vector<std::string> deleted_recipients;               // no <>, as the filter named them
  std::string quarantine;                                    // a filter's reason; empty: none
  std::vector<std::pair<std::string, std::string>> changes;  // (filter, change) for the log
};

class MilterChain {
 public:
  MilterChain(const std::vector<MilterSpec>& specs, const SmtpConfig& config,
              const SessionLog& log);
  ~MilterChain();
  MilterChain(const MilterChain&) = delete;
  MilterChain& operator=(const MilterChain&) = delete;

  // The SMTP events. `macros` are the macros this MTA gives at that stage; a filter that asked
  // for a list (SMFIR_SETSYMLIST) gets those of its list that any stage so far has given. A
  // refusal at connect or HELO holds for the session: every MAIL gets it. After a discard at
  // MAIL or RCPT the filters hear nothing more of the transaction.
  Verdict Connect(const Macros& macros, std::string_view client_name, std::string_view address);
  Verdict Helo(const Macros& macros, std::string_view helo);
  Verdict Mail(const Macros& macros, const std::vector<std::string>& args);
  Verdict Rcpt(const Macros& macros, const std::vector<std::string>& args);
  // DATA, the header fields, end of header, the body in chunks and end of message.
  MessageOutcome Message(const Macros& macros, std::string content);
  // The transaction ended without a message (RSET, all recipients refused): filters forget it.
  void Abort();
  // The session ends.
  void Quit();

 private:
  struct Filter;
  using Deadline = MilterConnection::Deadline;

  // Sends the macros for `command` to `f`, then `packet` unless it asked not to get it
  // (`no_send`), and reads its reply unless it asked not to answer (`no_reply`).
  Result<Reply> Exchange(Filter& f, Stage stage, char command, const Macros& macros,
                         const std::string& packet, uint32_t no_send, uint32_t no_reply);
  std::string MacroPacket(const Filter& f, Stage stage, char command, const Macros& macros) const;
  Verdict Event(Stage stage, char command, const Macros& macros, const std::string& packet,
                uint32_t no_send, uint32_t no_reply);
  // Event at connect or HELO: an accept there is for the session, a refusal holds for it.
  Verdict SessionEvent(Stage stage, char command, const Macros& macros, const std::string& packet,
                       uint32_t no_send, uint32_t no_reply);
  // Turns one filter's reply at `stage` into a verdict (kContinue: go on to the next filter).
  Verdict Judge(Filter& f, const Reply& reply, Stage stage);
  Verdict Failed(Filter& f, const std::string& why, bool content_stage);
  bool Interested(const Filter& f) const;
  // One filter's pass over the message; appends its changes to `out`.
  Verdict FilterMessage(Filter& f, const Macros& macros, MessageOutcome& out);
  // Collects the changes and the verdict that end one filter's end of message.
  Verdict EndOfMessage(Filter& f, const Macros& macros, std::vector<Reply>& changes);

  const SmtpConfig& config_;
  const SessionLog& log_;
  std::vector<std::unique_ptr<Filter>> filters_;
  std::map<std::string, std::string> known_macros_;  // every value given so far, by name
  std::optional<Verdict> session_verdict_;           // a refusal at connect or HELO
  bool discarding_ = false;                          // a discard at MAIL or RCPT
};

}  // namespace mailsuite::mta::milter
