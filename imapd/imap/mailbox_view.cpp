#include "mailbox_view.h"

#include <algorithm>

#include "condstore.h"
#include "format.h"
#include "sequence_set.h"

namespace mailsuite::imapd {

Status MailboxView::Load(store::Store& store) {
  auto list = store.ListMessages(mailbox_.id);
  if (!list) return list.status();
  messages_ = std::move(list).value();
  held_expunge_modseq_ = 0;
  return Status::Ok();
}

size_t MailboxView::SeqOfUid(uint32_t uid) const {
  auto it = std::lower_bound(messages_.begin(), messages_.end(), uid,
                             [](const store::MessageInfo& m, uint32_t u) { return m.uid < u; });
  if (it == messages_.end() || it->uid != uid) return 0;
  return static_cast<size_t>(it - messages_.begin()) + 1;
}

Status MailboxView::Sync(store::Store& store, const SyncOptions& options, std::string& out) {
  auto list = store.ListMessages(mailbox_.id);
  if (!list) return list.status();
  const std::vector<store::MessageInfo>& now = *list;
  // Walk both ascending-UID lists once.
  std::vector<store::MessageInfo> kept;
  kept.reserve(std::max(now.size(), messages_.size()));
  std::vector<size_t> gone;  // sequence numbers in the old view, ascending
  std::vector<uint32_t> gone_uids;
  std::vector<uint32_t> held_uids;
  uint64_t held_floor = 0;  // an expunge's MODSEQ is above the message's last MODSEQ
  std::string fetches;
  size_t j = 0;
  for (size_t i = 0; i < messages_.size(); ++i) {
    const store::MessageInfo& old = messages_[i];
    while (j < now.size() && now[j].uid < old.uid) ++j;  // not possible for new UIDs, skip
    if (j < now.size() && now[j].uid == old.uid) {
      bool changed =
          !(now[j].flags == old.flags) || (options.condstore && now[j].modseq != old.modseq);
      if (changed)
        fetches +=
            FlagFetchLine(kept.size() + 1, now[j], options.condstore, true, options.condstore);
      kept.push_back(now[j]);
      ++j;
    } else if (options.allow_expunge) {
      gone.push_back(i + 1);
      gone_uids.push_back(old.uid);
    } else {
      held_uids.push_back(old.uid);
      if (held_floor == 0 || old.modseq + 1 < held_floor) held_floor = old.modseq + 1;
      kept.push_back(old);  // still numbered here until an expunge may be reported
    }
  }
  held_expunge_modseq_ = held_floor;
  if (!held_uids.empty()) {
    // The exact MODSEQ lets the client keep as much as it may; when the log cannot say, the
    // floor is still at or below it, which only makes the client re-fetch a little more.
    auto logged = store.LowestExpungeModseq(mailbox_.id, held_uids);
    if (logged && *logged != 0) held_expunge_modseq_ = *logged;
  }
  if (options.qresync) {
    // RFC 7162 3.2.10: one VANISHED (without EARLIER) for all of them, UIDs ascending.
    if (!gone_uids.empty()) out += "* VANISHED " + FormatSet(gone_uids) + "\r\n";
  } else {
    // Each EXPUNGE renumbers the later messages, so report from the highest number down.
    for (auto it = gone.rbegin(); it != gone.rend(); ++it)
      out += "* " + std::to_string(*it) + " EXPUNGE\r\n";
  }
  out += fetches;
  uint32_t max_uid = kept.empty() ? 0 : kept.back().uid;
  size_t before = kept.size();
  for (const store::MessageInfo& m : now)
    if (m.uid > max_uid) kept.push_back(m);
  messages_ = std::move(kept);
  if (messages_.size() != before) out += "* " + std::to_string(messages_.size()) + " EXISTS\r\n";
  return Status::Ok();
}

}  // namespace mailsuite::imapd
