// Per-user mailboxes of the PostgreSQL store: hierarchy, UIDVALIDITY, subscriptions (as
// store/sqlite/mailboxes.cpp).
#include <algorithm>

#include "names.h"
#include "pg_store.h"

namespace mailsuite::store::postgres {
namespace {

#define SELECT_MAILBOX                                                                       \
  "SELECT m.id, m.user_id, m.name, m.uid_validity, m.uid_next, m.highest_modseq, "           \
  "EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_id = m.user_id AND s.name = m.name), " \
  "m.special_use, m.message_count, m.unseen_count, m.total_size, m.expunge_floor, "          \
  "m.first_recent_uid, m.deleted_count, m.deleted_size FROM mailboxes m "

Mailbox ReadMailboxRow(const PgResult& r, int row) {
  Mailbox m;
  m.id = r.Int(row, 0);
  m.user_id = r.Int(row, 1);
  m.name = r.Text(row, 2);
  m.uid_validity = static_cast<uint32_t>(r.Int(row, 3));
  m.uid_next = static_cast<uint32_t>(r.Int(row, 4));
  m.highest_modseq = static_cast<uint64_t>(r.Int(row, 5));
  m.subscribed = r.Bool(row, 6);
  m.special_use = r.Text(row, 7);
  m.messages = static_cast<uint32_t>(r.Int(row, 8));
  m.unseen = static_cast<uint32_t>(r.Int(row, 9));
  m.size = static_cast<uint64_t>(r.Int(row, 10));
  m.expunge_floor = static_cast<uint64_t>(r.Int(row, 11));
  m.first_recent_uid = static_cast<uint32_t>(r.Int(row, 12));
  m.deleted = static_cast<uint32_t>(r.Int(row, 13));
  m.deleted_size = static_cast<uint64_t>(r.Int(row, 14));
  return m;
}

std::optional<Mailbox> LoadMailbox(PgConn& conn, UserId user, const std::string& name) {
  PgResult r = Query(conn, SELECT_MAILBOX "WHERE m.user_id = $1 AND m.name = $2", user, name);
  if (r.rows() == 0) return std::nullopt;
  return ReadMailboxRow(r, 0);
}

// A UIDVALIDITY never handed out before in this database: the clock, or one more than the
// last value when the clock has not moved on. The meta row's lock orders concurrent creators.
uint32_t NextUidValidity(PgConn& conn) {
  int64_t next = QueryInt(conn,
                          "UPDATE meta SET last_uid_validity = CASE WHEN greatest($1::bigint, "
                          "last_uid_validity + 1) > 4294967295 THEN 1 ELSE greatest($1::bigint, "
                          "last_uid_validity + 1) END RETURNING last_uid_validity",
                          1, NowSeconds() & 0xffffffffLL);
  return static_cast<uint32_t>(next);
}

bool ValidSpecialUse(const std::string& s) {
  static const char* kKnown[] = {"",          "\\All",  "\\Archive", "\\Drafts",
                                 "\\Flagged", "\\Junk", "\\Sent",    "\\Trash"};
  return std::find(std::begin(kKnown), std::end(kKnown), s) != std::end(kKnown);
}

// Children of `name` are the names that start with "name/": compared as bytes (left()).
bool HasChildren(PgConn& conn, UserId user, const std::string& name) {
  return QueryInt(conn,
                  "SELECT count(*) FROM mailboxes WHERE user_id = $1 AND "
                  "left(name, length($2::text) + 1) = $2::text || '/'",
                  0, user, name) > 0;
}

void CreateParents(PgConn& conn, UserId user, const std::string& name) {
  for (size_t pos = name.find(kMailboxDelimiter); pos != std::string::npos;
       pos = name.find(kMailboxDelimiter, pos + 1)) {
    std::string parent = name.substr(0, pos);
    if (!LoadMailbox(conn, user, parent)) InsertMailbox(conn, user, parent, "");
  }
}

// Takes the user's row lock: mailbox creation, deletion and renaming of one user are serialised
// across nodes, so two of them cannot both find a name free.
bool LockUser(PgConn& conn, UserId user) {
  return QueryInt(conn, "SELECT count(*) FROM (SELECT 1 FROM users WHERE id = $1 FOR UPDATE) u", 0,
                  user) > 0;
}

}  // namespace

std::optional<Mailbox> LoadMailboxById(PgConn& conn, MailboxId id) {
  PgResult r = Query(conn, SELECT_MAILBOX "WHERE m.id = $1", id);
  if (r.rows() == 0) return std::nullopt;
  return ReadMailboxRow(r, 0);
}

int LockMailboxes(PgConn& conn, std::vector<MailboxId> mailboxes) {
  if (mailboxes.empty()) return 0;
  std::sort(mailboxes.begin(), mailboxes.end());
  mailboxes.erase(std::unique(mailboxes.begin(), mailboxes.end()), mailboxes.end());
  PgResult r =
      Query(conn, "SELECT id FROM mailboxes WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE",
            IntArray{mailboxes});
  return r.rows();
}

Mailbox InsertMailbox(PgConn& conn, UserId user, const std::string& name,
                      const std::string& special_use) {
  uint32_t uid_validity = NextUidValidity(conn);
  Mailbox m;
  m.id = QueryInt(conn,
                  "INSERT INTO mailboxes (user_id, name, uid_validity, special_use) "
                  "VALUES ($1, $2, $3, $4) RETURNING id",
                  0, user, name, uid_validity, special_use);
  m.user_id = user;
  m.name = name;
  m.uid_validity = uid_validity;
  m.special_use = special_use;
  return m;
}

void DeleteMailboxContents(PgConn& conn, MailboxId mailbox) {
  Execute(conn, "DELETE FROM messages WHERE mailbox_id = $1", mailbox);  // triggers unref
  Execute(conn, "DELETE FROM expunged WHERE mailbox_id = $1", mailbox);
}

Result<Mailbox> PgStore::CreateMailbox(UserId user, const std::string& name,
                                       const std::string& special_use) {
  Result<std::string> normalized = NormalizeMailboxName(name);
  if (!normalized.ok()) return normalized.status();
  if (!ValidSpecialUse(special_use)) {
    return Status::Error("unknown special-use attribute '" + special_use + "'");
  }
  Mailbox created;
  Status s = db_->Write([&](PgConn& conn) {
    if (!LockUser(conn, user)) {
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

Status PgStore::DeleteMailbox(UserId user, const std::string& name) {
  Result<std::string> normalized = NormalizeMailboxName(name);
  if (!normalized.ok()) return normalized.status();
  if (IsInbox(*normalized)) return Status::Error("INBOX cannot be deleted");
  return db_->Write([&](PgConn& conn) {
    LockUser(conn, user);
    std::optional<Mailbox> m = LoadMailbox(conn, user, *normalized);
    if (!m) return Status::Error("mailbox " + *normalized + " does not exist");
    if (HasChildren(conn, user, *normalized)) {
      return Status::Error("mailbox " + *normalized + " has child mailboxes");
    }
    LockMailboxes(conn, {m->id});
    DeleteMailboxContents(conn, m->id);
    Execute(conn, "DELETE FROM mailboxes WHERE id = $1", m->id);  // leaves a tombstone (trigger)
    // Listeners catch up within seconds; a tombstone a million transactions old helps no one.
    Execute(conn,
            "DELETE FROM deleted_mailboxes WHERE change_xid::text::bigint < "
            "pg_current_xact_id()::text::bigint - 1000000");
    return Status::Ok();
  });
}

Status PgStore::RenameMailbox(UserId user, const std::string& from, const std::string& to) {
  Result<std::string> old_name = NormalizeMailboxName(from);
  if (!old_name.ok()) return old_name.status();
  Result<std::string> new_name = NormalizeMailboxName(to);
  if (!new_name.ok()) return new_name.status();
  if (IsInbox(*new_name)) return Status::Error("cannot rename a mailbox to INBOX");
  if (new_name->rfind(*old_name + "/", 0) == 0) {
    return Status::Error("cannot rename " + *old_name + " into itself");
  }
  return db_->Write([&](PgConn& conn) {
    LockUser(conn, user);
    std::optional<Mailbox> m = LoadMailbox(conn, user, *old_name);
    if (!m) return Status::Error("mailbox " + *old_name + " does not exist");
    if (LoadMailbox(conn, user, *new_name)) {
      return Status::Error("mailbox " + *new_name + " already exists");
    }
    CreateParents(conn, user, *new_name);
    if (IsInbox(*old_name)) {
      // RFC 3501 6.3.5: move INBOX's messages to a new mailbox; INBOX stays, empty.
      Mailbox target = InsertMailbox(conn, user, *new_name, "");
      LockMailboxes(conn, {m->id, target.id});
      m = LoadMailboxById(conn, m->id);  // as of the lock
      int64_t modseq = static_cast<int64_t>(m->highest_modseq) + 1;
      Execute(conn,
              "INSERT INTO expunged (mailbox_id, uid, modseq) "
              "SELECT mailbox_id, uid, $1 FROM messages WHERE mailbox_id = $2 "
              "ON CONFLICT (mailbox_id, uid) DO UPDATE SET modseq = EXCLUDED.modseq",
              modseq, m->id);
      Execute(conn, "UPDATE messages SET mailbox_id = $1 WHERE mailbox_id = $2", target.id, m->id);
      // The moved messages keep INBOX's \Recent state (RFC 3501 2.3.2), not all become recent.
      Execute(conn,
              "UPDATE mailboxes SET uid_next = $1, highest_modseq = $2, first_recent_uid = $3 "
              "WHERE id = $4",
              static_cast<int64_t>(m->uid_next), modseq, static_cast<int64_t>(m->first_recent_uid),
              target.id);
      Execute(conn, "UPDATE mailboxes SET highest_modseq = $1 WHERE id = $2", modseq, m->id);
      return Status::Ok();
    }
    if (QueryInt(conn,
                 "SELECT count(*) FROM mailboxes a JOIN mailboxes b ON b.user_id = a.user_id "
                 "AND b.name = $1::text || substr(a.name, length($2::text) + 1) "
                 "WHERE a.user_id = $3 AND left(a.name, length($2::text) + 1) = $2::text || '/'",
                 0, *new_name, *old_name, user) > 0) {
      return Status::Error("a child of " + *new_name + " already exists");
    }
    Execute(
        conn,
        "UPDATE mailboxes SET name = $1::text || substr(name, length($2::text) + 1) "
        "WHERE user_id = $3 AND (name = $2 OR left(name, length($2::text) + 1) = $2::text || '/')",
        *new_name, *old_name, user);
    // Subscriptions follow the renamed mailboxes; a subscription already held under a new name
    // wins (the renamed duplicate is dropped first).
    Execute(conn,
            "DELETE FROM subscriptions s WHERE s.user_id = $3 AND (s.name = $2 OR "
            "left(s.name, length($2::text) + 1) = $2::text || '/') AND EXISTS (SELECT 1 FROM "
            "subscriptions t "
            "WHERE t.user_id = $3 AND t.name = $1::text || substr(s.name, length($2::text) + 1))",
            *new_name, *old_name, user);
    Execute(
        conn,
        "UPDATE subscriptions SET name = $1::text || substr(name, length($2::text) + 1) "
        "WHERE user_id = $3 AND (name = $2 OR left(name, length($2::text) + 1) = $2::text || '/')",
        *new_name, *old_name, user);
    return Status::Ok();
  });
}

Result<std::vector<Mailbox>> PgStore::ListMailboxes(UserId user) {
  std::vector<Mailbox> out;
  Status s = db_->Read([&](PgConn& conn) {
    out.clear();
    PgResult r =
        Query(conn, SELECT_MAILBOX "WHERE m.user_id = $1 ORDER BY m.name <> 'INBOX', m.name", user);
    for (int i = 0; i < r.rows(); ++i) out.push_back(ReadMailboxRow(r, i));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::optional<Mailbox>> PgStore::GetMailbox(UserId user, const std::string& name) {
  Result<std::string> normalized = NormalizeMailboxName(name);
  if (!normalized.ok()) return std::optional<Mailbox>();
  std::optional<Mailbox> out;
  Status s = db_->Read([&](PgConn& conn) {
    out = LoadMailbox(conn, user, *normalized);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::optional<Mailbox>> PgStore::GetMailboxById(MailboxId id) {
  std::optional<Mailbox> out;
  Status s = db_->Read([&](PgConn& conn) {
    out = LoadMailboxById(conn, id);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Status PgStore::SetSubscribed(UserId user, const std::string& name, bool subscribed) {
  Result<std::string> normalized = NormalizeMailboxName(name);
  if (!normalized.ok()) return normalized.status();
  return db_->Write([&](PgConn& conn) {
    if (!subscribed) {
      // RFC 9051 6.3.8: unsubscribing a name that is not subscribed succeeds.
      Execute(conn, "DELETE FROM subscriptions WHERE user_id = $1 AND name = $2", user,
              *normalized);
      return Status::Ok();
    }
    if (!LoadMailbox(conn, user, *normalized))
      return Status::Error("mailbox " + *normalized + " does not exist");
    Execute(conn,
            "INSERT INTO subscriptions (user_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            user, *normalized);
    return Status::Ok();
  });
}

Result<std::vector<std::string>> PgStore::ListSubscriptions(UserId user) {
  std::vector<std::string> out;
  Status s = db_->Read([&](PgConn& conn) {
    out.clear();
    PgResult r =
        Query(conn, "SELECT name FROM subscriptions WHERE user_id = $1 ORDER BY name", user);
    for (int i = 0; i < r.rows(); ++i) out.push_back(r.Text(i, 0));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

}  // namespace mailsuite::store::postgres
