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

// Append new migrations here; each runs once, in order, inside the open transaction.
constexpr const char* kMigrations[] = {
    kSchemaV1,
    kSchemaV2,
    kSchemaV3,
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
