// UID (RFC 3501 6.4.8): FETCH, STORE, COPY, SEARCH, MOVE (RFC 6851) and EXPUNGE (RFC 4315)
// with UIDs instead of sequence numbers;
// and the sequence-set resolution every one of them shares.
#include <algorithm>

#include "../format.h"
#include "../sequence_set.h"
#include "../session.h"

namespace mailsuite::imapd {

std::optional<std::vector<size_t>> ResolveSet(ImapSession& s, const Command& c, const Arg& set,
                                              bool uid) {
  const MailboxView& v = *s.selected;
  std::vector<size_t> out;
  if (set.kind == Arg::Kind::kAtom && set.text == "$") {
    // RFC 5182 2.1: the saved messages, whether the command uses UIDs or sequence numbers.
    const std::vector<uint32_t>& saved = s.saved_search;
    for (size_t i = 1; i <= v.size() && !saved.empty(); ++i)
      if (std::binary_search(saved.begin(), saved.end(), v.at(i).uid)) out.push_back(i);
    return out;
  }
  auto parsed = set.kind == Arg::Kind::kAtom ? SequenceSet::Parse(set.text) : std::nullopt;
  if (!parsed) {
    s.Bad(c, "Invalid sequence set");
    return std::nullopt;
  }
  if (uid) {
    // "*" is the largest UID in use; "n:*" with n above it still names that message.
    uint32_t star = v.MaxUid();
    for (size_t i = 1; i <= v.size(); ++i)
      if (parsed->Contains(v.at(i).uid, star)) out.push_back(i);
    return out;
  }
  uint32_t star = static_cast<uint32_t>(v.size());
  for (const SeqRange& r : parsed->ranges())
    if (star > 0 && ((r.first != kStar && r.first > star) || (r.last != kStar && r.last > star))) {
      s.Bad(c, "Invalid message sequence number");  // RFC 3501 9: must be in range
      return std::nullopt;
    }
  for (size_t i = 1; i <= v.size(); ++i)
    if (parsed->Contains(static_cast<uint32_t>(i), star)) out.push_back(i);
  return out;
}

void HandleUid(ImapSession& s, const Command& c) {
  if (c.args.empty() || c.args[0].kind != Arg::Kind::kAtom)
    return s.Bad(c, "Syntax: UID FETCH|STORE|COPY|MOVE|SEARCH|EXPUNGE …");
  Command inner = c;
  inner.name = Upper(c.args[0].text);
  inner.args.erase(inner.args.begin());
  if (inner.name == "FETCH") return HandleFetch(s, inner, true);
  if (inner.name == "STORE") return HandleStore(s, inner, true);
  if (inner.name == "COPY") return HandleCopy(s, inner, true, false);
  if (inner.name == "MOVE") return HandleCopy(s, inner, true, true);
  if (inner.name == "EXPUNGE") return HandleUidExpunge(s, inner);
  if (inner.name == "SEARCH") return HandleSearch(s, inner, true);
  s.Bad(c, "Unknown UID command");
}

}  // namespace mailsuite::imapd
