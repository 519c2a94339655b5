// FETCH and UID FETCH (RFC 3501 6.4.5, 6.4.8). A non-PEEK body fetch sets \Seen (unless the
// mailbox is read-only) and reports the new FLAGS with the data. Replies go out message by
// message, so a large fetch never sits in memory whole.
#include "../fetch_render.h"
#include "../message_data.h"
#include "../session.h"

namespace mailsuite::imapd {

void HandleFetch(ImapSession& s, const Command& c, bool uid) {
  if (c.args.size() != 2) return s.Bad(c, "Syntax: FETCH sequence-set items");
  std::string error;
  auto req = ParseFetchItems(c.args[1], &error);
  if (!req) return s.Bad(c, error);
  auto seqs = ResolveSet(s, c, c.args[0], uid);
  if (!seqs) return;
  MailboxView& view = *s.selected;
  bool set_seen = req->sets_seen && !view.read_only();
  for (size_t seq : *seqs) {
    store::MessageInfo& info = view.at(seq);
    bool flags_changed = false;
    if (set_seen && !(info.flags.system & store::kFlagSeen)) {
      store::Flags seen;
      seen.system = store::kFlagSeen;
      auto r =
          s.store().UpdateFlags(view.mailbox().id, {info.uid}, store::FlagOperation::kAdd, seen);
      if (r && !r->updated.empty()) {
        info.flags = r->updated.front().flags;
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
    s.Write(RenderFetch(*req, m, uid, flags_changed));
    if (req->needs_content) s.conn().Flush();
  }
  s.Ok(c, uid ? "UID FETCH completed" : "FETCH completed");
}

}  // namespace mailsuite::imapd
