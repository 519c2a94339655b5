#include "mailbox_view.h"

#include <algorithm>

#include "condstore.h"
#include "format.h"
#include "sequence_set.h"

namespace mailsuite::imapd {

Status MailboxView::Load(store::Store& store, MailboxCache* cache) {
  if (cache) {
    auto all = cache->Load(store, mailbox_.id);
    if (!all) return all.status();
    if (!all->has_value()) return Status::Error("mailbox " + mailbox_.name + " no longer exists");
    mailbox_ = std::move((*all)->mailbox);
    messages_ = std::move((*all)->messages);
  } else {
    auto all = store.ChangesSince(mailbox_.id, 0);  // since 0: every message
    if (!all) return all.status();
    if (!all->has_value()) return Status::Error("mailbox " + mailbox_.name + " no longer exists");
    mailbox_ = std::move((*all)->mailbox);
    messages_ = std::move((*all)->changed);
  }
  synced_modseq_ = mailbox_.highest_modseq;
  held_.clear();
  held_expunge_modseq_ = 0;
  keywords_.clear();
  for (const store::MessageInfo& m : messages_)
    for (const std::string& k : m.flags.keywords) keywords_.push_back(k);
  std::sort(keywords_.begin(), keywords_.end());
  keywords_.erase(std::unique(keywords_.begin(), keywords_.end()), keywords_.end());
  recent_.clear();
  recent_checked_end_ = 0;
  ClaimRecent(store);
  return Status::Ok();
}

void MailboxView::ClaimRecent(store::Store& store) {
  if (!tracks_recent_) return;
  const uint32_t first = std::max(mailbox_.first_recent_uid, recent_checked_end_);
  const uint32_t end = mailbox_.uid_next;
  recent_checked_end_ = std::max(recent_checked_end_, end);
  if (first >= end) return;  // nothing unclaimed in this snapshot: no store call
  store::RecentClaim claim{first, end};
  if (!read_only_) {
    auto r = store.ClaimRecent(mailbox_.id, end);
    if (!r) return;
    claim = *r;
  }
  if (claim.empty()) return;
  if (!recent_.empty() && recent_.back().second == claim.first)
    recent_.back().second = claim.end;
  else
    recent_.emplace_back(claim.first, claim.end);
}

bool MailboxView::IsRecent(uint32_t uid) const {
  auto it = std::upper_bound(recent_.begin(), recent_.end(), uid,
                             [](uint32_t u, const auto& range) { return u < range.first; });
  return it != recent_.begin() && uid < std::prev(it)->second;
}

size_t MailboxView::RecentCount() const {
  size_t n = 0;
  auto by_uid = [](const store::MessageInfo& m, uint32_t u) { return m.uid < u; };
  for (const auto& [first, end] : recent_) {
    auto from = std::lower_bound(messages_.begin(), messages_.end(), first, by_uid);
    auto to = std::lower_bound(from, messages_.end(), end, by_uid);
    n += static_cast<size_t>(to - from);
  }
  return n;
}

std::string MailboxView::FlagsResponses() const {
  std::string system = "\\Answered \\Flagged \\Deleted \\Seen \\Draft";
  std::string keywords;
  for (const std::string& k : keywords_) keywords += " " + k;
  std::string out = "* FLAGS (" + system + keywords + ")\r\n";
  out += read_only_ ? "* OK [PERMANENTFLAGS ()] Read-only mailbox\r\n"
                    : "* OK [PERMANENTFLAGS (" + system + keywords + " \\*)] Flags permitted\r\n";
  return out;
}

std::string MailboxView::AnnounceKeywords(const store::Flags& flags) {
  bool added = false;
  for (const std::string& k : flags.keywords) {
    auto at = std::lower_bound(keywords_.begin(), keywords_.end(), k);
    if (at != keywords_.end() && *at == k) continue;
    keywords_.insert(at, k);
    added = true;
  }
  return added ? FlagsResponses() : std::string();
}

size_t MailboxView::SeqOfUid(uint32_t uid) const {
  auto it = std::lower_bound(messages_.begin(), messages_.end(), uid,
                             [](const store::MessageInfo& m, uint32_t u) { return m.uid < u; });
  if (it == messages_.end() || it->uid != uid) return 0;
  return static_cast<size_t>(it - messages_.begin()) + 1;
}

Status MailboxView::Sync(store::Store& store, const SyncOptions& options, std::string& out) {
  auto changes = store.ChangesSince(mailbox_.id, synced_modseq_);
  if (!changes) return changes.status();
  if (!changes->has_value() || (**changes).mailbox.uid_validity != mailbox_.uid_validity) {
    // Deleted under us (its id perhaps reused by a new mailbox): every message is gone.
    SyncWithFullList({}, options, out);
  } else {
    store::MailboxChanges& c = **changes;
    const size_t before = messages_.size();
    const uint32_t max_uid = MaxUid();
    if (c.complete)
      SyncWithChanges(c, options, out);
    else
      SyncWithFullList(std::move(c.changed), options, out);
    mailbox_ = std::move(c.mailbox);
    synced_modseq_ = mailbox_.highest_modseq;
    if (MaxUid() > max_uid || messages_.size() > before) {
      // New messages: RFC 3501 7.3.1 EXISTS, then 7.3.2 RECENT with this session's count.
      ClaimRecent(store);
      out += "* " + std::to_string(messages_.size()) + " EXISTS\r\n";
      if (tracks_recent_) out += "* " + std::to_string(RecentCount()) + " RECENT\r\n";
    }
  }
  UpdateHeldModseq(store);
  return Status::Ok();
}

void MailboxView::SyncWithChanges(const store::MailboxChanges& changes, const SyncOptions& options,
                                  std::string& out) {
  for (uint32_t uid : changes.expunged) {
    if (SeqOfUid(uid) == 0) continue;  // never told to this client
    auto at = std::lower_bound(held_.begin(), held_.end(), uid);
    if (at == held_.end() || *at != uid) held_.insert(at, uid);
  }
  if (options.allow_expunge && !held_.empty()) {
    ReportExpunges(held_, options, out);
    held_.clear();
  }
  const uint32_t max_uid = MaxUid();
  std::string fetches;
  for (const store::MessageInfo& m : changes.changed) {
    out += AnnounceKeywords(m.flags);
    if (m.uid > max_uid) {
      messages_.push_back(m);  // ascending UIDs, all above the view's
      continue;
    }
    size_t seq = SeqOfUid(m.uid);
    if (seq == 0) continue;
    store::MessageInfo& old = at(seq);
    if (!(m.flags == old.flags) || (options.condstore && m.modseq != old.modseq))
      fetches += FlagFetchLine(seq, m, options.condstore || options.rev2, true, options.condstore,
                               IsRecent(m.uid));
    old = m;
  }
  out += fetches;
}

void MailboxView::ReportExpunges(const std::vector<uint32_t>& uids, const SyncOptions& options,
                                 std::string& out) {
  std::vector<size_t> seqs;
  std::vector<uint32_t> present;
  for (uint32_t uid : uids) {
    if (size_t seq = SeqOfUid(uid)) {
      seqs.push_back(seq);
      present.push_back(uid);
    }
  }
  if (present.empty()) return;
  if (options.qresync) {
    // RFC 7162 3.2.10: one VANISHED (without EARLIER) for all of them, UIDs ascending.
    out += "* VANISHED " + FormatSet(present) + "\r\n";
  } else {
    // Each EXPUNGE renumbers the later messages, so report from the highest number down.
    for (auto it = seqs.rbegin(); it != seqs.rend(); ++it)
      out += "* " + std::to_string(*it) + " EXPUNGE\r\n";
  }
  messages_.erase(std::remove_if(messages_.begin(), messages_.end(),
                                 [&](const store::MessageInfo& m) {
                                   return std::binary_search(present.begin(), present.end(), m.uid);
                                 }),
                  messages_.end());
}

void MailboxView::SyncWithFullList(std::vector<store::MessageInfo> now, const SyncOptions& options,
                                   std::string& out) {
  // Walk both ascending-UID lists once.
  std::vector<store::MessageInfo> kept;
  kept.reserve(std::max(now.size(), messages_.size()));
  std::vector<size_t> gone;  // sequence numbers in the old view, ascending
  std::vector<uint32_t> gone_uids;
  held_.clear();
  std::string fetches;
  size_t j = 0;
  for (size_t i = 0; i < messages_.size(); ++i) {
    const store::MessageInfo& old = messages_[i];
    while (j < now.size() && now[j].uid < old.uid) ++j;  // not possible for new UIDs, skip
    if (j < now.size() && now[j].uid == old.uid) {
      bool changed =
          !(now[j].flags == old.flags) || (options.condstore && now[j].modseq != old.modseq);
      if (changed)
        fetches += FlagFetchLine(kept.size() + 1, now[j], options.condstore || options.rev2, true,
                                 options.condstore, IsRecent(now[j].uid));
      kept.push_back(now[j]);
      ++j;
    } else if (options.allow_expunge) {
      gone.push_back(i + 1);
      gone_uids.push_back(old.uid);
    } else {
      held_.push_back(old.uid);
      kept.push_back(old);  // still numbered here until an expunge may be reported
    }
  }
  if (options.qresync) {
    if (!gone_uids.empty()) out += "* VANISHED " + FormatSet(gone_uids) + "\r\n";
  } else {
    for (auto it = gone.rbegin(); it != gone.rend(); ++it)
      out += "* " + std::to_string(*it) + " EXPUNGE\r\n";
  }
  for (const store::MessageInfo& m : now) out += AnnounceKeywords(m.flags);
  out += fetches;
  uint32_t max_uid = kept.empty() ? 0 : kept.back().uid;
  for (store::MessageInfo& m : now)
    if (m.uid > max_uid) kept.push_back(std::move(m));
  messages_ = std::move(kept);
}

void MailboxView::UpdateHeldModseq(store::Store& store) {
  if (held_.empty()) {
    held_expunge_modseq_ = 0;
    return;
  }
  // An expunge's MODSEQ is above the message's last MODSEQ: a floor when the log cannot say.
  uint64_t floor = 0;
  for (uint32_t uid : held_) {
    size_t seq = SeqOfUid(uid);
    if (seq == 0) continue;
    uint64_t above = at(seq).modseq + 1;
    if (floor == 0 || above < floor) floor = above;
  }
  held_expunge_modseq_ = floor;
  // The exact MODSEQ lets the client keep as much as it may; when the log cannot say, the
  // floor is still at or below it, which only makes the client re-fetch a little more.
  auto logged = store.LowestExpungeModseq(mailbox_.id, held_);
  if (logged && *logged != 0) held_expunge_modseq_ = *logged;
}

}  // namespace mailsuite::imapd
