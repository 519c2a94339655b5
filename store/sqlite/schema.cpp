// The store's schema as an ordered list of migrations; user_version counts those applied.
// Never edit a released migration: append a new one.
#include "schema.h"

#include <iterator>

namespace mailsuite::store {
namespace {

// Migration 1: the initial schema.
constexpr const char kSchemaV1[] = R"sql(
CREATE TABLE meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  change_stamp INTEGER NOT NULL,
  last_uid_validity INTEGER NOT NULL
);
INSERT INTO meta (id, change_stamp, last_uid_validity) VALUES (1, 0, 0);

CREATE TABLE domains (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);

CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  address TEXT NOT NULL UNIQUE,
  domain_id INTEGER NOT NULL REFERENCES domains(id),
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX users_domain ON users(domain_id);

-- Primary-key columns first: SQLite 3.40's integrity_check misreports NOT NULL columns that
-- precede a key column in a WITHOUT ROWID table.
CREATE TABLE aliases (
  source TEXT NOT NULL,
  user_id INTEGER NOT NULL REFERENCES users(id),
  domain_id INTEGER NOT NULL REFERENCES domains(id),
  PRIMARY KEY (source, user_id)
) WITHOUT ROWID;
CREATE INDEX aliases_user ON aliases(user_id);
CREATE INDEX aliases_domain ON aliases(domain_id);

CREATE TABLE mailboxes (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  name TEXT NOT NULL,
  uid_validity INTEGER NOT NULL,
  uid_next INTEGER NOT NULL DEFAULT 1,
  highest_modseq INTEGER NOT NULL DEFAULT 1,
  subscribed INTEGER NOT NULL DEFAULT 0,
  special_use TEXT NOT NULL DEFAULT '',
  UNIQUE (user_id, name)
);

-- One row per distinct body; refcount = rows in messages + queue pointing here (triggers).
CREATE TABLE contents (
  id INTEGER PRIMARY KEY,
  hash BLOB NOT NULL UNIQUE,
  size INTEGER NOT NULL,
  refcount INTEGER NOT NULL DEFAULT 0,
  data BLOB NOT NULL,
  metadata BLOB NOT NULL DEFAULT ''
);

CREATE TABLE messages (
  mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id),
  uid INTEGER NOT NULL,
  content_id INTEGER NOT NULL REFERENCES contents(id),
  internal_date INTEGER NOT NULL,
  modseq INTEGER NOT NULL,
  flags INTEGER NOT NULL DEFAULT 0,
  keywords TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (mailbox_id, uid)
) WITHOUT ROWID;
CREATE INDEX messages_modseq ON messages(mailbox_id, modseq);
CREATE INDEX messages_content ON messages(content_id);

CREATE TABLE expunged (
  mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id),
  uid INTEGER NOT NULL,
  modseq INTEGER NOT NULL,
  PRIMARY KEY (mailbox_id, uid)
) WITHOUT ROWID;
CREATE INDEX expunged_modseq ON expunged(mailbox_id, modseq);

CREATE TABLE queue (
  id INTEGER PRIMARY KEY,
  sender TEXT NOT NULL,
  envid TEXT NOT NULL,
  ret TEXT NOT NULL,
  content_id INTEGER NOT NULL REFERENCES contents(id),
  created_at INTEGER NOT NULL
);
CREATE INDEX queue_content ON queue(content_id);

CREATE TABLE queue_recipients (
  id INTEGER PRIMARY KEY,
  queue_id INTEGER NOT NULL REFERENCES queue(id),
  address TEXT NOT NULL,
  notify TEXT NOT NULL,
  orcpt TEXT NOT NULL,
  state INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX queue_recipients_due ON queue_recipients(state, next_attempt);
CREATE INDEX queue_recipients_queue ON queue_recipients(queue_id);

CREATE TRIGGER messages_ref AFTER INSERT ON messages BEGIN
  UPDATE contents SET refcount = refcount + 1 WHERE id = NEW.content_id;
END;
CREATE TRIGGER messages_unref AFTER DELETE ON messages BEGIN
  UPDATE contents SET refcount = refcount - 1 WHERE id = OLD.content_id;
  DELETE FROM contents WHERE id = OLD.content_id AND refcount <= 0;
END;
CREATE TRIGGER queue_ref AFTER INSERT ON queue BEGIN
  UPDATE contents SET refcount = refcount + 1 WHERE id = NEW.content_id;
END;
CREATE TRIGGER queue_unref AFTER DELETE ON queue BEGIN
  UPDATE contents SET refcount = refcount - 1 WHERE id = OLD.content_id;
  DELETE FROM contents WHERE id = OLD.content_id AND refcount <= 0;
END;
)sql";

// Migration 2: per-recipient trace header lines (Return-Path, Delivered-To) kept with each
// mailbox row so the body itself stays shared.
constexpr const char kSchemaV2[] = R"sql(
ALTER TABLE messages ADD COLUMN header_prefix BLOB NOT NULL DEFAULT '';
)sql";

// Migration 3: subscriptions as their own list of names (RFC 3501 6.3.6: a subscription outlives
// its mailbox, so a DELETE leaves it and LIST-EXTENDED shows it \NonExistent). The old
// mailboxes.subscribed column is copied over and no longer used.
constexpr const char kSchemaV3[] = R"sql(
CREATE TABLE subscriptions (
  user_id INTEGER NOT NULL REFERENCES users(id),
  name TEXT NOT NULL,
  PRIMARY KEY (user_id, name)
) WITHOUT ROWID;
INSERT INTO subscriptions (user_id, name) SELECT user_id, name FROM mailboxes WHERE subscribed = 1;
)sql";

// Migration 4: cost follows the work (issue #12).
// - Per-mailbox counters (messages, unseen, octets) kept by triggers in the transaction that
//   changes a row, so a mailbox lookup never counts its messages.
// - messages.size: the whole message's octets on its own row, so listing a mailbox reads no
//   contents row.
// - mailboxes.change_stamp: meta.change_stamp of the commit that last raised the mailbox's
//   HIGHESTMODSEQ (the commit bumps meta.change_stamp to exactly that value), indexed, so a
//   notifier finds the mailboxes changed since its last look without reading the others.
//   Deleted mailboxes leave a tombstone with their stamp for the same purpose.
// - mailboxes.expunge_floor: expunges with MODSEQ at or below it have been pruned from the log;
//   expunged_count: the log's length, so pruning knows when to run without counting.
constexpr const char kSchemaV4[] = R"sql(
ALTER TABLE mailboxes ADD COLUMN message_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mailboxes ADD COLUMN unseen_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mailboxes ADD COLUMN total_size INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mailboxes ADD COLUMN change_stamp INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mailboxes ADD COLUMN expunge_floor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mailboxes ADD COLUMN expunged_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN size INTEGER NOT NULL DEFAULT 0;

UPDATE messages SET size = length(header_prefix) +
  (SELECT c.size FROM contents c WHERE c.id = messages.content_id);
UPDATE mailboxes SET
  message_count = (SELECT count(*) FROM messages WHERE mailbox_id = mailboxes.id),
  unseen_count = (SELECT count(*) FROM messages WHERE mailbox_id = mailboxes.id AND flags & 1 = 0),
  total_size = (SELECT coalesce(sum(size), 0) FROM messages WHERE mailbox_id = mailboxes.id),
  expunged_count = (SELECT count(*) FROM expunged WHERE mailbox_id = mailboxes.id);
CREATE INDEX mailboxes_change_stamp ON mailboxes(change_stamp);

CREATE TABLE deleted_mailboxes (
  id INTEGER PRIMARY KEY,
  change_stamp INTEGER NOT NULL
);
CREATE INDEX deleted_mailboxes_change_stamp ON deleted_mailboxes(change_stamp);

CREATE TRIGGER messages_count_insert AFTER INSERT ON messages BEGIN
  UPDATE mailboxes SET message_count = message_count + 1,
    unseen_count = unseen_count + (NEW.flags & 1 = 0), total_size = total_size + NEW.size
  WHERE id = NEW.mailbox_id;
END;
CREATE TRIGGER messages_count_delete AFTER DELETE ON messages BEGIN
  UPDATE mailboxes SET message_count = message_count - 1,
    unseen_count = unseen_count - (OLD.flags & 1 = 0), total_size = total_size - OLD.size
  WHERE id = OLD.mailbox_id;
END;
CREATE TRIGGER messages_count_seen AFTER UPDATE OF flags ON messages
WHEN (OLD.flags & 1) != (NEW.flags & 1) BEGIN
  UPDATE mailboxes SET unseen_count = unseen_count + (NEW.flags & 1 = 0) - (OLD.flags & 1 = 0)
  WHERE id = NEW.mailbox_id;
END;
CREATE TRIGGER messages_count_move AFTER UPDATE OF mailbox_id ON messages
WHEN OLD.mailbox_id != NEW.mailbox_id BEGIN
  UPDATE mailboxes SET message_count = message_count - 1,
    unseen_count = unseen_count - (OLD.flags & 1 = 0), total_size = total_size - OLD.size
  WHERE id = OLD.mailbox_id;
  UPDATE mailboxes SET message_count = message_count + 1,
    unseen_count = unseen_count + (NEW.flags & 1 = 0), total_size = total_size + NEW.size
  WHERE id = NEW.mailbox_id;
END;
CREATE TRIGGER expunged_count_insert AFTER INSERT ON expunged BEGIN
  UPDATE mailboxes SET expunged_count = expunged_count + 1 WHERE id = NEW.mailbox_id;
END;
CREATE TRIGGER expunged_count_delete AFTER DELETE ON expunged BEGIN
  UPDATE mailboxes SET expunged_count = expunged_count - 1 WHERE id = OLD.mailbox_id;
END;
CREATE TRIGGER mailboxes_changed AFTER UPDATE OF highest_modseq ON mailboxes
WHEN NEW.highest_modseq != OLD.highest_modseq BEGIN
  UPDATE mailboxes SET change_stamp = (SELECT change_stamp + 1 FROM meta) WHERE id = NEW.id;
END;
CREATE TRIGGER mailboxes_deleted AFTER DELETE ON mailboxes BEGIN
  INSERT OR REPLACE INTO deleted_mailboxes (id, change_stamp)
  VALUES (OLD.id, (SELECT change_stamp + 1 FROM meta));
END;
)sql";

// v5: mailboxes.first_recent_uid, the lowest UID no session has claimed as \Recent yet (RFC
// 3501 2.3.2). A new mailbox starts at 1; on upgrade nothing is recent (every message was
// there before, and the first login would otherwise claim a whole mailbox).
constexpr const char kSchemaV5[] = R"sql(
ALTER TABLE mailboxes ADD COLUMN first_recent_uid INTEGER NOT NULL DEFAULT 1;
UPDATE mailboxes SET first_recent_uid = uid_next;
)sql";

// v6: mailbox_snapshots, a large mailbox's message list as of one MODSEQ in one blob (see
// list_snapshot.h), valid only for the mailbox with that id and UIDVALIDITY (ids are reused).
// Rows that change mailbox without a MODSEQ (RENAME INBOX moves them) and a deleted mailbox
// drop it.
constexpr const char kSchemaV6[] = R"sql(
CREATE TABLE mailbox_snapshots (
  mailbox_id INTEGER PRIMARY KEY,
  uid_validity INTEGER NOT NULL,
  modseq INTEGER NOT NULL,
  data BLOB NOT NULL
);
CREATE TRIGGER snapshots_message_moved AFTER UPDATE OF mailbox_id ON messages
WHEN OLD.mailbox_id != NEW.mailbox_id BEGIN
  DELETE FROM mailbox_snapshots WHERE mailbox_id IN (OLD.mailbox_id, NEW.mailbox_id);
END;
CREATE TRIGGER snapshots_mailbox_deleted AFTER DELETE ON mailboxes BEGIN
  DELETE FROM mailbox_snapshots WHERE mailbox_id = OLD.id;
END;
)sql";

// v7: mailboxes.deleted_count, the messages flagged \Deleted (flags bit 8), kept by triggers
// like the other counters, for STATUS DELETED (RFC 9051 6.3.11).
constexpr const char kSchemaV7[] = R"sql(
ALTER TABLE mailboxes ADD COLUMN deleted_count INTEGER NOT NULL DEFAULT 0;
UPDATE mailboxes SET deleted_count =
  (SELECT count(*) FROM messages WHERE mailbox_id = mailboxes.id AND flags & 8 != 0);
CREATE TRIGGER messages_deleted_insert AFTER INSERT ON messages WHEN NEW.flags & 8 != 0 BEGIN
  UPDATE mailboxes SET deleted_count = deleted_count + 1 WHERE id = NEW.mailbox_id;
END;
CREATE TRIGGER messages_deleted_delete AFTER DELETE ON messages WHEN OLD.flags & 8 != 0 BEGIN
  UPDATE mailboxes SET deleted_count = deleted_count - 1 WHERE id = OLD.mailbox_id;
END;
CREATE TRIGGER messages_deleted_flag AFTER UPDATE OF flags ON messages
WHEN (OLD.flags & 8) != (NEW.flags & 8) BEGIN
  UPDATE mailboxes SET deleted_count = deleted_count + (NEW.flags & 8 != 0) - (OLD.flags & 8 != 0)
  WHERE id = NEW.mailbox_id;
END;
CREATE TRIGGER messages_deleted_move AFTER UPDATE OF mailbox_id ON messages
WHEN OLD.mailbox_id != NEW.mailbox_id AND OLD.flags & 8 != 0 BEGIN
  UPDATE mailboxes SET deleted_count = deleted_count - 1 WHERE id = OLD.mailbox_id;
  UPDATE mailboxes SET deleted_count = deleted_count + 1 WHERE id = NEW.mailbox_id;
END;
)sql";

// v8: queue claims (Store::ClaimDueRecipients, ClaimToFinish): which queue runner is
// delivering a recipient, or finishing a message, and until when its claim holds.
constexpr const char kSchemaV8[] = R"sql(
ALTER TABLE queue_recipients ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE queue_recipients ADD COLUMN claimed_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE queue ADD COLUMN finish_by TEXT NOT NULL DEFAULT '';
ALTER TABLE queue ADD COLUMN finish_until INTEGER NOT NULL DEFAULT 0;
)sql";

// v9: quota (issue #18).
// - users.quota_storage / quota_messages: the user's own limits; -1: the configured default,
//   0: none.
// - users.used_storage / used_messages: the sums of their mailboxes' total_size and
//   message_count, kept by triggers on those counters (which the message triggers keep), so a
//   quota check reads one row. A deleted mailbox takes what it still held with it.
// - mailboxes.deleted_size: octets of the messages flagged \Deleted, for STATUS
//   DELETED-STORAGE (RFC 9208 4.2); the v7 triggers are replaced by ones that keep it too.
constexpr const char kSchemaV9[] = R"sql(
ALTER TABLE users ADD COLUMN quota_storage INTEGER NOT NULL DEFAULT -1;
ALTER TABLE users ADD COLUMN quota_messages INTEGER NOT NULL DEFAULT -1;
ALTER TABLE users ADD COLUMN used_storage INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN used_messages INTEGER NOT NULL DEFAULT 0;
UPDATE users SET
  used_storage = (SELECT coalesce(sum(total_size), 0) FROM mailboxes WHERE user_id = users.id),
  used_messages = (SELECT coalesce(sum(message_count), 0) FROM mailboxes WHERE user_id = users.id);
CREATE TRIGGER mailboxes_usage AFTER UPDATE OF message_count, total_size ON mailboxes
WHEN NEW.message_count != OLD.message_count OR NEW.total_size != OLD.total_size BEGIN
  UPDATE users SET used_messages = used_messages + NEW.message_count - OLD.message_count,
    used_storage = used_storage + NEW.total_size - OLD.total_size
  WHERE id = NEW.user_id;
END;
CREATE TRIGGER mailboxes_usage_deleted AFTER DELETE ON mailboxes BEGIN
  UPDATE users SET used_messages = used_messages - OLD.message_count,
    used_storage = used_storage - OLD.total_size
  WHERE id = OLD.user_id;
END;

ALTER TABLE mailboxes ADD COLUMN deleted_size INTEGER NOT NULL DEFAULT 0;
UPDATE mailboxes SET deleted_size = (SELECT coalesce(sum(size), 0) FROM messages
  WHERE mailbox_id = mailboxes.id AND flags & 8 != 0);
DROP TRIGGER messages_deleted_insert;
DROP TRIGGER messages_deleted_delete;
DROP TRIGGER messages_deleted_flag;
DROP TRIGGER messages_deleted_move;
CREATE TRIGGER messages_deleted_insert AFTER INSERT ON messages WHEN NEW.flags & 8 != 0 BEGIN
  UPDATE mailboxes SET deleted_count = deleted_count + 1, deleted_size = deleted_size + NEW.size
  WHERE id = NEW.mailbox_id;
END;
CREATE TRIGGER messages_deleted_delete AFTER DELETE ON messages WHEN OLD.flags & 8 != 0 BEGIN
  UPDATE mailboxes SET deleted_count = deleted_count - 1, deleted_size = deleted_size - OLD.size
  WHERE id = OLD.mailbox_id;
END;
CREATE TRIGGER messages_deleted_flag AFTER UPDATE OF flags ON messages
WHEN (OLD.flags & 8) != (NEW.flags & 8) BEGIN
  UPDATE mailboxes SET
    deleted_count = deleted_count + (NEW.flags & 8 != 0) - (OLD.flags & 8 != 0),
    deleted_size = deleted_size + (CASE WHEN NEW.flags & 8 != 0 THEN NEW.size ELSE -OLD.size END)
  WHERE id = NEW.mailbox_id;
END;
CREATE TRIGGER messages_deleted_move AFTER UPDATE OF mailbox_id ON messages
WHEN OLD.mailbox_id != NEW.mailbox_id AND OLD.flags & 8 != 0 BEGIN
  UPDATE mailboxes SET deleted_count = deleted_count - 1, deleted_size = deleted_size - OLD.size
  WHERE id = OLD.mailbox_id;
  UPDATE mailboxes SET deleted_count = deleted_count + 1, deleted_size = deleted_size + NEW.size
  WHERE id = NEW.mailbox_id;
END;
)sql";

// v10: users' Sieve scripts (issue #18); the partial unique index keeps one active per user.
constexpr const char kSchemaV10[] = R"sql(
CREATE TABLE sieve_scripts (
  user_id INTEGER NOT NULL REFERENCES users(id),
  name TEXT NOT NULL,
  content TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, name)
) WITHOUT ROWID;
CREATE UNIQUE INDEX sieve_scripts_active ON sieve_scripts(user_id) WHERE active = 1;
)sql";

// v11: whom each user's Sieve "vacation" answered, until when (RFC 5230 4.2).
constexpr const char kSchemaV11[] = R"sql(
CREATE TABLE vacation_replies (
  user_id INTEGER NOT NULL REFERENCES users(id),
  handle TEXT NOT NULL,
  sender TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, handle, sender)
) WITHOUT ROWID;
)sql";

// v12: queue numbers are never given twice. They name messages in the logs (event=deferred
// queue=17) and in `mailsuite queue`, and a rowid is reused once the highest row is gone.
constexpr const char kSchemaV12[] = R"sql(
ALTER TABLE meta ADD COLUMN last_queue_id INTEGER NOT NULL DEFAULT 0;
UPDATE meta SET last_queue_id = (SELECT coalesce(max(id), 0) FROM queue);
)sql";

// Append new migrations here; each runs once, in order, inside the open transaction.
constexpr const char* kMigrations[] = {
    kSchemaV1, kSchemaV2, kSchemaV3, kSchemaV4,  kSchemaV5,  kSchemaV6,
    kSchemaV7, kSchemaV8, kSchemaV9, kSchemaV10, kSchemaV11, kSchemaV12,
};

}  // namespace

int SchemaVersion() { return static_cast<int>(std::size(kMigrations)); }

Status Migrate(Connection& conn, const std::string& path) {
  return MigrateTo(conn, path, SchemaVersion());
}

Status MigrateTo(Connection& conn, const std::string& path, int target) {
  int version = static_cast<int>(QueryInt(conn, "PRAGMA user_version", 0));
  if (version > SchemaVersion()) {
    return Status::Error("database " + path + ": database schema version " +
                         std::to_string(version) + " is newer than this mailsuite understands (" +
                         std::to_string(SchemaVersion()) + ")");
  }
  if (version < 0) {
    return Status::Error("database " + path + ": invalid schema version " +
                         std::to_string(version));
  }
  for (int v = version; v < target && v < SchemaVersion(); ++v) {
    conn.Exec(kMigrations[v]);
    // user_version cannot take a bound parameter; the value is our own integer.
    conn.Exec(("PRAGMA user_version = " + std::to_string(v + 1)).c_str());
  }
  return Status::Ok();
}

}  // namespace mailsuite::store
