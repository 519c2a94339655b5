// APPEND (RFC 3501 6.3.11): mailbox [flags] [date-time] literal. The MIME structure is parsed
// here once and cached with the message, as local delivery does. A missing mailbox is
// NO [TRYCREATE]; the OK is sent only after the store committed the message, with
// [APPENDUID uidvalidity uid] (RFC 4315 3). A message over the APPENDLIMIT (RFC 7889) never
// gets here: the session refuses its literal with NO [TOOBIG] before the "+".
// A literal8 (BINARY, RFC 3516 4.4 / RFC 9051 6.3.12) may carry binary content: its parts with
// NUL octets or "binary" transfer encoding are stored as base64, so that BODY[] never has to send
// a NUL (no IMAP literal may hold one) while BINARY[] still returns the octets appended. A NUL
// in a plain literal (which RFC 9051 4.3 does not allow, but real clients and imaptest send) is
// stored as it came; FETCH sends it as 0x80 (commands/fetch.cpp).
#include <ctime>

#include "../format.h"
#include "../session.h"
#include "shared/mail/binary_parts.h"

namespace mailsuite::imapd {

void HandleAppend(ImapSession& s, const Command& c) {
  static const char kSyntax[] = "Syntax: APPEND mailbox [(flags)] [date-time] literal";
  const size_t n = c.args.size();
  if (n < 2 || !c.args[0].IsAstring()) return s.Bad(c, kSyntax);
  // The message: a literal or literal8, or "UTF8 (~{n}…)" once UTF8=ACCEPT is enabled (RFC
  // 6855 4).
  const Arg* message = nullptr;
  size_t options_end = n - 1;
  if (n >= 3 && c.args[n - 2].IsAtom("UTF8")) {
    if (!s.utf8_accept) return s.Bad(c, "APPEND UTF8 needs ENABLE UTF8=ACCEPT first");
    const Arg& l = c.args[n - 1];
    if (l.kind != Arg::Kind::kList || l.items.size() != 1 || !l.items[0].literal8)
      return s.Bad(c, "Syntax: APPEND mailbox [(flags)] [date-time] UTF8 (~{n}message)");
    message = &l.items[0];
    options_end = n - 2;
  } else if (c.args.back().kind == Arg::Kind::kString && c.args.back().literal) {
    message = &c.args.back();
  } else {
    return s.Bad(c, kSyntax);
  }
  if (options_end > 3) return s.Bad(c, kSyntax);
  store::Flags flags;
  int64_t date = static_cast<int64_t>(std::time(nullptr));
  for (size_t i = 1; i < options_end; ++i) {
    const Arg& a = c.args[i];
    if (a.kind == Arg::Kind::kList && i == 1) {
      auto f = ParseFlags(a.items);
      if (!f) return s.Bad(c, "Invalid flag");
      flags = *f;
    } else if (a.kind == Arg::Kind::kString && !a.literal) {
      auto d = ParseDateTime(a.text);
      if (!d) return s.Bad(c, "Invalid date-time");
      date = *d;
    } else {
      return s.Bad(c, kSyntax);
    }
  }
  std::string content = message->text;
  if (content.empty()) return s.Bad(c, "Empty message");
  if (message->literal8)
    if (auto encoded = mail::EncodeBinaryParts(content)) content = std::move(*encoded);
  // Base64 grows what it encodes by a third; the stored message must still fit (RFC 7889).
  if (content.size() > s.AppendLimit())
    return s.No(c, "[TOOBIG] Message too large once its binary parts are encoded");
  auto box = s.store().GetMailbox(s.user->id, s.MailboxArg(c.args[0].text));
  if (!box) {
    s.log().Error("append: " + box.error());
    return s.No(c, "[SERVERBUG] Cannot append");
  }
  if (!box->has_value()) return s.No(c, "[TRYCREATE] No such mailbox");
  if (RefuseOverQuota(s, c, content.size(), 1)) return;
  auto uid = s.store().Append((**box).id, content, flags, date);
  if (!uid) return s.NoAfterStoreError(c, uid.status(), "append", "Cannot append");
  s.log().Info("append " + Printable((**box).name) + " uid=" + std::to_string(*uid) +
               " size=" + std::to_string(content.size()));
  s.Ok(c, "[APPENDUID " + std::to_string((**box).uid_validity) + " " + std::to_string(*uid) +
              "] APPEND completed");
}

}  // namespace mailsuite::imapd
