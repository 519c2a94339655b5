// MailboxView: one session's picture of its selected mailbox (RFC 3501 2.3.1.2). Sequence
// numbers belong to the session, not to the store: they change only when this session tells its
// client (EXPUNGE, EXISTS), so other sessions' changes cannot desynchronise it (SECURITY.md 12).
// Sync() asks the store what changed since the MODSEQ the view was last brought up to
// (Store::ChangesSince: the changed rows and the expunges, nothing else) and reports the
// differences as untagged responses, holding expunges back while they are not allowed (RFC 3501
// 7.4.1: FETCH, STORE, SEARCH). Only when the store's expunge log no longer reaches back that
// far (pruned) is the whole mailbox listed and compared.
// The view also keeps what is per session: which messages are \Recent to it (RFC 3501 2.3.2:
// claimed from the store, so exactly one session sees each new message as recent; EXAMINE
// claims nothing) and which keywords its client has been told of in "* FLAGS" (7.2.6: a
// keyword appears in FLAGS before any FETCH shows it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mailbox_cache.h"
#include "store/store.h"

namespace mailsuite::imapd {

// How Sync reports: allow_expunge as above; with condstore, flag changes carry UID and
// MODSEQ and a MODSEQ change alone is reported too (RFC 7162 3.2.4); with qresync, expunges
// are "* VANISHED uids" instead of "* n EXPUNGE" (3.2.10); with rev2, flag changes carry UID
// (RFC 9051 7.5.2: every unsolicited FETCH does).
struct SyncOptions {
  bool allow_expunge = true;
  bool condstore = false;
  bool qresync = false;
  bool rev2 = false;
};

class MailboxView {
 public:
  // Without `tracks_recent` (IMAP4rev2, RFC 9051 Appendix E: no \Recent) the view claims no
  // message and reports no RECENT, which leaves the new messages recent to a rev1 session.
  MailboxView(store::Mailbox mailbox, bool read_only, bool tracks_recent = true)
      : mailbox_(std::move(mailbox)), read_only_(read_only), tracks_recent_(tracks_recent) {}

  // Reads the message list and the mailbox's state in one snapshot, silently (through `cache`
  // when given), and claims the new messages as \Recent unless read-only.
  Status Load(store::Store& store, MailboxCache* cache = nullptr);
  // Brings the view up to date with the store (also "* n RECENT" after EXISTS, and "* FLAGS"
  // before the first FETCH that shows a new keyword); appends "* n EXPUNGE" (or "* VANISHED uids"),
  // "* n EXISTS" and "* n FETCH (FLAGS …)" lines (with CRLF) to `out`. Without allow_expunge,
  // vanished messages stay in the view until a later Sync that allows it. Costs one small
  // read when nothing changed.
  Status Sync(store::Store& store, const SyncOptions& options, std::string& out);

  size_t size() const { return messages_.size(); }
  const store::MessageInfo& at(size_t seq) const { return messages_[seq - 1]; }  // 1-based
  store::MessageInfo& at(size_t seq) { return messages_[seq - 1]; }
  // Sequence number of `uid`, 0 if it is not in the view.
  size_t SeqOfUid(uint32_t uid) const;
  uint32_t MaxUid() const { return messages_.empty() ? 0 : messages_.back().uid; }
  // The mailbox as of the last Load/Sync (UIDNEXT, HIGHESTMODSEQ, counters of that snapshot).
  const store::Mailbox& mailbox() const { return mailbox_; }
  bool read_only() const { return read_only_; }
  bool IsRecent(uint32_t uid) const;
  size_t RecentCount() const;
  // "* FLAGS (…)" and "* OK [PERMANENTFLAGS (…)]" with the system flags and every keyword
  // announced so far (SELECT; again whenever a keyword is added).
  std::string FlagsResponses() const;
  // FlagsResponses() if `flags` holds a keyword the client has not been told of (which it
  // then has), else nothing.
  std::string AnnounceKeywords(const store::Flags& flags);
  // Messages already gone from the store but not yet reported (expunge deferred).
  bool HasPendingExpunges() const { return !held_.empty(); }
  // The smallest MODSEQ of those held-back expunges (0: none). The session must not let the
  // client record a HIGHESTMODSEQ at or above it (RFC 7162 6; see ImapSession::Tagged).
  uint64_t HeldExpungeModseq() const { return held_.empty() ? 0 : held_expunge_modseq_; }

 private:
  // The store's full list against the view (first load, or the log was pruned).
  void SyncWithFullList(std::vector<store::MessageInfo> now, const SyncOptions& options,
                        std::string& out);
  // Changed rows and expunged UIDs since synced_modseq_.
  void SyncWithChanges(const store::MailboxChanges& changes, const SyncOptions& options,
                       std::string& out);
  // Drops the held UIDs from the view and reports them.
  void ReportExpunges(const std::vector<uint32_t>& uids, const SyncOptions& options,
                      std::string& out);
  void UpdateHeldModseq(store::Store& store);
  // Takes the UIDs below the snapshot's UIDNEXT that no session has claimed as \Recent (a
  // read-only view only looks). A failure leaves them to another session.
  void ClaimRecent(store::Store& store);

  store::Mailbox mailbox_;
  bool read_only_;
  bool tracks_recent_;
  std::vector<store::MessageInfo> messages_;  // ascending UID; index = sequence number - 1
  uint64_t synced_modseq_ = 0;                // the store's HIGHESTMODSEQ at the last look
  std::vector<uint32_t> held_;                // expunged in the store, not yet reported; sorted
  uint64_t held_expunge_modseq_ = 0;
  std::vector<std::pair<uint32_t, uint32_t>> recent_;  // [first, end) UID ranges, ascending
  uint32_t recent_checked_end_ = 0;                    // ClaimRecent looked below this UID
  std::vector<std::string> keywords_;                  // announced keywords, sorted
};

}  // namespace mailsuite::imapd
