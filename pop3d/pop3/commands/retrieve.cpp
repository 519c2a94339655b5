// RETR and TOP (RFC 1939 7): the message text from the store, dot-stuffed, ended by ".".
// The content is read at the command, not at login: if another process (IMAP, a second POP3
// daemon) expunged the message meanwhile, ReadContent fails and the answer is -ERR.
#include "../command_parser.h"
#include "../message_text.h"
#include "message_argument.h"

namespace mailsuite::pop3d {
namespace {

// The message text, or nullopt after answering -ERR.
std::optional<std::string> ReadMessage(Pop3Session& s, const MaildropMessage& m) {
  auto content = s.store().ReadContent(s.maildrop->mailbox_id(), m.uid);
  if (!content.ok()) {
    s.log().Info("message uid=" + std::to_string(m.uid) + " unreadable: " + content.error());
    s.Err("Message is no longer available");
    return std::nullopt;
  }
  return std::move(content).value();
}

void SendMultiline(Pop3Session& s, std::string_view first_line, std::string_view text) {
  std::string out = "+OK ";
  out += first_line;
  out += "\r\n";
  AppendMultiline(out, text);
  s.Write(out);
}

}  // namespace

void HandleRetr(Pop3Session& s, const std::string& argument) {
  auto args = SplitArguments(argument, 1, 1);
  const MaildropMessage* m = FindMessage(s, args ? (*args)[0] : "", "RETR message");
  if (!m) return;
  auto text = ReadMessage(s, *m);
  if (!text) return;
  SendMultiline(s, std::to_string(text->size()) + " octets", *text);
}

void HandleTop(Pop3Session& s, const std::string& argument) {
  auto args = SplitArguments(argument, 2, 2);
  auto lines = args ? ParseNumber((*args)[1]) : std::nullopt;
  if (!lines) {
    s.Err("Syntax: TOP message lines");
    s.CountError();
    return;
  }
  const MaildropMessage* m = FindMessage(s, (*args)[0], "TOP message lines");
  if (!m) return;
  auto text = ReadMessage(s, *m);
  if (!text) return;
  SendMultiline(s, "Top of message follows", TopText(*text, *lines));
}

}  // namespace mailsuite::pop3d
