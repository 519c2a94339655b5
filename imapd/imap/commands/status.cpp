// STATUS (RFC 3501 6.3.10): counters of a mailbox that need not be selected, with SIZE
// (RFC 8438), APPENDLIMIT (RFC 7889) and HIGHESTMODSEQ (RFC 7162 3.1.7). The items themselves
// live in status_items.h, shared with LIST-STATUS.
#include "../format.h"
#include "../session.h"
#include "../status_items.h"

namespace mailsuite::imapd {

void HandleStatus(ImapSession& s, const Command& c) {
  if (c.args.size() != 2 || !c.args[0].IsAstring() || c.args[1].kind != Arg::Kind::kList ||
      c.args[1].items.empty())
    return s.Bad(c, "Syntax: STATUS mailbox (items)");
  std::string error;
  auto items = ParseStatusItems(c.args[1], error);
  if (!items) return s.Bad(c, error);
  auto box = s.store().GetMailbox(s.user->id, s.MailboxArg(c.args[0].text));
  if (!box) {
    s.log().Error("status: " + box.error());
    return s.No(c, "[SERVERBUG] Cannot read mailbox");
  }
  if (!box->has_value()) return s.No(c, "[NONEXISTENT] No such mailbox");
  auto line = StatusResponse(s, **box, *items);
  if (!line) {
    s.log().Error("status: " + line.error());
    return s.No(c, "[SERVERBUG] Cannot read mailbox");
  }
  s.Untagged(*line);
  s.Ok(c, "STATUS completed");
}

}  // namespace mailsuite::imapd
