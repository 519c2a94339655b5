#include "qresync.h"

#include <algorithm>

namespace mailsuite::imapd {
namespace {

// "*" in a UID set: the largest UID the mailbox ever gave (expunged ones included).
uint32_t LargestUid(const MailboxView& view) {
  uint32_t next = view.mailbox().uid_next;
  return std::max(view.MaxUid(), next > 0 ? next - 1 : 0);
}

// Every UID up to the largest ever given that the view does not hold, as ranges: what a
// client must take as vanished when the expunge log no longer reaches back to its MODSEQ. RFC
// 7162 3.2.5.2 and 3.2.6 allow UIDs the client never knew in VANISHED (EARLIER).
std::string EverythingNotInView(const MailboxView& view) {
  std::vector<std::pair<uint32_t, uint32_t>> gaps;
  uint32_t next = 1;
  for (size_t seq = 1; seq <= view.size(); ++seq) {
    uint32_t uid = view.at(seq).uid;
    if (uid > next) gaps.emplace_back(next, uid - 1);
    next = uid + 1;
  }
  const uint32_t star = LargestUid(view);
  if (star >= next) gaps.emplace_back(next, star);
  std::string out;
  for (const auto& [from, to] : gaps) {
    if (!out.empty()) out += ',';
    out += std::to_string(from);
    if (to != from) out += ':' + std::to_string(to);
  }
  return out;
}

}  // namespace

Result<std::string> VanishedEarlier(store::Store& store, const MailboxView& view, uint64_t modseq,
                                    const SequenceSet* uids) {
  auto expunged = store.ExpungedSince(view.mailbox().id, modseq);
  if (!expunged) return expunged.status();
  // Read after the log: the floor only rises, so a MODSEQ at or above it now was covered then.
  auto box = store.GetMailboxById(view.mailbox().id);
  if (!box) return box.status();
  if (box->has_value() && modseq < (*box)->expunge_floor) {
    std::string all = EverythingNotInView(view);
    return all.empty() ? std::string() : "* VANISHED (EARLIER) " + all + "\r\n";
  }
  const uint32_t star = std::max(LargestUid(view), expunged->empty() ? 0 : expunged->back());
  std::vector<uint32_t> out;
  for (uint32_t uid : *expunged)
    if ((!uids || uids->Contains(uid, star)) && view.SeqOfUid(uid) == 0) out.push_back(uid);
  if (out.empty()) return std::string();
  return "* VANISHED (EARLIER) " + FormatSet(out) + "\r\n";
}

Result<std::string> ResyncReplies(store::Store& store, const MailboxView& view,
                                  const QresyncParams& params) {
  // RFC 7162 3.2.5.1: a UIDVALIDITY that does not match makes the rest meaningless.
  if (params.uid_validity != view.mailbox().uid_validity) return std::string();
  const SequenceSet* known = params.known_uids ? &*params.known_uids : nullptr;
  auto vanished = VanishedEarlier(store, view, params.modseq, known);
  if (!vanished) return vanished.status();
  std::string out = std::move(vanished).value();
  const uint32_t star = LargestUid(view);
  for (size_t seq = 1; seq <= view.size(); ++seq) {
    const store::MessageInfo& m = view.at(seq);
    if (m.modseq > params.modseq && (!known || known->Contains(m.uid, star)))
      out += FlagFetchLine(seq, m, true, true, true, view.IsRecent(m.uid));
  }
  return out;
}

}  // namespace mailsuite::imapd
