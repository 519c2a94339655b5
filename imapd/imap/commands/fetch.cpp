// FETCH and UID FETCH (RFC 3501 6.4.5, 6.4.8). A non-PEEK body fetch sets \Seen (unless the
// mailbox is read-only) on every message of the command in one store transaction, before any
// data goes out, and reports the new FLAGS with the data. Replies go out message by message,
// and message text is streamed from the store in chunks, so neither a large fetch nor a large
// message sits in memory whole; a header field fetch reads only the header.
// RFC 7162: the MODSEQ item and the (CHANGEDSINCE n) modifier turn CONDSTORE on (3.1.4);
// UID FETCH … (CHANGEDSINCE n VANISHED) first reports the expunged UIDs of the set as
// "* VANISHED (EARLIER) …" (3.2.6, QRESYNC only).
// A NUL in streamed message text goes out as 0x80, as Dovecot sends it: an IMAP literal may not
// hold NUL (RFC 9051 4.3), and the octet count stays true. BINARY (RFC 3516, RFC 9051 6.4.5)
// returns NULs as they are, in a literal8. BINARY is not streamed: the part (for BINARY[], the
// whole message) is read and decoded in memory, once per item. A part in a transfer encoding
// that cannot be decoded gets no response and the command ends NO [UNKNOWN-CTE].
#include <algorithm>
#include <unordered_set>

#include "../condstore.h"
#include "../fetch_render.h"
#include "../message_data.h"
#include "../qresync.h"
#include "../sequence_set.h"
#include "../session.h"

namespace mailsuite::imapd {
namespace {

// Message text goes to the connection this much at a time.
constexpr uint64_t kStreamChunk = 256 * 1024;

// Sets \Seen on the messages of `seqs` that lack it (but those in `skip`), in one UpdateFlags
// call, and updates the view. Returns the UIDs whose flags changed.
std::unordered_set<uint32_t> MarkSeen(ImapSession& s, const std::vector<size_t>& seqs,
                                      const std::optional<uint64_t>& changed_since,
                                      const std::unordered_set<uint32_t>& skip) {
  MailboxView& view = *s.selected;
  std::vector<uint32_t> unseen;
  for (size_t seq : seqs) {
    const store::MessageInfo& info = view.at(seq);
    if (changed_since && info.modseq <= *changed_since) continue;
    if (skip.count(info.uid)) continue;
    if (!(info.flags.system & store::kFlagSeen)) unseen.push_back(info.uid);
  }
  std::unordered_set<uint32_t> changed;
  if (unseen.empty()) return changed;
  store::Flags seen;
  seen.system = store::kFlagSeen;
  auto r = s.store().UpdateFlags(view.mailbox().id, unseen, store::FlagOperation::kAdd, seen);
  if (!r) {
    s.log().Error("fetch: setting \\Seen: " + r.error());
    return changed;
  }
  for (const store::MessageInfo& updated : r->updated) {
    size_t seq = view.SeqOfUid(updated.uid);
    if (seq == 0) continue;
    // The store's flags may hold another session's keyword not yet told: FLAGS first (7.2.6).
    s.Write(view.AnnounceKeywords(updated.flags));
    view.at(seq).flags = updated.flags;
    view.at(seq).modseq = updated.modseq;
    changed.insert(updated.uid);
  }
  return changed;
}

// Writes the pieces, streaming each range of the message text from the store. False when the
// text could not be read once the response had begun: the client was promised a literal of a
// length the session can no longer send, so the connection must end.
bool WritePieces(ImapSession& s, const std::vector<FetchPiece>& pieces, MessageSource& source) {
  std::string chunk;
  for (const FetchPiece& piece : pieces) {
    s.Write(piece.text);
    for (uint64_t done = 0; done < piece.stream.size;) {
      uint64_t n = std::min(kStreamChunk, piece.stream.size - done);
      chunk.clear();
      if (!source.Read({piece.stream.offset + done, n}, chunk) || chunk.size() != n) {
        s.log().Error("fetch: message text unreadable mid-response, closing: " +
                      (source.error().empty() ? std::string("short read") : source.error()));
        return false;
      }
      std::replace(chunk.begin(), chunk.end(), '\0', '\x80');
      s.Write(chunk);
      done += n;
    }
  }
  return true;
}

// The messages a BINARY item cannot be answered for (RFC 9051 7.1 UNKNOWN-CTE): found before
// \Seen is set, so a message that gets no response does not change unseen by the client.
std::unordered_set<uint32_t> Undecodable(ImapSession& s, const FetchRequest& req,
                                         const std::vector<size_t>& seqs) {
  std::unordered_set<uint32_t> out;
  if (!req.has_binary) return out;
  for (size_t seq : seqs) {
    const store::MessageInfo& info = s.selected->at(seq);
    MessageSource source(s.store(), info);
    const mail::MimeTree* tree = source.Tree();
    if (tree && HasUnknownEncoding(req, *tree)) out.insert(info.uid);
  }
  return out;
}

bool Streams(const std::vector<FetchPiece>& pieces) {
  for (const FetchPiece& p : pieces)
    if (p.stream.size > 0) return true;
  return false;
}

}  // namespace

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
    // ResolveSet accepted the set; "$" is the saved UIDs (RFC 5182).
    auto set = c.args[0].text == "$" ? SequenceSet::Of(s.saved_search)
                                     : SequenceSet::Parse(c.args[0].text);
    auto vanished = VanishedEarlier(s.store(), view, *mods.changed_since, &*set);
    if (!vanished) {
      s.log().Error("fetch vanished: " + vanished.error());
      return s.No(c, "[SERVERBUG] Cannot read the expunge log");
    }
    s.Write(*vanished);
  }
  const std::unordered_set<uint32_t> undecodable = Undecodable(s, *req, *seqs);
  std::unordered_set<uint32_t> seen_now;
  if (req->sets_seen && !view.read_only())
    seen_now = MarkSeen(s, *seqs, mods.changed_since, undecodable);
  for (size_t seq : *seqs) {
    const store::MessageInfo& info = view.at(seq);
    if (mods.changed_since && info.modseq <= *mods.changed_since) continue;
    const bool flags_changed = seen_now.count(info.uid) > 0;
    MessageSource source(s.store(), info);
    FetchMessage m{&info, seq, nullptr,
                   [&source](const mail::ByteRange& r) -> std::optional<std::string> {
                     std::string out;
                     if (!source.Read(r, out)) return std::nullopt;
                     return out;
                   }};
    m.recent = view.IsRecent(info.uid);
    m.rev2 = s.rev2;
    if (req->needs_tree && !(m.tree = source.Tree())) {
      // Expunged by another session since our view was made: nothing to send (RFC 3501
      // 7.4.1 leaves it to the server; the EXPUNGE follows on a later command).
      s.log().Info("fetch uid " + std::to_string(info.uid) + ": " + source.error());
      continue;
    }
    if (undecodable.count(info.uid)) continue;
    // RFC 7162 3.2.4: once CONDSTORE is on, an implicit \Seen is reported with UID and MODSEQ.
    const bool condstore_change = flags_changed && s.condstore();
    auto pieces = RenderFetch(*req, m, uid || condstore_change, flags_changed,
                              mods.changed_since.has_value() || condstore_change);
    // The text is opened before anything is written, so a message that is gone is skipped.
    if (!pieces || (Streams(*pieces) && !source.Open())) {
      s.log().Info("fetch uid " + std::to_string(info.uid) + ": " + source.error());
      continue;
    }
    if (!WritePieces(s, *pieces, source)) return s.Close();
    if (req->needs_content) s.conn().Flush();
  }
  if (!undecodable.empty())
    return s.No(c, "[UNKNOWN-CTE] A part's Content-Transfer-Encoding cannot be decoded");
  s.Ok(c, uid ? "UID FETCH completed" : "FETCH completed");
}

}  // namespace mailsuite::imapd
