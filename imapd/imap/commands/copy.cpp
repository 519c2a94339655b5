// COPY and UID COPY (RFC 3501 6.4.7): the store shares the content and keeps flags and
// INTERNALDATE. A missing destination is NO [TRYCREATE].
#include "../format.h"
#include "../session.h"

namespace mailsuite::imapd {

void HandleCopy(ImapSession& s, const Command& c, bool uid) {
  if (c.args.size() != 2 || !c.args[1].IsAstring())
    return s.Bad(c, "Syntax: COPY sequence-set mailbox");
  auto seqs = ResolveSet(s, c, c.args[0], uid);
  if (!seqs) return;
  auto dest = s.store().GetMailbox(s.user->id, CanonicalMailbox(c.args[1].text));
  if (!dest) {
    s.log().Error("copy: " + dest.error());
    return s.No(c, "[SERVERBUG] Cannot copy");
  }
  if (!dest->has_value()) return s.No(c, "[TRYCREATE] No such mailbox");
  std::vector<uint32_t> uids;
  for (size_t seq : *seqs) uids.push_back(s.selected->at(seq).uid);
  if (!uids.empty()) {
    auto r = s.store().Copy(s.selected->mailbox().id, uids, (**dest).id);
    if (!r) {
      s.log().Error("copy: " + r.error());
      return s.No(c, "[SERVERBUG] Cannot copy");
    }
  }
  s.Ok(c, uid ? "UID COPY completed" : "COPY completed");
}

}  // namespace mailsuite::imapd
