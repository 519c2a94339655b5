// Value types of the store interface (store/store.h): plain data, copied freely, no behaviour.
// Times are seconds since the Unix epoch (UTC). Addresses are stored and returned lower-cased.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mailsuite::store {

using UserId = int64_t;
using MailboxId = int64_t;
using QueueId = int64_t;
using RecipientId = int64_t;

struct User {
  UserId id = 0;
  std::string address;        // "local@domain", lower-cased
  std::string domain;         // the part after '@'
  std::string password_hash;  // argon2id PHC string (see shared/auth/password.h)
};

// A user's own limits (the RFC 9208 resources STORAGE and MESSAGE). nullopt: the configured
// default (quota.storage, quota.messages) applies; 0: no limit.
struct QuotaLimits {
  std::optional<uint64_t> storage;   // octets
  std::optional<uint64_t> messages;  // messages in all their mailboxes
  bool operator==(const QuotaLimits&) const = default;
};

// What a user uses now, kept by the store in the transaction of every change (never counted on
// read), and their own limits.
struct QuotaUsage {
  uint64_t storage = 0;   // octets of every message in every mailbox of theirs
  uint64_t messages = 0;  // how many messages that is
  QuotaLimits limits;
};

// One of a user's Sieve scripts (RFC 5228), by name as ManageSieve (RFC 5804) knows them; at
// most one of a user's scripts is active, and delivery runs that one.
struct SieveScript {
  std::string name;
  std::string content;  // empty in listings
  bool active = false;
};

// source is "local@domain" or, for a domain catch-all, "@domain"; target is a local user.
struct Alias {
  std::string source;
  std::string target;
};

// IMAP system flags (RFC 3501 2.3.2); \Recent is per session and not stored.
enum SystemFlag : uint32_t {
  kFlagSeen = 1u << 0,
  kFlagAnswered = 1u << 1,
  kFlagFlagged = 1u << 2,
  kFlagDeleted = 1u << 3,
  kFlagDraft = 1u << 4,
};
inline constexpr uint32_t kAllSystemFlags = 0x1f;

struct Flags {
  uint32_t system = 0;                // SystemFlag bits
  std::vector<std::string> keywords;  // IMAP keywords (atoms), sorted, no duplicates
  bool operator==(const Flags&) const = default;
};

enum class FlagOperation { kReplace, kAdd, kRemove };

// Special-use attributes (RFC 6154) as IMAP writes them: "\\Drafts", "\\Sent", "\\Trash",
// "\\Junk", "\\Archive", or empty.
struct Mailbox {
  MailboxId id = 0;
  UserId user_id = 0;
  std::string name;  // hierarchy delimiter '/'; "INBOX" is always spelled in upper case
  uint32_t uid_validity = 0;
  uint32_t uid_next = 1;        // the UID the next message will get
  uint64_t highest_modseq = 1;  // the largest MODSEQ of any change in this mailbox (starts at 1)
  bool subscribed = false;
  std::string special_use;
  // Counters kept by the store in the transaction of every change (never counted on read).
  uint32_t messages = 0;      // number of messages now in the mailbox
  uint32_t unseen = 0;        // of those, without \Seen
  uint32_t deleted = 0;       // of those, with \Deleted (STATUS DELETED, RFC 9051 6.3.11)
  uint64_t size = 0;          // octets of all of them (STATUS SIZE, RFC 8438)
  uint64_t deleted_size = 0;  // octets of those with \Deleted (STATUS DELETED-STORAGE, RFC 9208)
  // Expunges with a MODSEQ at or below this were pruned from the expunge log: a client that
  // last synchronised at or below it cannot be told exactly what vanished (RFC 7162 3.2.5.2).
  uint64_t expunge_floor = 0;
  // Messages with this UID or above are \Recent: no session has claimed them yet (RFC 3501
  // 2.3.2; see Store::ClaimRecent).
  uint32_t first_recent_uid = 1;
};

// The UIDs [first, end) that one session may show as \Recent: exactly one session gets each.
struct RecentClaim {
  uint32_t first = 0;
  uint32_t end = 0;
  bool empty() const { return first >= end; }
};

inline constexpr char kMailboxDelimiter = '/';

// Where Deliver puts one copy. header_prefix ("Return-Path: <...>\r\nDelivered-To: ...\r\n")
// is kept with this one row and read back in front of the shared body, so per-recipient trace
// fields do not defeat storing the body once. Empty or whole CRLF-terminated header lines.
struct DeliveryTarget {
  DeliveryTarget() = default;
  // Implicit on purpose: Deliver({inbox_a, inbox_b}, ...) delivers without prefixes.
  DeliveryTarget(MailboxId m, std::string prefix = "")  // NOLINT
      : mailbox(m), header_prefix(std::move(prefix)) {}
  MailboxId mailbox = 0;
  std::string header_prefix;
  Flags flags;  // what the message is stored with (a Sieve script's imap4flags); the caller
                // passes only valid keywords (IsValidKeyword), sorted and unique
};

// One message as it sits in one mailbox. The message's text is header_prefix + the shared body.
struct MessageInfo {
  MailboxId mailbox_id = 0;
  uint32_t uid = 0;
  int64_t content_id = 0;  // the shared body; several mailboxes may point at one
  int64_t size = 0;        // octets of the whole message: header_prefix plus body
  // Octets of this row's own trace lines (Return-Path, Delivered-To) in front of the shared
  // body. Only the length: sessions keep a MessageInfo per message of a selected mailbox, so
  // it stays small (ReadContent returns the lines themselves).
  uint32_t header_prefix_size = 0;
  int64_t internal_date = 0;
  uint64_t modseq = 0;
  Flags flags;
  bool operator==(const MessageInfo&) const = default;
};

// What changed in one mailbox after a MODSEQ, read in one snapshot (incremental sync).
struct MailboxChanges {
  Mailbox mailbox;                   // its state now
  std::vector<MessageInfo> changed;  // messages with a MODSEQ above `since`, ascending UID
  std::vector<uint32_t> expunged;    // UIDs expunged with a MODSEQ above `since`, ascending
  // False for `since` 0, or when the expunge log no longer reaches back to `since` (pruned):
  // `changed` then holds every message of the mailbox, `expunged` is empty, and whatever the
  // caller knew that is not in `changed` is gone.
  bool complete = true;
};

// A mailbox changed (or deleted: highest_modseq 0) after a change stamp.
struct MailboxChange {
  MailboxId mailbox = 0;
  uint64_t highest_modseq = 0;
};

// What a flag change did (RFC 7162 UNCHANGEDSINCE support).
struct FlagUpdate {
  std::vector<MessageInfo> updated;      // rows after the change (with their new MODSEQ)
  std::vector<uint32_t> modified_since;  // UIDs skipped because their MODSEQ > unchanged_since
};

// Result of Store::Accept: the UIDs of the local deliveries (in target order) and the queue
// entry for remote recipients (0 when there were none).
struct AcceptResult {
  std::vector<uint32_t> uids;
  int64_t queue_id = 0;
};

// Result of COPY/MOVE: pairs of (source UID, destination UID) for COPYUID (RFC 4315).
struct CopyResult {
  uint32_t destination_uid_validity = 0;
  std::vector<std::pair<uint32_t, uint32_t>> uids;
};

// Outbound queue (one body, one row per recipient; retry policy lives in mta/, not here).
enum class RecipientState { kQueued, kDelivered, kFailed };

struct NewQueueRecipient {
  std::string address;
  std::string notify;  // DSN NOTIFY parameter as given ("" = not given), e.g. "SUCCESS,FAILURE"
  std::string orcpt;   // DSN ORCPT parameter as given, e.g. "rfc822;bob@example.test"
};

struct NewQueueMessage {
  std::string sender;  // reverse-path; empty for bounces ("<>")
  std::vector<NewQueueRecipient> recipients;
  std::string content;
  std::string envid;         // DSN ENVID ("" = not given)
  std::string ret;           // DSN RET: "FULL", "HDRS" or ""
  int64_t next_attempt = 0;  // when recipients are first due (0 = now)
};

// The outbound queue at a glance (mailsuite_queue_* metrics): every message in it (also one
// whose recipients are all done, waiting for its bounce), the recipients still to be delivered,
// never tried yet (fresh) or tried and deferred, and the arrival time of the oldest message with
// such a recipient (0: none).
struct QueueSummary {
  int64_t messages = 0;
  int64_t fresh_recipients = 0;
  int64_t deferred_recipients = 0;
  int64_t oldest_fresh = 0;
  int64_t oldest_deferred = 0;
};

struct QueueRecipient {
  RecipientId id = 0;
  QueueId queue_id = 0;
  std::string address;
  std::string notify;
  std::string orcpt;
  RecipientState state = RecipientState::kQueued;
  int attempts = 0;
  int64_t next_attempt = 0;
  std::string last_error;  // the last remote reply or local reason, for DSNs and `queue list`
};

struct QueueMessage {
  QueueId id = 0;
  std::string sender;
  std::string envid;
  std::string ret;
  int64_t created_at = 0;
  int64_t size = 0;
  std::vector<QueueRecipient> recipients;
};

struct RecipientUpdate {
  RecipientState state = RecipientState::kQueued;
  int attempts = 0;
  int64_t next_attempt = 0;
  std::string last_error;
};

// Row counts, for tests and `mailsuite` status output.
struct StoreStats {
  int64_t domains = 0;
  int64_t users = 0;
  int64_t mailboxes = 0;
  int64_t messages = 0;  // per-mailbox rows
  int64_t contents = 0;  // distinct stored bodies (shared by messages and the queue)
  int64_t queue_messages = 0;
};

// What `mailsuite check` reports about the store. problems is empty when all is well.
struct StoreHealth {
  std::vector<std::string> problems;  // one line each: integrity, references, counters, UIDs
  int64_t file_bytes = 0;             // the database (without its log)
  int64_t free_bytes = 0;             // of those, pages free for reuse
  int64_t messages = 0;
  int64_t contents = 0;         // distinct stored bodies
  int64_t expunge_log = 0;      // entries kept for QRESYNC, all mailboxes
  int64_t largest_mailbox = 0;  // messages in the fullest mailbox
};

}  // namespace mailsuite::store
