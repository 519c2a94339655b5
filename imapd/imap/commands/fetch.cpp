// FETCH and UID FETCH (RFC 3501 6.4.5, 6.4.8). A non-PEEK body fetch sets \Seen (unless the
// mailbox is read-only) and reports the new FLAGS with the data. Replies go out message by
// message, so a large fetch never sits in memory whole.
// RFC 7162: the MODSEQ item and the (CHANGEDSINCE n) modifier turn CONDSTORE on (3.1.4);
// UID FETCH … (CHANGEDSINCE n VANISHED) first reports the expunged UIDs of the set as
// "* VANISHED (EARLIER) …" (3.2.6, QRESYNC only).
#include "../condstore.h"
#include "../fetch_render.h"
#include "../message_data.h"
#include "../qresync.h"
#include "../sequence_set.h"
#include "../session.h"

namespace mailsuite::imapd {

void HandleFetch(ImapSession& s, const Command& c, bool uid) {
  if (c.args.size() != 2 && c.args.size() != 3)
    return s.Bad(c, "Syntax: FETCH sequence-set items [(modifiers)]");
  std::string error;
  auto req = ParseFetchItems(c.args[1], &error);
  if (!req) return s.Bad(c, error);
  FetchModifiers mods;
  if (c.args.size() == 3) {
    auto parsed = ParseFetchModifiers(c.args[2], &error);
    if (!parsed) return s.Bad(c, error);
    mods = *parsed;
  }
  if (mods.vanished && (!uid || !s.qresync()))  // RFC 7162 3.2.6
    return s.Bad(c, "VANISHED needs UID FETCH and ENABLE QRESYNC");
  if (req->has_modseq || mods.changed_since) s.EnableCondstore();
  if (mods.changed_since) {
    // Bring flags and MODSEQs up to date first, so CHANGEDSINCE sees other sessions' changes
    // (expunges stay held: RFC 3501 7.4.1).
    s.ReportUpdates(false);
  }
  auto seqs = ResolveSet(s, c, c.args[0], uid);
  if (!seqs) return;
  MailboxView& view = *s.selected;
  if (mods.vanished) {
    auto set = SequenceSet::Parse(c.args[0].text);  // ResolveSet accepted it
    auto vanished = VanishedEarlier(s.store(), view, *mods.changed_since, &*set);
    if (!vanished) {
      s.log().Error("fetch vanished: " + vanished.error());
      return s.No(c, "[SERVERBUG] Cannot read the expunge log");
    }
    s.Write(*vanished);
  }
  bool set_seen = req->sets_seen && !view.read_only();
  for (size_t seq : *seqs) {
    store::MessageInfo& info = view.at(seq);
    if (mods.changed_since && info.modseq <= *mods.changed_since) continue;
    bool flags_changed = false;
    if (set_seen && !(info.flags.system & store::kFlagSeen)) {
      store::Flags seen;
      seen.system = store::kFlagSeen;
      auto r =
          s.store().UpdateFlags(view.mailbox().id, {info.uid}, store::FlagOperation::kAdd, seen);
      if (r && !r->updated.empty()) {
        info.flags = r->updated.front().flags;
        info.modseq = r->updated.front().modseq;
        flags_changed = true;
      }
    }
    auto loaded = LoadMessage(s.store(), info, req->needs_content, req->needs_tree);
    if (!loaded) {
      // Expunged by another session since our view was made: nothing to send (RFC 3501
      // 7.4.1 leaves it to the server; the EXPUNGE follows on a later command).
      s.log().Info("fetch uid " + std::to_string(info.uid) + ": " + loaded.error());
      continue;
    }
    FetchMessage m{&info, seq, loaded->content, loaded->tree ? &*loaded->tree : nullptr};
    // RFC 7162 3.2.4: once CONDSTORE is on, an implicit \Seen is reported with UID and MODSEQ.
    const bool condstore_change = flags_changed && s.condstore();
    s.Write(RenderFetch(*req, m, uid || condstore_change, flags_changed,
                        mods.changed_since.has_value() || condstore_change));
    if (req->needs_content) s.conn().Flush();
  }
  s.Ok(c, uid ? "UID FETCH completed" : "FETCH completed");
}

}  // namespace mailsuite::imapd
