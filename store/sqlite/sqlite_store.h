// SqliteStore: the SQLite implementation of store::Store. Each public method is one read or
// write transaction on a pooled connection (see sqlite_db.h); the methods are spread over
// files by idea: users.cpp (domains, users, aliases), mailboxes.cpp, messages.cpp, queue.cpp,
// content_reader.cpp (message text by range).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sqlite_db.h"
#include "store/store.h"

namespace mailsuite::store {

// OpenStore for a database file (store/open_store.cpp chooses the backend).
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, int busy_timeout_ms,
                                               bool create_if_missing);

class SqliteStore final : public Store {
 public:
  SqliteStore(std::unique_ptr<Database> db, std::string path);
  ~SqliteStore() override;

  Status AddDomain(const std::string& domain) override;
  Result<std::vector<std::string>> ListDomains() override;
  Status RemoveDomain(const std::string& domain) override;
  Result<bool> DomainExists(const std::string& domain) override;

  Result<User> AddUser(const std::string& address, const std::string& password_hash) override;
  Status SetPasswordHash(const std::string& address, const std::string& password_hash) override;
  Result<std::optional<User>> FindUser(const std::string& address) override;
  Result<std::optional<User>> GetUser(UserId id) override;
  Result<std::vector<User>> ListUsers(const std::string& domain) override;
  Status RemoveUser(const std::string& address) override;

  Result<std::optional<QuotaUsage>> GetQuota(UserId user) override;
  Status SetQuotaLimits(const std::string& address, const QuotaLimits& limits) override;

  Status PutSieveScript(UserId user, const std::string& name, const std::string& content) override;
  Result<std::vector<SieveScript>> ListSieveScripts(UserId user) override;
  Result<std::optional<SieveScript>> GetSieveScript(UserId user, const std::string& name) override;
  Status ActivateSieveScript(UserId user, const std::string& name) override;
  Status DeleteSieveScript(UserId user, const std::string& name) override;
  Status RenameSieveScript(UserId user, const std::string& from, const std::string& to) override;
  Result<std::optional<SieveScript>> ActiveSieveScript(UserId user) override;
  Result<bool> ClaimVacationReply(UserId user, const std::string& handle, const std::string& sender,
                                  int64_t now, int64_t period) override;

  Status AddAlias(const std::string& source, const std::string& target) override;
  Result<std::vector<Alias>> ListAliases() override;
  Status RemoveAlias(const std::string& source, const std::string& target) override;
  Result<std::vector<UserId>> ResolveRecipient(const std::string& address) override;

  Result<Mailbox> CreateMailbox(UserId user, const std::string& name,
                                const std::string& special_use) override;
  Status DeleteMailbox(UserId user, const std::string& name) override;
  Status RenameMailbox(UserId user, const std::string& from, const std::string& to) override;
  Result<std::vector<Mailbox>> ListMailboxes(UserId user) override;
  Result<std::optional<Mailbox>> GetMailbox(UserId user, const std::string& name) override;
  Result<std::optional<Mailbox>> GetMailboxById(MailboxId id) override;
  Status SetSubscribed(UserId user, const std::string& name, bool subscribed) override;
  Result<std::vector<std::string>> ListSubscriptions(UserId user) override;

  Result<std::vector<uint32_t>> Deliver(const std::vector<DeliveryTarget>& targets,
                                        const std::string& content, int64_t internal_date,
                                        const std::string& metadata) override;
  Result<AcceptResult> Accept(const std::vector<DeliveryTarget>& targets,
                              const NewQueueMessage* queue, const std::string& content,
                              int64_t internal_date, const std::string& metadata,
                              const std::vector<NewQueueMessage>& also_queue) override;
  Result<uint32_t> Append(MailboxId mailbox, const std::string& content, const Flags& flags,
                          int64_t internal_date, const std::string& metadata) override;
  uint64_t MaxContentSize() override;
  Result<std::vector<MessageInfo>> ListMessages(MailboxId mailbox) override;
  Result<std::vector<MessageInfo>> ChangedSince(MailboxId mailbox, uint64_t modseq) override;
  Result<std::optional<MessageInfo>> GetMessage(MailboxId mailbox, uint32_t uid) override;
  Result<std::string> ReadContent(MailboxId mailbox, uint32_t uid) override;
  Result<std::string> ReadMetadata(MailboxId mailbox, uint32_t uid) override;
  Result<std::unique_ptr<ContentReader>> OpenContent(MailboxId mailbox, uint32_t uid) override;
  Result<std::string> ReadContentRange(MailboxId mailbox, uint32_t uid, uint64_t offset,
                                       uint64_t length) override;
  Result<FlagUpdate> UpdateFlags(MailboxId mailbox, const std::vector<uint32_t>& uids,
                                 FlagOperation op, const Flags& flags,
                                 uint64_t unchanged_since) override;
  Result<CopyResult> Copy(MailboxId from, const std::vector<uint32_t>& uids, MailboxId to) override;
  Result<CopyResult> Move(MailboxId from, const std::vector<uint32_t>& uids, MailboxId to) override;
  Result<std::vector<uint32_t>> Expunge(MailboxId mailbox, const std::vector<uint32_t>& uids,
                                        bool only_deleted) override;
  Result<std::vector<uint32_t>> ExpungedSince(MailboxId mailbox, uint64_t modseq) override;
  Result<uint64_t> LowestExpungeModseq(MailboxId mailbox,
                                       const std::vector<uint32_t>& uids) override;

  Result<std::optional<MailboxChanges>> ChangesSince(MailboxId mailbox, uint64_t since) override;
  Result<RecentClaim> ClaimRecent(MailboxId mailbox, uint32_t uid_next) override;
  Result<uint32_t> CountRecent(MailboxId mailbox) override;
  Status PruneExpungeLog(MailboxId mailbox, uint64_t keep) override;

  Result<uint64_t> ChangeStamp() override;
  Result<std::pair<uint64_t, std::vector<MailboxChange>>> MailboxesChangedSince(
      uint64_t since) override;
  Result<std::unique_ptr<ChangeListener>> Listen() override;
  void ReleaseIdleMemory() override;
  Result<std::unique_ptr<MaildropLock>> LockMaildrop(UserId user) override;

  Result<QueueId> Enqueue(const NewQueueMessage& message) override;
  Result<std::vector<QueueMessage>> ListQueue() override;
  Result<QueueSummary> SummarizeQueue() override;
  Result<std::optional<QueueMessage>> GetQueueMessage(QueueId id) override;
  Result<std::string> ReadQueueContent(QueueId id) override;
  Status UpdateRecipient(RecipientId id, const RecipientUpdate& update) override;
  Status DeleteQueueMessage(QueueId id) override;
  Result<std::vector<QueueRecipient>> DueRecipients(int64_t now, int limit) override;
  Result<std::vector<QueueRecipient>> ClaimDueRecipients(int64_t now, int limit,
                                                         const std::string& owner,
                                                         int64_t lease_until) override;
  Status ExtendClaims(const std::vector<RecipientId>& ids, const std::string& owner,
                      int64_t lease_until) override;
  Result<bool> ClaimToFinish(QueueId id, const std::string& owner, int64_t now,
                             int64_t lease_until) override;
  Status ReleaseClaims(const std::string& owner) override;

  Result<StoreStats> Stats() override;
  Result<StoreHealth> CheckHealth() override;
  Status BackupTo(const std::string& path) override;

 private:
  std::unique_ptr<Database> db_;
  const std::string path_;  // the database file; its directory is watched, locks sit beside it
  std::unique_ptr<class MaildropLockTable> maildrop_locks_;
};

// The columns ReadMessage reads, for "… WHERE …" on messages m.
inline constexpr const char kSelectMessage[] =
    "SELECT m.mailbox_id, m.uid, m.content_id, m.size, m.internal_date, m.modseq, m.flags, "
    "m.keywords, length(m.header_prefix) FROM messages m ";
MessageInfo ReadMessage(const Stmt& stmt);
// Every message of a mailbox / those with MODSEQ above `modseq`, ascending UID, into `out`
// (cleared first).
void ListAllMessages(Connection& conn, MailboxId mailbox, std::vector<MessageInfo>& out);
void ListChangedMessages(Connection& conn, MailboxId mailbox, uint64_t modseq,
                         std::vector<MessageInfo>& out);
// UIDs expunged with a MODSEQ above `modseq`, ascending, into `out` (cleared first).
void ListExpungedSince(Connection& conn, MailboxId mailbox, uint64_t modseq,
                       std::vector<uint32_t>& out);
// A mailbox row read with the columns of mailboxes.cpp's query; one mailbox by id.
Mailbox ReadMailboxRow(const Stmt& stmt);
std::optional<Mailbox> LoadMailboxById(Connection& conn, MailboxId id);
// Keeps at least the newest `keep` expunge log entries of a mailbox (whole MODSEQs), drops
// the older ones and raises the mailbox's expunge_floor.
void PruneExpunged(Connection& conn, MailboxId mailbox, uint64_t keep);

// Helpers shared by the implementation files; all run inside an open transaction and throw
// SqlError on SQL failures.

// Creates one mailbox (parents must exist or be created by the caller).
Mailbox InsertMailbox(Connection& conn, UserId user, const std::string& name,
                      const std::string& special_use);
// Stores content if new; returns its id (refcount is maintained by triggers on the rows).
int64_t InsertContent(Connection& conn, const std::string& content, const std::string& metadata);
// Adds a message row with the mailbox's next UID and a new MODSEQ; returns the UID.
// Returns 0 when the mailbox does not exist.
uint32_t InsertMessage(Connection& conn, MailboxId mailbox, int64_t content_id,
                       int64_t internal_date, const Flags& flags, const std::string& header_prefix);
// Adds the queue row and its recipient rows for content already stored; returns the queue id.
QueueId InsertQueueMessage(Connection& conn, const NewQueueMessage& message, int64_t content_id);
// Deletes every message of a mailbox (content refs released) and its expunge log.
void DeleteMailboxContents(Connection& conn, MailboxId mailbox);

}  // namespace mailsuite::store
