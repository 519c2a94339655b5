// COPY and UID COPY (RFC 3501 6.4.7), MOVE and UID MOVE (RFC 6851): the store shares the
// content and keeps flags and INTERNALDATE. A missing destination is NO [TRYCREATE]. The
// new UIDs are reported as [COPYUID uidvalidity src-set dst-set] (RFC 4315 3): in the tagged
// OK for COPY, in an untagged OK before the EXPUNGEs for MOVE (RFC 6851 4.3).
#include "../format.h"
#include "../sequence_set.h"
#include "../session.h"
#include "../spam_learner.h"

namespace mailsuite::imapd {
namespace {

std::string CopyUidCode(const store::CopyResult& r) {
  std::vector<uint32_t> src, dst;
  for (const auto& [from, to] : r.uids) {
    src.push_back(from);
    dst.push_back(to);
  }
  return "[COPYUID " + std::to_string(r.destination_uid_validity) + " " + FormatSet(src) + " " +
         FormatSet(dst) + "]";
}

// Into Junk or out of it: the user corrects the spam filter (queued, never waited for).
void ReportToSpamFilter(ImapSession& s, const store::Mailbox& dest, const store::CopyResult& r) {
  SpamLearner::Verdict verdict;
  if (!s.services.spam_learner ||
      !LearnVerdictFor(s.selected->mailbox().special_use, dest.special_use, &verdict))
    return;
  std::vector<uint32_t> uids;
  for (const auto& pair : r.uids) uids.push_back(pair.second);
  s.services.spam_learner->Report(verdict, dest.id, uids, s.user->address);
}

}  // namespace

void HandleCopy(ImapSession& s, const Command& c, bool uid, bool move) {
  const std::string verb = std::string(uid ? "UID " : "") + (move ? "MOVE" : "COPY");
  if (c.args.size() != 2 || !c.args[1].IsAstring())
    return s.Bad(c, "Syntax: " + verb + " sequence-set mailbox");
  auto seqs = ResolveSet(s, c, c.args[0], uid);
  if (!seqs) return;
  if (move && s.selected->read_only()) return s.No(c, "[READ-ONLY] Mailbox is read-only");
  auto dest = s.store().GetMailbox(s.user->id, s.MailboxArg(c.args[1].text));
  if (!dest) {
    s.log().Error("copy: " + dest.error());
    return s.No(c, "[SERVERBUG] Cannot " + verb);
  }
  if (!dest->has_value()) return s.No(c, "[TRYCREATE] No such mailbox");
  std::vector<uint32_t> uids;
  for (size_t seq : *seqs) uids.push_back(s.selected->at(seq).uid);
  if (uids.empty()) return s.Ok(c, verb + " completed");
  store::MailboxId from = s.selected->mailbox().id;
  if (!move) {  // a MOVE between one user's mailboxes adds nothing to what they keep
    uint64_t octets = 0;
    for (size_t seq : *seqs) octets += static_cast<uint64_t>(s.selected->at(seq).size);
    if (RefuseOverQuota(s, c, octets, uids.size())) return;
  }
  auto r = move ? s.store().Move(from, uids, (**dest).id) : s.store().Copy(from, uids, (**dest).id);
  if (!r) return s.NoAfterStoreError(c, r.status(), "copy", "Cannot " + verb);
  if (r->uids.empty()) return s.Ok(c, verb + " completed");  // all expunged meanwhile
  ReportToSpamFilter(s, **dest, *r);
  if (!move) return s.Ok(c, CopyUidCode(*r) + " " + verb + " completed");
  s.Untagged("OK " + CopyUidCode(*r) + " Moved");
  s.ReportUpdates(true);
  s.Ok(c, verb + " completed");
}

}  // namespace mailsuite::imapd
