// APPEND (RFC 3501 6.3.11): mailbox [flags] [date-time] literal. The MIME structure is parsed
// here once and cached with the message, as local delivery does. A missing mailbox is
// NO [TRYCREATE]; the OK is sent only after the store committed the message, with
// [APPENDUID uidvalidity uid] (RFC 4315 3). A message over the APPENDLIMIT (RFC 7889) never
// gets here: the session refuses its literal with NO [TOOBIG] before the "+".
#include <ctime>

#include "../format.h"
#include "../session.h"

namespace mailsuite::imapd {

void HandleAppend(ImapSession& s, const Command& c) {
  static const char kSyntax[] = "Syntax: APPEND mailbox [(flags)] [date-time] literal";
  const size_t n = c.args.size();
  if (n < 2 || !c.args[0].IsAstring()) return s.Bad(c, kSyntax);
  // The message: a literal, or "UTF8 (~{n}…)" once UTF8=ACCEPT is enabled (RFC 6855 4). A
  // bare literal8 would be BINARY (RFC 3516), which is not offered.
  const Arg* message = nullptr;
  size_t options_end = n - 1;
  if (n >= 3 && c.args[n - 2].IsAtom("UTF8")) {
    if (!s.utf8_accept) return s.Bad(c, "APPEND UTF8 needs ENABLE UTF8=ACCEPT first");
    const Arg& l = c.args[n - 1];
    if (l.kind != Arg::Kind::kList || l.items.size() != 1 || !l.items[0].literal8)
      return s.Bad(c, "Syntax: APPEND mailbox [(flags)] [date-time] UTF8 (~{n}message)");
    message = &l.items[0];
    options_end = n - 2;
  } else if (c.args.back().kind == Arg::Kind::kString && !c.args.back().literal8) {
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
  const std::string& content = message->text;
  if (content.empty()) return s.Bad(c, "Empty message");
  auto box = s.store().GetMailbox(s.user->id, s.MailboxArg(c.args[0].text));
  if (!box) {
    s.log().Error("append: " + box.error());
    return s.No(c, "[SERVERBUG] Cannot append");
  }
  if (!box->has_value()) return s.No(c, "[TRYCREATE] No such mailbox");
  auto uid = s.store().Append((**box).id, content, flags, date);
  if (!uid) {
    s.log().Error("append: " + uid.error());
    return s.No(c, "[SERVERBUG] Cannot append");
  }
  s.log().Info("append " + Printable((**box).name) + " uid=" + std::to_string(*uid) +
               " size=" + std::to_string(content.size()));
  s.Ok(c, "[APPENDUID " + std::to_string((**box).uid_validity) + " " + std::to_string(*uid) +
              "] APPEND completed");
}

}  // namespace mailsuite::imapd
