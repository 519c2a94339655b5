// Per-user mailboxes of the SQLite store: hierarchy, UIDVALIDITY, subscriptions.
#include <algorithm>

#include "names.h"
#include "sqlite_store.h"

namespace mailsuite::store {
namespace {

constexpr const char kSelectMailbox[] =
    "SELECT m.id, m.user_id, m.name, m.uid_validity, m.uid_next, m.highest_modseq, "
    "EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_id = m.user_id AND s.name = m.name), "
    "m.special_use, m.message_count, m.unseen_count, m.total_size, m.expunge_floor, "
    "m.first_recent_uid, m.deleted_count, m.deleted_size "
    "FROM mailboxes m ";

}  // namespace

Mailbox ReadMailboxRow(const Stmt& stmt) {
  Mailbox m;
  m.id = stmt.Int(0);
  m.user_id = stmt.Int(1);
  m.name = stmt.Text(2);
  m.uid_validity = static_cast<uint32_t>(stmt.Int(3));
  m.uid_next = static_cast<uint32_t>(stmt.Int(4));
  m.highest_modseq = static_cast<uint64_t>(stmt.Int(5));
  m.subscribed = stmt.Int(6) != 0;
  m.special_use = stmt.Text(7);
  m.messages = static_cast<uint32_t>(stmt.Int(8));
  m.unseen = static_cast<uint32_t>(stmt.Int(9));
  m.size = static_cast<uint64_t>(stmt.Int(10));
  m.expunge_floor = static_cast<uint64_t>(stmt.Int(11));
  m.first_recent_uid = static_cast<uint32_t>(stmt.Int(12));
  m.deleted = static_cast<uint32_t>(stmt.Int(13));
  m.deleted_size = static_cast<uint64_t>(stmt.Int(14));
  return m;
}

std::optional<Mailbox> LoadMailboxById(Connection& conn, MailboxId id) {
  static const std::string sql = std::string(kSelectMailbox) + "WHERE m.id = ?";
  Stmt stmt(conn, sql.c_str(), id);
  if (!stmt.Step()) return std::nullopt;
  return ReadMailboxRow(stmt);
}

namespace {

std::optional<Mailbox> LoadMailbox(Connection& conn, UserId user, const std::string& name) {
  static const std::string sql = std::string(kSelectMailbox) + "WHERE m.user_id = ? AND m.name = ?";
  Stmt stmt(conn, sql.c_str(), user, name);
  if (!stmt.Step()) return std::nullopt;
  return ReadMailboxRow(stmt);
}

// A UIDVALIDITY never handed out before in this database: the clock, or one more than the
// last value when the clock has not moved on.
uint32_t NextUidValidity(Connection& conn) {
  int64_t last = QueryInt(conn, "SELECT last_uid_validity FROM meta", 0);
  int64_t next = std::max<int64_t>(NowSeconds() & 0xffffffffLL, last + 1);
  if (next > 0xffffffffLL) next = 1;  // after 2106; wrap rather than overflow
  Execute(conn, "UPDATE meta SET last_uid_validity = ?", next);
  return static_cast<uint32_t>(next);
}

bool ValidSpecialUse(const std::string& s) {
  static const char* kKnown[] = {"",          "\\All",  "\\Archive", "\\Drafts",
                                 "\\Flagged", "\\Junk", "\\Sent",    "\\Trash"};
  return std::find(std::begin(kKnown), std::end(kKnown), s) != std::end(kKnown);
}

bool HasChildren(Connection& conn, UserId user, const std::string& name) {
  return QueryInt(conn,
                  "SELECT count(*) FROM mailboxes WHERE user_id = ? AND "
                  "substr(name, 1, length(?) + 1) = ? || '/'",
                  0, user, name, name) > 0;
}

// Creates the missing parents of `name` ("a/b/c" -> "a", "a/b").
void CreateParents(Connection& conn, UserId user, const std::string& name) {
  for (size_t pos = name.find(kMailboxDelimiter); pos != std::string::npos;
       pos = name.find(kMailboxDelimiter, pos + 1)) {
    std::string parent = name.substr(0, pos);
    if (!LoadMailbox(conn, user, parent)) InsertMailbox(conn, user, parent, "");
  }
}

}  // namespace

Mailbox InsertMailbox(Connection& conn, UserId user, const std::string& name,
                      const std::string& special_use) {
  uint32_t uid_validity = NextUidValidity(conn);
  Execute(conn,
          "INSERT INTO mailboxes (user_id, name, uid_validity, special_use) VALUES (?, ?, ?, ?)",
          user, name, uid_validity, special_use);
  Mailbox m;
  m.id = sqlite3_last_insert_rowid(conn.handle());
  m.user_id = user;
  m.name = name;
  m.uid_validity = uid_validity;
  m.special_use = special_use;
  return m;
}

void DeleteMailboxContents(Connection& conn, MailboxId mailbox) {
  Execute(conn, "DELETE FROM messages WHERE mailbox_id = ?", mailbox);  // triggers unref
  Execute(conn, "DELETE FROM expunged WHERE mailbox_id = ?", mailbox);
}

Result<Mailbox> SqliteStore::CreateMailbox(UserId user, const std::string& name,
                                           const std::string& special_use) {
  Result<std::string> normalized = NormalizeMailboxName(name);
  if (!normalized.ok()) return normalized.status();
  if (!ValidSpecialUse(special_use)) {
    return Status::Error("unknown special-use attribute '" + special_use + "'");
  }
  Mailbox created;
  Status s = db_->Write([&](Connection& conn) {
    if (QueryInt(conn, "SELECT count(*) FROM users WHERE id = ?", 0, user) == 0) {
      return Status::Error("user " + std::to_string(user) + " does not exist");
    }
    if (LoadMailbox(conn, user, *normalized)) {
      return Status::Error("mailbox " + *normalized + " already exists");
    }
    CreateParents(conn, user, *normalized);
    created = InsertMailbox(conn, user, *normalized, special_use);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return created;
}

Status SqliteStore::DeleteMailbox(UserId user, const std::string& name) {
  Result<std::string> normalized = NormalizeMailboxName(name);
  if (!normalized.ok()) return normalized.status();
  if (IsInbox(*normalized)) return Status::Error("INBOX cannot be deleted");
  return db_->Write([&](Connection& conn) {
    std::optional<Mailbox> m = LoadMailbox(conn, user, *normalized);
    if (!m) return Status::Error("mailbox " + *normalized + " does not exist");
    if (HasChildren(conn, user, *normalized)) {
      return Status::Error("mailbox " + *normalized + " has child mailboxes");
    }
    DeleteMailboxContents(conn, m->id);
    Execute(conn, "DELETE FROM mailboxes WHERE id = ?", m->id);  // leaves a tombstone (trigger)
    // Listeners look every second or so; a tombstone a million commits old helps no one.
    Execute(conn,
            "DELETE FROM deleted_mailboxes WHERE change_stamp < "
            "(SELECT change_stamp FROM meta) - 1000000");
    return Status::Ok();
  });
}

Status SqliteStore::RenameMailbox(UserId user, const std::string& from, const std::string& to) {
  Result<std::string> old_name = NormalizeMailboxName(from);
  if (!old_name.ok()) return old_name.status();
  Result<std::string> new_name = NormalizeMailboxName(to);
  if (!new_name.ok()) return new_name.status();
  if (IsInbox(*new_name)) return Status::Error("cannot rename a mailbox to INBOX");
  if (new_name->rfind(*old_name + "/", 0) == 0) {
    return Status::Error("cannot rename " + *old_name + " into itself");
  }
  return db_->Write([&](Connection& conn) {
    std::optional<Mailbox> m = LoadMailbox(conn, user, *old_name);
    if (!m) return Status::Error("mailbox " + *old_name + " does not exist");
    if (LoadMailbox(conn, user, *new_name)) {
      return Status::Error("mailbox " + *new_name + " already exists");
    }
    CreateParents(conn, user, *new_name);
    if (IsInbox(*old_name)) {
      // RFC 3501 6.3.5: move INBOX's messages to a new mailbox; INBOX stays, empty.
      Mailbox target = InsertMailbox(conn, user, *new_name, "");
      int64_t uid_next = m->uid_next;
      int64_t modseq = static_cast<int64_t>(m->highest_modseq) + 1;
      Execute(conn,
              "INSERT OR REPLACE INTO expunged (mailbox_id, uid, modseq) "
              "SELECT mailbox_id, uid, ? FROM messages WHERE mailbox_id = ?",
              modseq, m->id);
      Execute(conn, "UPDATE messages SET mailbox_id = ? WHERE mailbox_id = ?", target.id, m->id);
      // The moved messages keep INBOX's \Recent state (RFC 3501 2.3.2), not all become recent.
      Execute(conn,
              "UPDATE mailboxes SET uid_next = ?, highest_modseq = ?, first_recent_uid = ? "
              "WHERE id = ?",
              uid_next, modseq, static_cast<int64_t>(m->first_recent_uid), target.id);
      Execute(conn, "UPDATE mailboxes SET highest_modseq = ? WHERE id = ?", modseq, m->id);
      return Status::Ok();
    }
    // Children first checked for clashes, then renamed with their parent.
    if (QueryInt(conn,
                 "SELECT count(*) FROM mailboxes a JOIN mailboxes b ON b.user_id = a.user_id "
                 "AND b.name = ? || substr(a.name, length(?) + 1) "
                 "WHERE a.user_id = ? AND substr(a.name, 1, length(?) + 1) = ? || '/'",
                 0, *new_name, *old_name, user, *old_name, *old_name) > 0) {
      return Status::Error("a child of " + *new_name + " already exists");
    }
    Execute(conn,
            "UPDATE mailboxes SET name = ? || substr(name, length(?) + 1) "
            "WHERE user_id = ? AND (name = ? OR substr(name, 1, length(?) + 1) = ? || '/')",
            *new_name, *old_name, user, *old_name, *old_name, *old_name);
    // Subscriptions follow the renamed mailboxes (what the user means; RFC 3501 is silent);
    // a subscription already held under a new name wins.
    Execute(conn,
            "UPDATE OR REPLACE subscriptions SET name = ? || substr(name, length(?) + 1) "
            "WHERE user_id = ? AND (name = ? OR substr(name, 1, length(?) + 1) = ? || '/')",
            *new_name, *old_name, user, *old_name, *old_name, *old_name);
    return Status::Ok();
  });
}

Result<std::vector<Mailbox>> SqliteStore::ListMailboxes(UserId user) {
  std::vector<Mailbox> out;
  Status s = db_->Read([&](Connection& conn) {
    out.clear();
    static const std::string sql =
        std::string(kSelectMailbox) + "WHERE m.user_id = ? ORDER BY m.name != 'INBOX', m.name";
    Stmt stmt(conn, sql.c_str(), user);
    while (stmt.Step()) out.push_back(ReadMailboxRow(stmt));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::optional<Mailbox>> SqliteStore::GetMailbox(UserId user, const std::string& name) {
  Result<std::string> normalized = NormalizeMailboxName(name);
  if (!normalized.ok()) return std::optional<Mailbox>();
  std::optional<Mailbox> out;
  Status s = db_->Read([&](Connection& conn) {
    out = LoadMailbox(conn, user, *normalized);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::optional<Mailbox>> SqliteStore::GetMailboxById(MailboxId id) {
  std::optional<Mailbox> out;
  Status s = db_->Read([&](Connection& conn) {
    out = LoadMailboxById(conn, id);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Status SqliteStore::SetSubscribed(UserId user, const std::string& name, bool subscribed) {
  Result<std::string> normalized = NormalizeMailboxName(name);
  if (!normalized.ok()) return normalized.status();
  return db_->Write([&](Connection& conn) {
    if (!subscribed) {
      // RFC 9051 6.3.8: unsubscribing a name that is not subscribed succeeds.
      Execute(conn, "DELETE FROM subscriptions WHERE user_id = ? AND name = ?", user, *normalized);
      return Status::Ok();
    }
    // Only existing mailboxes can be subscribed (RFC 3501 6.3.6 lets the server check), but
    // a subscription stays when its mailbox goes.
    if (!LoadMailbox(conn, user, *normalized))
      return Status::Error("mailbox " + *normalized + " does not exist");
    Execute(conn, "INSERT OR IGNORE INTO subscriptions (user_id, name) VALUES (?, ?)", user,
            *normalized);
    return Status::Ok();
  });
}

Result<std::vector<std::string>> SqliteStore::ListSubscriptions(UserId user) {
  std::vector<std::string> out;
  Status s = db_->Read([&](Connection& conn) {
    out.clear();
    Stmt stmt(conn, "SELECT name FROM subscriptions WHERE user_id = ? ORDER BY name", user);
    while (stmt.Step()) out.push_back(stmt.Text(0));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

}  // namespace mailsuite::store
