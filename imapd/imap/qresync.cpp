#include "qresync.h"

#include <algorithm>

namespace mailsuite::imapd {
namespace {

// "*" in a UID set: the largest UID the mailbox ever gave (expunged ones included).
uint32_t LargestUid(const MailboxView& view) {
  uint32_t next = view.mailbox().uid_next;
  return std::max(view.MaxUid(), next > 0 ? next - 1 : 0);
}

}  // namespace

Result<std::string> VanishedEarlier(store::Store& store, const MailboxView& view, uint64_t modseq,
                                    const SequenceSet* uids) {
  auto expunged = store.ExpungedSince(view.mailbox().id, modseq);
  if (!expunged) return expunged.status();
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
      out += FlagFetchLine(seq, m, true, true, true);
  }
  return out;
}

}  // namespace mailsuite::imapd
