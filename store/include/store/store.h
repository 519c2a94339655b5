// The mailbox store: the one interface every daemon and the admin CLI use for domains, users,
// aliases, mailboxes, messages, flags, UIDs/MODSEQs, the expunge log, the outbound queue and
// change notification. No SQL leaves store/; a second backend implements this same interface.
//
// Threads and processes: a Store object is safe to use from any number of threads at once
// (the SQLite backend keeps a pool of connections), and several processes may open the same
// database. Every write is one durable transaction: when a method returns Ok, the change is
// on disk. Writers wait for each other (up to the busy timeout) instead of failing.
//
// Errors: methods return Status/Result with a one-line message fit for a log or an admin's
// terminal ("domain nowhere.test does not exist"); "not found" for a lookup is an empty
// optional, not an error. Addresses and domains are compared case-insensitively.
//
// Ownership: OpenStore returns the only owner; destroying it closes the database. Everything
// returned is a copy owned by the caller.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "shared/config.h"
#include "shared/result.h"
#include "store/content_reader.h"
#include "store/types.h"

namespace mailsuite::store {

// Reports changes committed to the store by any process. One thread uses it.
class ChangeListener {
 public:
  virtual ~ChangeListener() = default;
  // Waits up to `timeout` (or until Interrupt) and returns the mailboxes changed since the
  // previous call (the first call reports changes since Listen); empty when none. A change may
  // be reported twice, never missed.
  virtual Result<std::vector<MailboxChange>> Wait(std::chrono::milliseconds timeout) = 0;
  // Ends the current and every later Wait at once (shutdown); safe from any thread.
  virtual void Interrupt() = 0;
};

// A held maildrop lock; destroying it releases the lock.
class MaildropLock {
 public:
  virtual ~MaildropLock() = default;
};

class Store {
 public:
  virtual ~Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // ---- Domains ---------------------------------------------------------------------------
  // Local domains; mail for them is delivered here. Names are lower-cased.
  virtual Status AddDomain(const std::string& domain) = 0;     // error if it exists
  virtual Result<std::vector<std::string>> ListDomains() = 0;  // sorted
  // Error if it does not exist or still has users or aliases.
  virtual Status RemoveDomain(const std::string& domain) = 0;
  virtual Result<bool> DomainExists(const std::string& domain) = 0;

  // ---- Users -----------------------------------------------------------------------------
  // Adds a user of an existing domain with the default mailboxes (INBOX, Drafts, Sent, Trash,
  // Junk, Archive with their special-use attributes). Error if the address is taken by a user
  // or an alias, or the domain does not exist.
  virtual Result<User> AddUser(const std::string& address, const std::string& password_hash) = 0;
  virtual Status SetPasswordHash(const std::string& address, const std::string& password_hash) = 0;
  virtual Result<std::optional<User>> FindUser(const std::string& address) = 0;
  virtual Result<std::optional<User>> GetUser(UserId id) = 0;
  // All users (domain empty) or one existing domain's, sorted by address.
  virtual Result<std::vector<User>> ListUsers(const std::string& domain = "") = 0;
  // Removes the user, their mailboxes and messages, and aliases that point at them.
  virtual Status RemoveUser(const std::string& address) = 0;

  // ---- Quota -----------------------------------------------------------------------------
  // The user's usage and own limits; nullopt when the user does not exist. Costs one row.
  virtual Result<std::optional<QuotaUsage>> GetQuota(UserId user) = 0;
  // Replaces both of the user's limits. Error if the user does not exist.
  virtual Status SetQuotaLimits(const std::string& address, const QuotaLimits& limits) = 0;

  // ---- Sieve scripts ---------------------------------------------------------------------
  // Names are compared as given (RFC 5804 1.6); the caller checks them and the script text.
  // Stores a new script or replaces one's text (an active script stays active).
  virtual Status PutSieveScript(UserId user, const std::string& name,
                                const std::string& content) = 0;
  virtual Result<std::vector<SieveScript>> ListSieveScripts(UserId user) = 0;  // by name
  virtual Result<std::optional<SieveScript>> GetSieveScript(UserId user,
                                                            const std::string& name) = 0;
  // Makes `name` the user's one active script; "" leaves none active. Error if it is missing.
  virtual Status ActivateSieveScript(UserId user, const std::string& name) = 0;
  // Error if it is missing or active (RFC 5804 2.10).
  virtual Status DeleteSieveScript(UserId user, const std::string& name) = 0;
  // Error if `from` is missing or `to` exists (RFC 5804 2.11.1); an active script stays active.
  virtual Status RenameSieveScript(UserId user, const std::string& from, const std::string& to) = 0;
  // What delivery runs: the active script with its text; nullopt when none. Costs one row.
  virtual Result<std::optional<SieveScript>> ActiveSieveScript(UserId user) = 0;
  // Sieve "vacation" (RFC 5230 4.2): true when `user` may answer `sender` (lower-cased by the
  // caller) under `handle` now, which is then recorded until now + `period`; false when an
  // answer went out within its period. The user's expired records are dropped on the way, so
  // the records never outgrow the senders of one period.
  virtual Result<bool> ClaimVacationReply(UserId user, const std::string& handle,
                                          const std::string& sender, int64_t now,
                                          int64_t period) = 0;

  // ---- Aliases ---------------------------------------------------------------------------
  // source "a@d" or "@d" (catch-all for domain d, which must be local); target an existing
  // user. One source may have several targets. Error on a duplicate pair or if source is a user.
  virtual Status AddAlias(const std::string& source, const std::string& target) = 0;
  virtual Result<std::vector<Alias>> ListAliases() = 0;  // sorted by source, target
  // Removes one pair, or every target of source when target is empty. Error if none matched.
  virtual Status RemoveAlias(const std::string& source, const std::string& target = "") = 0;
  // Local delivery targets of an address: the user itself, else the alias targets, else the
  // domain's catch-all targets, else an empty list (unknown recipient).
  virtual Result<std::vector<UserId>> ResolveRecipient(const std::string& address) = 0;

  // ---- Mailboxes -------------------------------------------------------------------------
  // Names use '/' as the hierarchy delimiter; "INBOX" is case-insensitive. Creating "a/b"
  // creates a missing "a" as well. New mailboxes get a fresh UIDVALIDITY that no earlier
  // mailbox of the same name had.
  virtual Result<Mailbox> CreateMailbox(UserId user, const std::string& name,
                                        const std::string& special_use = "") = 0;
  // Deletes the mailbox and its messages. Error for INBOX or a mailbox with children.
  virtual Status DeleteMailbox(UserId user, const std::string& name) = 0;
  // Renames the mailbox and all its children (keeping UIDVALIDITY). Renaming INBOX moves its
  // messages into the new mailbox and leaves INBOX empty (RFC 3501 6.3.5).
  virtual Status RenameMailbox(UserId user, const std::string& from, const std::string& to) = 0;
  virtual Result<std::vector<Mailbox>> ListMailboxes(UserId user) = 0;  // INBOX, then by name
  virtual Result<std::optional<Mailbox>> GetMailbox(UserId user, const std::string& name) = 0;
  virtual Result<std::optional<Mailbox>> GetMailboxById(MailboxId id) = 0;
  // SUBSCRIBE needs an existing mailbox; the subscription then outlives it (RFC 3501 6.3.6)
  // and follows it on RENAME. Unsubscribing a name not subscribed succeeds (RFC 9051 6.3.8).
  virtual Status SetSubscribed(UserId user, const std::string& name, bool subscribed) = 0;
  // Every subscribed name, mailbox or not, sorted.
  virtual Result<std::vector<std::string>> ListSubscriptions(UserId user) = 0;

  // ---- Messages --------------------------------------------------------------------------
  // Stores content once and adds one row to each target mailbox (each gets its next UID and
  // MODSEQ, and keeps its own header_prefix), all in one transaction. The store parses the
  // body's MIME structure once, when it is first stored, and keeps it (ReadMetadata); a
  // non-empty `metadata` is kept instead (tests). When identical content is already stored,
  // the stored metadata is kept. Returns the UIDs in the order of `targets`.
  // Any missing mailbox fails it all.
  virtual Result<std::vector<uint32_t>> Deliver(const std::vector<DeliveryTarget>& targets,
                                                const std::string& content, int64_t internal_date,
                                                const std::string& metadata = "") = 0;
  // What SMTP acknowledges with "250": the local delivery rows and, when `queue` is given, the
  // outbound queue entry for the remote recipients, all in ONE transaction with the content
  // stored once for both. queue->content is ignored (`content` is used). `also_queue` are
  // messages of their own content queued in the same transaction (Sieve redirects: a copy
  // with the user's Delivered-To). Nothing at all to do is an error.
  virtual Result<AcceptResult> Accept(const std::vector<DeliveryTarget>& targets,
                                      const NewQueueMessage* queue, const std::string& content,
                                      int64_t internal_date, const std::string& metadata = "",
                                      const std::vector<NewQueueMessage>& also_queue = {}) = 0;
  // APPEND: one mailbox, with flags. Returns the new UID.
  virtual Result<uint32_t> Append(MailboxId mailbox, const std::string& content, const Flags& flags,
                                  int64_t internal_date, const std::string& metadata = "") = 0;
  // The largest message content the backend can hold in octets (SQLite: its blob length
  // limit). IMAP advertises the smaller of this and its literal limit as APPENDLIMIT.
  virtual uint64_t MaxContentSize() = 0;
  // All messages of a mailbox, ascending UID.
  virtual Result<std::vector<MessageInfo>> ListMessages(MailboxId mailbox) = 0;
  // Messages whose MODSEQ is greater than `modseq` (CONDSTORE CHANGEDSINCE), ascending UID.
  virtual Result<std::vector<MessageInfo>> ChangedSince(MailboxId mailbox, uint64_t modseq) = 0;
  virtual Result<std::optional<MessageInfo>> GetMessage(MailboxId mailbox, uint32_t uid) = 0;
  // The full RFC 5322 text (header_prefix + body). Error if the message does not exist.
  virtual Result<std::string> ReadContent(MailboxId mailbox, uint32_t uid) = 0;
  // The metadata given at delivery; it describes the shared body, without header_prefix.
  virtual Result<std::string> ReadMetadata(MailboxId mailbox, uint32_t uid) = 0;
  // The message text (header_prefix + body) opened for reading by range: a header, a part or
  // a partial reads only its octets, and a whole message is streamed in chunks instead of
  // being held in memory (see ContentReader for how long a reader may be kept). Error if the
  // message does not exist.
  virtual Result<std::unique_ptr<ContentReader>> OpenContent(MailboxId mailbox, uint32_t uid) = 0;
  // Octets [offset, offset + length) of the message text, fewer where it ends (none past its
  // end): OpenContent and one Read in one go. Error if the message does not exist.
  virtual Result<std::string> ReadContentRange(MailboxId mailbox, uint32_t uid, uint64_t offset,
                                               uint64_t length) = 0;
  // Changes flags of the listed UIDs (missing UIDs are ignored); every changed message gets a
  // new MODSEQ. With unchanged_since > 0, messages whose MODSEQ is greater are left alone and
  // reported in modified_since. A message whose flags would not change keeps its MODSEQ.
  virtual Result<FlagUpdate> UpdateFlags(MailboxId mailbox, const std::vector<uint32_t>& uids,
                                         FlagOperation op, const Flags& flags,
                                         uint64_t unchanged_since = 0) = 0;
  // Copies messages (sharing content) to another mailbox of any user; new UIDs there.
  virtual Result<CopyResult> Copy(MailboxId from, const std::vector<uint32_t>& uids,
                                  MailboxId to) = 0;
  // Copy and expunge from the source in one transaction (RFC 6851); `to` may be `from` (new
  // UIDs for the same messages).
  virtual Result<CopyResult> Move(MailboxId from, const std::vector<uint32_t>& uids,
                                  MailboxId to) = 0;
  // Removes the listed messages (only those flagged \Deleted when only_deleted), logging each
  // UID with a new MODSEQ in the expunge log. Content goes when its last reference goes.
  // Returns the expunged UIDs, ascending.
  virtual Result<std::vector<uint32_t>> Expunge(MailboxId mailbox,
                                                const std::vector<uint32_t>& uids,
                                                bool only_deleted = false) = 0;
  // UIDs expunged with a MODSEQ greater than `modseq` (QRESYNC VANISHED), ascending.
  virtual Result<std::vector<uint32_t>> ExpungedSince(MailboxId mailbox, uint64_t modseq) = 0;
  // The smallest MODSEQ with which any of `uids` was expunged; 0 when none of them is in the
  // expunge log. IMAP uses it for expunges it may not report yet (RFC 7162 6).
  virtual Result<uint64_t> LowestExpungeModseq(MailboxId mailbox,
                                               const std::vector<uint32_t>& uids) = 0;

  // ---- Incremental sync and housekeeping -----------------------------------------------
  // What changed in `mailbox` after MODSEQ `since` (see MailboxChanges), in one snapshot; costs
  // what changed, not the size of the mailbox (unless the log was pruned past `since`).
  // nullopt when the mailbox does not exist.
  virtual Result<std::optional<MailboxChanges>> ChangesSince(MailboxId mailbox, uint64_t since) = 0;
  // Keeps at least the newest `keep` entries of the mailbox's expunge log (whole MODSEQs) and
  // drops the older ones, raising its expunge_floor (RFC 7162 3.2.5.2: older clients then get
  // a full resync). Expunge prunes on its own once a log grows past twice kExpungeLogKeep;
  // this is for tests and the admin.
  virtual Status PruneExpungeLog(MailboxId mailbox, uint64_t keep) = 0;
  static constexpr uint64_t kExpungeLogKeep = 10000;

  // ---- \Recent (RFC 3501 2.3.2) ---------------------------------------------------------
  // Claims for the caller every UID from the mailbox's first_recent_uid up to `uid_next`
  // (exclusive) and raises first_recent_uid to it, atomically across processes: the UIDs a
  // session may show as \Recent, which no other session will get. Empty when another session
  // was first. A session that only reads (EXAMINE) does not claim.
  virtual Result<RecentClaim> ClaimRecent(MailboxId mailbox, uint32_t uid_next) = 0;
  // How many messages are \Recent (UID at or above first_recent_uid): STATUS RECENT. Costs
  // the number of recent messages.
  virtual Result<uint32_t> CountRecent(MailboxId mailbox) = 0;

  // ---- Change notification ---------------------------------------------------------------
  // A number that grows with every committed write by any process on this store. PostgreSQL:
  // the server's transaction horizon (the oldest transaction still running), which writes to
  // its other databases move too, and which stays where it is while an older transaction runs;
  // MailboxesChangedSince may then report a change again (never miss one).
  virtual Result<uint64_t> ChangeStamp() = 0;
  // The mailboxes whose HIGHESTMODSEQ rose (or that were deleted: highest_modseq 0) in commits
  // after stamp `since`, and the stamp this answer is current to. Costs what changed.
  virtual Result<std::pair<uint64_t, std::vector<MailboxChange>>> MailboxesChangedSince(
      uint64_t since) = 0;
  // Opens a listener that reports changed mailboxes as they are committed by any process on
  // this store (see ChangeListener). Each backend uses its own mechanism (SQLite: inotify on
  // its files; a server database: its notification channel).
  virtual Result<std::unique_ptr<ChangeListener>> Listen() = 0;

  // ---- POP3 maildrop lock ----------------------------------------------------------------
  // The exclusive lock on a user's maildrop (RFC 1939 4), held across every process using this
  // store until the returned object is destroyed (or its process dies). nullptr when another
  // session holds it.
  virtual Result<std::unique_ptr<MaildropLock>> LockMaildrop(UserId user) = 0;

  // ---- Outbound queue --------------------------------------------------------------------
  virtual Result<QueueId> Enqueue(const NewQueueMessage& message) = 0;
  virtual Result<std::vector<QueueMessage>> ListQueue() = 0;  // oldest first
  // Counts, not rows: one aggregate over the recipients still queued.
  virtual Result<QueueSummary> SummarizeQueue() = 0;
  virtual Result<std::optional<QueueMessage>> GetQueueMessage(QueueId id) = 0;
  virtual Result<std::string> ReadQueueContent(QueueId id) = 0;
  virtual Status UpdateRecipient(RecipientId id, const RecipientUpdate& update) = 0;
  // Deletes the message and its recipients; its content goes with its last reference.
  virtual Status DeleteQueueMessage(QueueId id) = 0;
  // Queued recipients with next_attempt <= now that no runner has claimed (or whose claim ran
  // out), earliest first, at most `limit`.
  virtual Result<std::vector<QueueRecipient>> DueRecipients(int64_t now, int limit = 1000) = 0;
  // Claims due recipients for one delivery attempt, as DueRecipients lists them, for the queue
  // runner named `owner` until `lease_until`: no other runner (of this or any node) takes them
  // until the claimant records a result (UpdateRecipient ends the claim), renews the lease
  // (ExtendClaims), releases them (ReleaseClaims) or dies and the lease runs out. PostgreSQL:
  // FOR UPDATE SKIP LOCKED, so runners on several nodes take disjoint sets without waiting for
  // each other.
  virtual Result<std::vector<QueueRecipient>> ClaimDueRecipients(int64_t now, int limit,
                                                                 const std::string& owner,
                                                                 int64_t lease_until) = 0;
  // Moves the lease of those of `ids` that `owner` still holds to `lease_until`. Lease times are
  // compared with each runner's clock: nodes must keep their clocks in step (NTP), well within
  // a lease.
  virtual Status ExtendClaims(const std::vector<RecipientId>& ids, const std::string& owner,
                              int64_t lease_until) = 0;
  // Takes the right to finish a queued message (send its bounce, delete it) for `owner` until
  // `lease_until`: false when another runner holds it (their claims of two recipients of one
  // message could otherwise both end in a bounce). A runner that dies before deleting leaves it
  // to be taken again after the lease.
  virtual Result<bool> ClaimToFinish(QueueId id, const std::string& owner, int64_t now,
                                     int64_t lease_until) = 0;
  // Ends every claim of `owner`: a runner that starts again gives back what its previous life
  // claimed and never finished (it died mid-delivery), instead of waiting out the leases.
  virtual Status ReleaseClaims(const std::string& owner) = 0;

  // ---- Diagnostics -----------------------------------------------------------------------
  virtual Result<StoreStats> Stats() = 0;
  // A full check of the store (reads everything: for the admin, never for a daemon).
  virtual Result<StoreHealth> CheckHealth() = 0;
  // A consistent copy of the whole database at `path` (which must not exist), taken while the
  // daemons keep running. SQLite: a database file (the online backup API; writers are not
  // blocked for long). PostgreSQL: a pg_dump archive in custom format, restored with
  // pg_restore --dbname=URL FILE into an empty database.
  virtual Status BackupTo(const std::string& path) = 0;

  // ---- Memory ----------------------------------------------------------------------------
  // Gives back what is kept only for reuse (SQLite: idle pooled connections and their page
  // caches, all but a few). A daemon calls it when a crowd of sessions has gone, so that its
  // memory follows the sessions that remain (issue #14).
  virtual void ReleaseIdleMemory() = 0;

 protected:
  Store() = default;
};

// Opens (and with create_if_missing, creates) the store at `location` and upgrades its schema:
// a SQLite database file, or a PostgreSQL database given by a libpq URI ("postgresql://…" or
// "postgres://…", whose server must be running and the database exist; create_if_missing
// creates the tables). A store written by a newer mailsuite is refused. busy_timeout_ms bounds
// how long a write waits for other writers. Without create_if_missing a missing SQLite file is
// the error "database PATH does not exist; run mailsuite init", and a PostgreSQL database
// without tables the same in its words.
Result<std::unique_ptr<Store>> OpenStore(const std::string& location, int busy_timeout_ms,
                                         bool create_if_missing = true);
// The same for the store a configuration names (store.backend: store.path, or store.url with
// the password from store.password_file; a password inside store.url is refused).
Result<std::unique_ptr<Store>> OpenStore(const StoreConfig& config, bool create_if_missing);
// The store a configuration names, for messages: the SQLite file, or the PostgreSQL URL.
std::string DescribeStore(const StoreConfig& config);
// For a daemon's /readyz: why `store` cannot serve now (one cheap read failed), or empty.
std::string UnreadyReason(Store& store);

}  // namespace mailsuite::store
