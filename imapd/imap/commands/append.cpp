// APPEND (RFC 3501 6.3.11): mailbox [flags] [date-time] literal. The MIME structure is parsed
// here once and cached with the message, as local delivery does. A missing mailbox is
// NO [TRYCREATE]; the OK is sent only after the store committed the message, with
// [APPENDUID uidvalidity uid] (RFC 4315 3).
#include <ctime>

#include "../format.h"
#include "../session.h"
#include "shared/mail/mime.h"

namespace mailsuite::imapd {

void HandleAppend(ImapSession& s, const Command& c) {
  if (c.args.size() < 2 || c.args.size() > 4 || !c.args[0].IsAstring() ||
      c.args.back().kind != Arg::Kind::kString)
    return s.Bad(c, "Syntax: APPEND mailbox [(flags)] [date-time] literal");
  store::Flags flags;
  int64_t date = static_cast<int64_t>(std::time(nullptr));
  for (size_t i = 1; i + 1 < c.args.size(); ++i) {
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
      return s.Bad(c, "Syntax: APPEND mailbox [(flags)] [date-time] literal");
    }
  }
  const std::string& content = c.args.back().text;
  if (content.empty()) return s.Bad(c, "Empty message");
  auto box = s.store().GetMailbox(s.user->id, CanonicalMailbox(c.args[0].text));
  if (!box) {
    s.log().Error("append: " + box.error());
    return s.No(c, "[SERVERBUG] Cannot append");
  }
  if (!box->has_value()) return s.No(c, "[TRYCREATE] No such mailbox");
  std::string metadata = mail::SerializeMimeTree(mail::ParseMime(content));
  auto uid = s.store().Append((**box).id, content, flags, date, metadata);
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
