// SEARCH and UID SEARCH (RFC 3501 6.4.4). CHARSET UTF-8 and US-ASCII are accepted (the match
// is on raw bytes, ASCII case-folded); others are NO [BADCHARSET]; any CHARSET after ENABLE
// UTF8=ACCEPT is BAD. A message is read only when a key asks for it: header keys read the
// header block alone (once per message), BODY and TEXT search the text chunk by chunk. With a
// MODSEQ key (RFC 7162 3.1.5) the reply ends with "(MODSEQ n)", the highest MODSEQ of the messages
// found (3.1.6), unless none was found.
#include <algorithm>

#include "../format.h"
#include "../message_data.h"
#include "../search_keys.h"
#include "../session.h"

namespace mailsuite::imapd {

void HandleSearch(ImapSession& s, const Command& c, bool uid) {
  size_t start = 0;
  if (!c.args.empty() && c.args[0].IsAtom("CHARSET")) {
    if (c.args.size() < 3 || !c.args[1].IsAstring()) return s.Bad(c, "Syntax: CHARSET name");
    // RFC 6855 3 (and erratum 4029): after ENABLE UTF8=ACCEPT a charset label conflicts.
    if (s.utf8_accept) return s.Bad(c, "No CHARSET after ENABLE UTF8=ACCEPT");
    std::string cs = Upper(c.args[1].text);
    if (cs != "UTF-8" && cs != "US-ASCII")
      return s.No(c, "[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset");
    start = 2;
  }
  std::string error;
  auto key = ParseSearchKeys(c.args, start, &error);
  if (!key) return s.Bad(c, error);
  const bool with_modseq = key->UsesModSeq();
  if (with_modseq) s.EnableCondstore();  // RFC 7162 3.1
  uint64_t highest = 0;                  // of the messages found (RFC 7162 3.1.6)
  MailboxView& view = *s.selected;
  std::string out = "* SEARCH";
  for (size_t seq = 1; seq <= view.size(); ++seq) {
    const store::MessageInfo& info = view.at(seq);
    MessageSource source(s.store(), info);
    SearchMessage m;
    m.info = &info;
    m.seq = static_cast<uint32_t>(seq);
    m.max_seq = static_cast<uint32_t>(view.size());
    m.max_uid = view.MaxUid();
    m.recent = view.IsRecent(info.uid);
    m.header = [&source] { return source.Header(); };
    m.contains = [&source](std::string_view needle, bool body_only) {
      return source.Contains(needle, body_only).value_or(false);
    };
    if (!MatchSearch(*key, m)) continue;
    out += " " + std::to_string(uid ? info.uid : seq);
    highest = std::max(highest, info.modseq);
  }
  if (with_modseq && highest > 0) out += " (MODSEQ " + std::to_string(highest) + ")";
  s.Untagged(std::string_view(out).substr(2));
  s.Ok(c, uid ? "UID SEARCH completed" : "SEARCH completed");
}

}  // namespace mailsuite::imapd
