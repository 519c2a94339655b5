// SEARCH and UID SEARCH (RFC 3501 6.4.4, RFC 9051 6.4.4). CHARSET UTF-8 and US-ASCII are
// accepted (the match is on raw bytes, ASCII case-folded); others are NO [BADCHARSET]; any
// CHARSET after ENABLE UTF8=ACCEPT is BAD. A message is read only when a key asks for it:
// header keys read the header block alone (once per message), BODY and TEXT search the text
// chunk by chunk.
//
// The answer is "* SEARCH n …", or "* ESEARCH …" when RETURN options are given (RFC 4731) or
// IMAP4rev2 is enabled (RFC 9051 6.4.4: no RETURN means RETURN (ALL)). RETURN (SAVE) keeps the
// result as "$" (RFC 5182). With a MODSEQ key (RFC 7162 3.1.5) the reply carries the highest
// MODSEQ of the messages found (3.1.6), unless none was found.
#include <algorithm>

#include "../format.h"
#include "../message_data.h"
#include "../search_keys.h"
#include "../search_return.h"
#include "../session.h"

namespace mailsuite::imapd {
namespace {

// "$" after a SEARCH (SAVE): the UIDs of the hits SAVE keeps (RFC 5182 2.4).
std::vector<uint32_t> SavedUids(const SearchReturn& r, const std::vector<uint32_t>& hit_uids) {
  std::vector<uint32_t> out;  // ascending, as UIDs ascend with sequence numbers
  for (size_t i : SavedHits(r, hit_uids.size())) out.push_back(hit_uids[i]);
  return out;
}

}  // namespace

void HandleSearch(ImapSession& s, const Command& c, bool uid) {
  size_t start = 0;
  std::string error;
  auto ret = ParseSearchReturn(c.args, &start, &error);
  if (!ret) return s.Bad(c, error);
  // RFC 9051 6.4.4.1: a BAD leaves "$" as it was; a NO to a SEARCH with SAVE empties it.
  if (start < c.args.size() && c.args[start].IsAtom("CHARSET")) {
    if (c.args.size() < start + 3 || !c.args[start + 1].IsAstring())
      return s.Bad(c, "Syntax: CHARSET name");
    // RFC 6855 3 (and erratum 4029): after ENABLE UTF8=ACCEPT a charset label conflicts.
    if (s.utf8_accept) return s.Bad(c, "No CHARSET after ENABLE UTF8=ACCEPT");
    std::string cs = Upper(c.args[start + 1].text);
    if (cs != "UTF-8" && cs != "US-ASCII") {
      if (ret->save) s.saved_search.clear();
      return s.No(c, "[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset");
    }
    start += 2;
  }
  auto key = ParseSearchKeys(c.args, start, &error);
  if (!key) return s.Bad(c, error);
  if (s.rev2 && !ret->extended) ret->extended = ret->all = true;
  const bool with_modseq = key->UsesModSeq();
  if (with_modseq) s.EnableCondstore();  // RFC 7162 3.1
  MailboxView& view = *s.selected;
  std::vector<SearchHit> hits;
  std::vector<uint32_t> hit_uids;
  for (size_t seq = 1; seq <= view.size(); ++seq) {
    const store::MessageInfo& info = view.at(seq);
    MessageSource source(s.store(), info);
    SearchMessage m;
    m.info = &info;
    m.seq = static_cast<uint32_t>(seq);
    m.max_seq = static_cast<uint32_t>(view.size());
    m.max_uid = view.MaxUid();
    m.recent = view.IsRecent(info.uid);
    m.saved = &s.saved_search;
    m.header = [&source] { return source.Header(); };
    m.contains = [&source](std::string_view needle, bool body_only) {
      return source.Contains(needle, body_only).value_or(false);
    };
    if (!MatchSearch(*key, m)) continue;
    hits.push_back({uid ? info.uid : static_cast<uint32_t>(seq), info.modseq});
    hit_uids.push_back(info.uid);
  }
  if (ret->save) s.saved_search = SavedUids(*ret, hit_uids);
  // RFC 5182 2.4: SAVE alone asks for no ESEARCH response.
  const bool only_save = ret->save && !ret->min && !ret->max && !ret->all && !ret->count;
  if (ret->extended) {
    if (!only_save) s.Untagged(FormatEsearch(c.tag, uid, *ret, hits, with_modseq));
  } else {
    std::string out = "SEARCH";
    uint64_t highest = 0;
    for (const SearchHit& h : hits) {
      out += " " + std::to_string(h.number);
      highest = std::max(highest, h.modseq);
    }
    if (with_modseq && highest > 0) out += " (MODSEQ " + std::to_string(highest) + ")";
    s.Untagged(out);
  }
  s.Ok(c, uid ? "UID SEARCH completed" : "SEARCH completed");
}

}  // namespace mailsuite::imapd
