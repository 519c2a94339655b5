#include "condstore.h"

#include <charconv>

#include "format.h"

namespace mailsuite::imapd {
namespace {

constexpr uint64_t kMaxModSeq = 0x7fffffffffffffffULL;  // 63 bits (RFC 7162 7)

std::optional<uint64_t> Number(const Arg& a, uint64_t max) {
  if (a.kind != Arg::Kind::kAtom || a.text.empty() || a.text.size() > 19) return std::nullopt;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(a.text.data(), a.text.data() + a.text.size(), v);
  if (ec != std::errc() || end != a.text.data() + a.text.size() || v > max) return std::nullopt;
  return v;
}

std::optional<QresyncParams> ParseQresync(const Arg& list, std::string* error) {
  *error = "Syntax: QRESYNC (uidvalidity modseq [known-uids [(known-seqs known-uids)]])";
  if (list.kind != Arg::Kind::kList || list.items.size() < 2 || list.items.size() > 4)
    return std::nullopt;
  QresyncParams p;
  auto validity = Number(list.items[0], UINT32_MAX);
  auto modseq = ParseModSeq(list.items[1], false);
  if (!validity || *validity == 0 || !modseq) return std::nullopt;
  p.uid_validity = static_cast<uint32_t>(*validity);
  p.modseq = *modseq;
  size_t next = 2;
  if (next < list.items.size() && list.items[next].kind == Arg::Kind::kAtom) {
    if (!(p.known_uids = SequenceSet::Parse(list.items[next].text))) return std::nullopt;
    ++next;
  }
  if (next < list.items.size()) {
    // seq-match-data: checked for syntax only. The expunge log is complete, so the server
    // never needs it to narrow down the VANISHED set (RFC 7162 3.2.5.2 makes it optional).
    const Arg& match = list.items[next];
    if (match.kind != Arg::Kind::kList || match.items.size() != 2 ||
        match.items[0].kind != Arg::Kind::kAtom || match.items[1].kind != Arg::Kind::kAtom ||
        !SequenceSet::Parse(match.items[0].text) || !SequenceSet::Parse(match.items[1].text))
      return std::nullopt;
    ++next;
  }
  if (next != list.items.size()) return std::nullopt;
  return p;
}

}  // namespace

std::optional<uint64_t> ParseModSeq(const Arg& a, bool allow_zero) {
  auto v = Number(a, kMaxModSeq);
  if (!v || (*v == 0 && !allow_zero)) return std::nullopt;
  return v;
}

std::string ModSeqItem(uint64_t modseq) { return "MODSEQ (" + std::to_string(modseq) + ")"; }

std::optional<FetchModifiers> ParseFetchModifiers(const Arg& list, std::string* error) {
  FetchModifiers m;
  if (list.kind != Arg::Kind::kList || list.items.empty()) {
    *error = "Syntax: FETCH sequence-set items (CHANGEDSINCE modseq [VANISHED])";
    return std::nullopt;
  }
  for (size_t i = 0; i < list.items.size(); ++i) {
    const Arg& a = list.items[i];
    if (a.IsAtom("CHANGEDSINCE") && !m.changed_since && i + 1 < list.items.size()) {
      // Zero is not a mod-sequence-value, but "changed since 0" means every message and
      // clients send it; accepting it costs nothing.
      if (!(m.changed_since = ParseModSeq(list.items[++i], true))) {
        *error = "Invalid CHANGEDSINCE mod-sequence";
        return std::nullopt;
      }
    } else if (a.IsAtom("VANISHED") && !m.vanished) {
      m.vanished = true;
    } else {
      *error = "Unknown FETCH modifier";
      return std::nullopt;
    }
  }
  if (m.vanished && !m.changed_since) {
    *error = "VANISHED needs CHANGEDSINCE";  // RFC 7162 3.2.6
    return std::nullopt;
  }
  return m;
}

std::optional<uint64_t> ParseStoreModifiers(const Arg& list, std::string* error) {
  if (list.kind != Arg::Kind::kList || list.items.size() != 2 ||
      !list.items[0].IsAtom("UNCHANGEDSINCE")) {
    *error = "Syntax: STORE sequence-set (UNCHANGEDSINCE modseq) [+|-]FLAGS[.SILENT] (flags)";
    return std::nullopt;
  }
  auto v = ParseModSeq(list.items[1], true);
  if (!v) *error = "Invalid UNCHANGEDSINCE mod-sequence";
  return v;
}

std::optional<SelectParams> ParseSelectParams(const Arg& list, std::string* error) {
  SelectParams p;
  if (list.kind != Arg::Kind::kList || list.items.empty()) {
    *error = "Syntax: SELECT mailbox [(CONDSTORE) | (QRESYNC (…))]";
    return std::nullopt;
  }
  for (size_t i = 0; i < list.items.size(); ++i) {
    const Arg& a = list.items[i];
    if (a.IsAtom("CONDSTORE") && !p.condstore) {
      p.condstore = true;
    } else if (a.IsAtom("QRESYNC") && !p.qresync && i + 1 < list.items.size()) {
      if (!(p.qresync = ParseQresync(list.items[++i], error))) return std::nullopt;
    } else {
      *error = "Unknown SELECT parameter";
      return std::nullopt;
    }
  }
  return p;
}

std::string FlagFetchLine(size_t seq, const store::MessageInfo& m, bool with_uid, bool with_flags,
                          bool with_modseq, bool recent) {
  std::string out = "* " + std::to_string(seq) + " FETCH (";
  std::string items;
  if (with_uid) items += "UID " + std::to_string(m.uid);
  if (with_flags) items += (items.empty() ? "" : " ") + ("FLAGS " + FormatFlags(m.flags, recent));
  if (with_modseq) items += (items.empty() ? "" : " ") + ModSeqItem(m.modseq);
  return out + items + ")\r\n";
}

}  // namespace mailsuite::imapd
