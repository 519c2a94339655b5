// STATUS (RFC 3501 6.3.10): counters of a mailbox that need not be selected. \Recent is not
// kept, so RECENT is always 0. HIGHESTMODSEQ is RFC 7162 3.1.7.
#include "../format.h"
#include "../session.h"

namespace mailsuite::imapd {

void HandleStatus(ImapSession& s, const Command& c) {
  if (c.args.size() != 2 || !c.args[0].IsAstring() || c.args[1].kind != Arg::Kind::kList ||
      c.args[1].items.empty())
    return s.Bad(c, "Syntax: STATUS mailbox (items)");
  std::string name = CanonicalMailbox(c.args[0].text);
  auto box = s.store().GetMailbox(s.user->id, name);
  if (!box) {
    s.log().Error("status: " + box.error());
    return s.No(c, "[SERVERBUG] Cannot read mailbox");
  }
  if (!box->has_value()) return s.No(c, "[NONEXISTENT] No such mailbox");
  const store::Mailbox& m = **box;
  std::optional<std::vector<store::MessageInfo>> messages;
  std::string items;
  for (const Arg& a : c.args[1].items) {
    std::string item = Upper(a.text);
    uint64_t value = 0;
    if (a.kind != Arg::Kind::kAtom) return s.Bad(c, "Bad STATUS item");
    if (item == "MESSAGES") {
      value = m.messages;
    } else if (item == "RECENT") {
      value = 0;
    } else if (item == "UIDNEXT") {
      value = m.uid_next;
    } else if (item == "UIDVALIDITY") {
      value = m.uid_validity;
    } else if (item == "HIGHESTMODSEQ") {
      s.EnableCondstore();  // RFC 7162 3.1.7, and a CONDSTORE enabling command (3.1)
      value = m.highest_modseq;
    } else if (item == "UNSEEN") {
      if (!messages) {
        auto list = s.store().ListMessages(m.id);
        if (!list) return s.No(c, "[SERVERBUG] Cannot read mailbox");
        messages = std::move(list).value();
      }
      for (const store::MessageInfo& msg : *messages)
        if (!(msg.flags.system & store::kFlagSeen)) ++value;
    } else {
      return s.Bad(c, "Unknown STATUS item");
    }
    if (!items.empty()) items += ' ';
    items += item + " " + std::to_string(value);
  }
  s.Untagged("STATUS " + Quote(m.name) + " (" + items + ")");
  s.Ok(c, "STATUS completed");
}

}  // namespace mailsuite::imapd
