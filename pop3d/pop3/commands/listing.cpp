// STAT, LIST and UIDL (RFC 1939 5, 7): the session's fixed view of the maildrop. Messages marked
// deleted are neither counted nor listed. LIST sizes are the octets RETR sends before
// dot-stuffing; UIDL ids never change for a message (see Maildrop::UniqueId).
#include "../command_parser.h"
#include "message_argument.h"

namespace mailsuite::pop3d {
namespace {

using LineFor = std::string (*)(const Maildrop&, const MaildropMessage&);

std::string SizeOf(const Maildrop&, const MaildropMessage& m) { return std::to_string(m.size); }
std::string UniqueIdOf(const Maildrop& drop, const MaildropMessage& m) { return drop.UniqueId(m); }

// LIST and UIDL share their shape: with an argument one "+OK n value" line, without it a
// multi-line "n value" listing of every message not marked deleted.
void Listing(Pop3Session& s, const std::string& argument, std::string_view usage, LineFor value) {
  auto args = SplitArguments(argument, 0, 1);
  if (!args) {
    s.Err("Syntax: " + std::string(usage));
    s.CountError();
    return;
  }
  const Maildrop& drop = *s.maildrop;
  if (!args->empty()) {
    const MaildropMessage* m = FindMessage(s, (*args)[0], usage);
    if (m) s.Ok(std::string((*args)[0]) + " " + value(drop, *m));
    return;
  }
  std::string out = "+OK " + std::to_string(drop.count()) + " messages (" +
                    std::to_string(drop.total_size()) + " octets)\r\n";
  for (uint32_t n = 1; n <= drop.highest_number(); ++n) {
    const MaildropMessage* m = drop.Find(n);
    if (!m) continue;
    out += std::to_string(n);
    out += ' ';
    out += value(drop, *m);
    out += "\r\n";
  }
  out += ".\r\n";
  s.Write(out);
}

}  // namespace

void HandleStat(Pop3Session& s, const std::string& argument) {
  if (!argument.empty()) {
    s.Err("Syntax: STAT");
    s.CountError();
    return;
  }
  s.Ok(std::to_string(s.maildrop->count()) + " " + std::to_string(s.maildrop->total_size()));
}

void HandleList(Pop3Session& s, const std::string& argument) {
  Listing(s, argument, "LIST [message]", SizeOf);
}

void HandleUidl(Pop3Session& s, const std::string& argument) {
  Listing(s, argument, "UIDL [message]", UniqueIdOf);
}

}  // namespace mailsuite::pop3d
