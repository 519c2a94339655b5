// STORE and UID STORE (RFC 3501 6.4.6): FLAGS, +FLAGS, -FLAGS with or without .SILENT. The new
// flags are reported with "* n FETCH (FLAGS …)" (plus UID for UID STORE) unless .SILENT; the
// view takes the store's answer, so the change is not reported twice.
// RFC 7162 3.1.3: the (UNCHANGEDSINCE n) modifier turns CONDSTORE on and changes only messages
// whose MODSEQ is at most n; the others are named in the tagged "OK [MODIFIED set]". Every
// message that passed gets a FETCH with its MODSEQ, even with .SILENT. Once CONDSTORE is on,
// the FETCH replies carry UID and MODSEQ (3.2.4), and .SILENT still reports new MODSEQs.
#include <algorithm>
#include <unordered_set>

#include "store/flags.h"

#include "../condstore.h"
#include "../format.h"
#include "../sequence_set.h"
#include "../session.h"

namespace mailsuite::imapd {

void HandleStore(ImapSession& s, const Command& c, bool uid) {
  std::optional<uint64_t> unchanged_since;
  size_t at = 1;  // the item's position: after the optional modifier list
  if (c.args.size() > 1 && c.args[1].kind == Arg::Kind::kList) {
    std::string error;
    if (!(unchanged_since = ParseStoreModifiers(c.args[1], &error))) return s.Bad(c, error);
    at = 2;
  }
  if (c.args.size() < at + 2 || c.args[at].kind != Arg::Kind::kAtom)
    return s.Bad(c, "Syntax: STORE sequence-set [+|-]FLAGS[.SILENT] (flags)");
  std::string item = Upper(c.args[at].text);
  store::FlagOperation op = store::FlagOperation::kReplace;
  if (!item.empty() && item[0] == '+') {
    op = store::FlagOperation::kAdd;
    item.erase(0, 1);
  } else if (!item.empty() && item[0] == '-') {
    op = store::FlagOperation::kRemove;
    item.erase(0, 1);
  }
  bool silent = item == "FLAGS.SILENT";
  if (item != "FLAGS" && !silent) return s.Bad(c, "Unknown STORE item");
  std::vector<Arg> flag_args;
  if (c.args.size() == at + 2 && c.args[at + 1].kind == Arg::Kind::kList)
    flag_args = c.args[at + 1].items;
  else
    flag_args.assign(c.args.begin() + static_cast<std::ptrdiff_t>(at + 1), c.args.end());
  auto flags = ParseFlags(flag_args);
  if (!flags) return s.Bad(c, "Invalid flag");
  auto seqs = ResolveSet(s, c, c.args[0], uid);
  if (!seqs) return;
  MailboxView& view = *s.selected;
  if (view.read_only()) return s.No(c, "[READ-ONLY] Mailbox is read-only");
  if (unchanged_since) s.EnableCondstore();
  std::vector<uint32_t> uids;
  for (size_t seq : *seqs) uids.push_back(view.at(seq).uid);
  std::unordered_set<uint32_t> failed, new_modseq;
  std::unordered_set<uint32_t> changed_elsewhere;  // flags another session changed meanwhile
  if (!uids.empty() && unchanged_since == 0u) {
    // "UNCHANGEDSINCE 0 always fails" (RFC 7162 3.1.3): every message has a MODSEQ above 0.
    failed.insert(uids.begin(), uids.end());
  } else if (!uids.empty()) {
    auto r =
        s.store().UpdateFlags(view.mailbox().id, uids, op, *flags, unchanged_since.value_or(0));
    if (!r) return s.NoAfterStoreError(c, r.status(), "store flags", "Cannot store flags");
    failed.insert(r->modified_since.begin(), r->modified_since.end());
    for (const store::MessageInfo& m : r->updated) {
      size_t seq = view.SeqOfUid(m.uid);
      if (!seq) continue;
      if (view.at(seq).modseq != m.modseq) new_modseq.insert(m.uid);
      // The view takes the store's flags, so a change made elsewhere since the last sync would
      // never be reported: with .SILENT it must be (RFC 3501 6.4.6 silences only our own).
      if (!(store::ApplyFlags(view.at(seq).flags, op, *flags) == m.flags))
        changed_elsewhere.insert(m.uid);
      view.at(seq).flags = m.flags;
      view.at(seq).modseq = m.modseq;
    }
  }
  const bool condstore = s.condstore();
  std::string out;
  std::vector<uint32_t> modified;  // sequence numbers (STORE) or UIDs (UID STORE)
  for (size_t seq : *seqs) {
    const store::MessageInfo& m = view.at(seq);
    if (failed.count(m.uid)) {
      modified.push_back(uid ? m.uid : static_cast<uint32_t>(seq));
      continue;
    }
    out += view.AnnounceKeywords(m.flags);          // RFC 3501 7.2.6, also for .SILENT
    if (!silent || changed_elsewhere.count(m.uid))  // the latter unsolicited: UID in rev2 (7.5.2)
      out += FlagFetchLine(seq, m, uid || condstore || (silent && s.rev2), true, condstore,
                           view.IsRecent(m.uid));
    else if (unchanged_since || (condstore && new_modseq.count(m.uid)))
      out += FlagFetchLine(seq, m, uid || condstore, false, true);
  }
  s.Write(out);
  const char* done = uid ? "UID STORE completed" : "STORE completed";
  if (modified.empty()) return s.Ok(c, done);
  std::sort(modified.begin(), modified.end());
  s.Ok(c, "[MODIFIED " + FormatSet(modified) + "] Conditional STORE failed");
}

}  // namespace mailsuite::imapd
