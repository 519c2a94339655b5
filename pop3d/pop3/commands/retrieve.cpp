// RETR and TOP (RFC 1939 7): the message text from the store, dot-stuffed, ended by ".". The
// text is read at the command, not at login: if another process (IMAP, a second POP3 daemon)
// expunged the message meanwhile, opening it fails and the answer is -ERR. It is streamed in
// chunks, so a big message is never held whole; TOP reads only as far as the lines it sends.
#include <algorithm>

#include "../command_parser.h"
#include "../message_text.h"
#include "message_argument.h"

namespace mailsuite::pop3d {
namespace {

// TOP reads small chunks first (a header is usually a few KB), RETR and long TOPs grow to this.
constexpr uint64_t kFirstChunk = 16 * 1024;
constexpr uint64_t kMaxChunk = 256 * 1024;

// The message opened for reading, or nullptr after answering -ERR.
std::unique_ptr<store::ContentReader> OpenMessage(Pop3Session& s, const MaildropMessage& m) {
  auto reader = s.store().OpenContent(s.maildrop->mailbox_id(), m.uid);
  if (!reader.ok()) {
    s.log().Info("message uid=" + std::to_string(m.uid) + " unreadable: " + reader.error());
    s.Err("Message is no longer available");
    return nullptr;
  }
  return std::move(reader).value();
}

// Sends "+OK first_line" and the dot-stuffed text, passed through `top` when given. A read
// that fails once the reply has started cannot be told to the client in-band (RFC 1939 3):
// the connection is closed instead, and no message is deleted (no UPDATE state).
void SendMultiline(Pop3Session& s, store::ContentReader& reader, std::string_view first_line,
                   TopFilter* top) {
  std::string out = "+OK ";
  out += first_line;
  out += "\r\n";
  s.Write(out);
  DotStuffer stuffer;
  std::string chunk;
  uint64_t size = top ? kFirstChunk : kMaxChunk;
  for (uint64_t offset = 0; offset < reader.size() && !(top && top->done()); offset += size) {
    if (offset > 0) size = std::min(size * 2, kMaxChunk);
    chunk.clear();
    Status st = reader.Read(offset, size, chunk);
    if (!st.ok()) {
      s.log().Error("message text unreadable mid-reply, closing: " + st.message());
      s.Close();
      return;
    }
    out.clear();
    stuffer.Append(top ? top->Take(chunk) : std::string_view(chunk), out);
    s.Write(out);
  }
  out.clear();
  if (top && !top->done()) stuffer.Append(top->Finish(), out);
  stuffer.Finish(out);
  s.Write(out);
}

}  // namespace

void HandleRetr(Pop3Session& s, const std::string& argument) {
  auto args = SplitArguments(argument, 1, 1);
  const MaildropMessage* m = FindMessage(s, args ? (*args)[0] : "", "RETR message");
  if (!m) return;
  auto reader = OpenMessage(s, *m);
  if (!reader) return;
  SendMultiline(s, *reader, std::to_string(reader->size()) + " octets", nullptr);
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
  auto reader = OpenMessage(s, *m);
  if (!reader) return;
  TopFilter top(*lines);
  SendMultiline(s, *reader, "Top of message follows", &top);
}

}  // namespace mailsuite::pop3d
