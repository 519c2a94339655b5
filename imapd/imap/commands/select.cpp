// SELECT and EXAMINE (RFC 3501 6.3.1, 6.3.2), CLOSE (6.4.2), UNSELECT (RFC 3691: CLOSE without
// the expunge), CHECK (6.4.1), EXPUNGE (6.4.3) and UID EXPUNGE (RFC 4315 2.1: only the named
// UIDs that are \Deleted).
// SELECT/EXAMINE take RFC 7162 parameters: (CONDSTORE) and, after ENABLE QRESYNC,
// (QRESYNC (…)), which adds VANISHED (EARLIER) and FETCH replies for what changed meanwhile;
// with QRESYNC, EXPUNGE reports VANISHED (through the view's sync) and [HIGHESTMODSEQ n].
// A failed SELECT leaves the session unselected. CLOSE removes \Deleted messages silently;
// EXPUNGE reports each with "* n EXPUNGE" (through the view's sync, highest number first).
#include "../condstore.h"
#include "../format.h"
#include "../qresync.h"
#include "../session.h"

namespace mailsuite::imapd {
namespace {

void Open(ImapSession& s, const Command& c, bool read_only) {
  const char* syntax = read_only ? "Syntax: EXAMINE mailbox [(CONDSTORE | QRESYNC (…))]"
                                 : "Syntax: SELECT mailbox [(CONDSTORE | QRESYNC (…))]";
  if (c.args.empty() || c.args.size() > 2 || !c.args[0].IsAstring()) return s.Bad(c, syntax);
  SelectParams params;
  if (c.args.size() == 2) {
    std::string error;
    auto parsed = ParseSelectParams(c.args[1], &error);
    if (!parsed) return s.Bad(c, error);
    params = *parsed;
    // RFC 7162 3.2.5: QRESYNC without ENABLE QRESYNC first is a BAD.
    if (params.qresync && !s.qresync()) return s.Bad(c, "QRESYNC is not enabled");
  }
  // RFC 7162 3.2.11, RFC 9051 6.3.2: the boundary between the old mailbox's replies and the
  // new one's.
  if (s.state() == ImapState::kSelected && (s.qresync() || s.rev2))
    s.Untagged("OK [CLOSED] Previous mailbox closed");
  s.Deselect();
  if (c.args.size() == 2) s.EnableCondstore();  // RFC 7162 3.1.8; QRESYNC implies CONDSTORE
  auto box = s.store().GetMailbox(s.user->id, s.MailboxArg(c.args[0].text));
  if (!box) {
    s.log().Error("select: " + box.error());
    return s.No(c, "[SERVERBUG] Cannot open mailbox");
  }
  if (!box->has_value()) return s.No(c, "[NONEXISTENT] No such mailbox");
  Status st = s.Select(**box, read_only);
  if (!st.ok()) {
    s.log().Error("select: " + st.message());
    return s.No(c, "[SERVERBUG] Cannot open mailbox");
  }
  const MailboxView& v = *s.selected;
  size_t first_unseen = 0;
  for (size_t i = 1; i <= v.size() && !first_unseen; ++i)
    if (!(v.at(i).flags.system & store::kFlagSeen)) first_unseen = i;
  // RFC 3501 7.2.6: FLAGS lists the keywords in use too, so a client knows them before a FETCH
  // shows one; RECENT is what this session claimed (EXAMINE: what nobody has claimed yet).
  // IMAP4rev2 has neither RECENT nor [UNSEEN n] (RFC 9051 6.3.2, Appendix E).
  std::string out = v.FlagsResponses();
  out += "* " + std::to_string(v.size()) + " EXISTS\r\n";
  if (s.rev2) {
    auto list = SelectedListLine(s, v.mailbox());
    if (!list) {
      s.log().Error("select: " + list.error());
      s.Deselect();
      return s.No(c, "[SERVERBUG] Cannot open mailbox");
    }
    out += *list;
  } else {
    out += "* " + std::to_string(v.RecentCount()) + " RECENT\r\n";
    if (first_unseen) out += "* OK [UNSEEN " + std::to_string(first_unseen) + "] First unseen\r\n";
  }
  out += "* OK [UIDVALIDITY " + std::to_string(v.mailbox().uid_validity) + "] UIDs valid\r\n";
  out += "* OK [UIDNEXT " + std::to_string(v.mailbox().uid_next) + "] Predicted next UID\r\n";
  // RFC 7162 3.1.2.1. Read before the message list was loaded, so it is never above what the
  // view holds: a client that stores it can only see a change twice, never miss one.
  if (s.condstore())
    out += "* OK [HIGHESTMODSEQ " + std::to_string(v.mailbox().highest_modseq) + "] Highest\r\n";
  if (params.qresync) {
    auto resync = ResyncReplies(s.store(), v, *params.qresync);
    if (!resync) {
      s.log().Error("qresync: " + resync.error());
      s.Deselect();
      return s.No(c, "[SERVERBUG] Cannot open mailbox");
    }
    out += *resync;
  }
  s.Write(out);
  s.log().Info(std::string(read_only ? "examine " : "select ") + Printable(v.mailbox().name));
  s.Ok(c, read_only ? "[READ-ONLY] EXAMINE completed" : "[READ-WRITE] SELECT completed");
}

// Every UID in the view; the store expunges only those flagged \Deleted.
std::vector<uint32_t> AllUids(const MailboxView& v) {
  std::vector<uint32_t> uids;
  uids.reserve(v.size());
  for (size_t i = 1; i <= v.size(); ++i) uids.push_back(v.at(i).uid);
  return uids;
}

void ExpungeUids(ImapSession& s, const Command& c, const std::vector<uint32_t>& uids,
                 const char* done) {
  if (s.selected->read_only()) return s.No(c, "[READ-ONLY] Mailbox is read-only");
  auto r = s.store().Expunge(s.selected->mailbox().id, uids, true);
  if (!r) return s.NoAfterStoreError(c, r.status(), "expunge", "Expunge failed");
  std::string code;
  if (s.qresync()) {
    // RFC 7162 3.2.7: with QRESYNC the tagged OK carries the new HIGHESTMODSEQ. Read before
    // the sync below, so every change up to it has been reported when the client sees it.
    auto box = s.store().GetMailboxById(s.selected->mailbox().id);
    if (box && box->has_value())
      code = "[HIGHESTMODSEQ " + std::to_string((**box).highest_modseq) + "] ";
  }
  s.ReportUpdates(true);
  s.Ok(c, code + done);
}

}  // namespace

void HandleSelect(ImapSession& s, const Command& c) { Open(s, c, false); }
void HandleExamine(ImapSession& s, const Command& c) { Open(s, c, true); }

void HandleClose(ImapSession& s, const Command& c) {
  if (!c.args.empty()) return s.Bad(c, "Syntax: CLOSE");
  if (!s.selected->read_only()) {
    auto r = s.store().Expunge(s.selected->mailbox().id, AllUids(*s.selected), true);
    if (!r) s.log().Error("close expunge: " + r.error());
  }
  s.Deselect();
  s.Ok(c, "CLOSE completed");
}

void HandleUnselect(ImapSession& s, const Command& c) {
  if (!c.args.empty()) return s.Bad(c, "Syntax: UNSELECT");
  s.Deselect();
  s.Ok(c, "UNSELECT completed");
}

void HandleCheck(ImapSession& s, const Command& c) {
  if (!c.args.empty()) return s.Bad(c, "Syntax: CHECK");
  s.Ok(c, "CHECK completed");  // every write is already durable
}

void HandleExpunge(ImapSession& s, const Command& c) {
  if (!c.args.empty()) return s.Bad(c, "Syntax: EXPUNGE");
  ExpungeUids(s, c, AllUids(*s.selected), "EXPUNGE completed");
}

void HandleUidExpunge(ImapSession& s, const Command& c) {
  if (c.args.size() != 1) return s.Bad(c, "Syntax: UID EXPUNGE sequence-set");
  auto seqs = ResolveSet(s, c, c.args[0], true);
  if (!seqs) return;
  std::vector<uint32_t> uids;
  for (size_t seq : *seqs) uids.push_back(s.selected->at(seq).uid);
  ExpungeUids(s, c, uids, "UID EXPUNGE completed");
}

}  // namespace mailsuite::imapd
