// Migrations of the PostgreSQL store; see pg_schema.h. The tables mirror the SQLite store's
// (store/sqlite/schema.cpp), in PostgreSQL's terms: text sorts bytewise (COLLATE "C", as SQLite
// compares), counters and content reference counts are kept by PL/pgSQL triggers, and change
// notification uses transaction ids and NOTIFY instead of SQLite's change stamp.
#include "pg_schema.h"

#include <iterator>

namespace mailsuite::store::postgres {
namespace {

// Migration 1: the schema of SQLite schema version 8, without its list snapshots (a cache
// that SQLite needs and a server database does not).
//
// Change notification: a commit that raises a mailbox's highest_modseq records its own
// transaction id in mailboxes.change_xid (deleted mailboxes leave one in deleted_mailboxes)
// and NOTIFYs channel mailsuite_changes with "<mailbox id> <highest_modseq>" (0: deleted).
// A change stamp is the xmin of a snapshot: every commit not visible in that snapshot has a
// transaction id at or above it, so "change_xid >= stamp" misses nothing (store.h allows a
// change to be reported twice).
constexpr const char kSchemaV1[] = R"sql(
CREATE TABLE meta (
  id integer PRIMARY KEY CHECK (id = 1),
  last_uid_validity bigint NOT NULL
);
INSERT INTO meta (id, last_uid_validity) VALUES (1, 0);

CREATE TABLE domains (
  id bigserial PRIMARY KEY,
  name text COLLATE "C" NOT NULL UNIQUE
);

CREATE TABLE users (
  id bigserial PRIMARY KEY,
  address text COLLATE "C" NOT NULL UNIQUE,
  domain_id bigint NOT NULL REFERENCES domains(id),
  password_hash text NOT NULL,
  created_at bigint NOT NULL
);
CREATE INDEX users_domain ON users(domain_id);

CREATE TABLE aliases (
  source text COLLATE "C" NOT NULL,
  user_id bigint NOT NULL REFERENCES users(id),
  domain_id bigint NOT NULL REFERENCES domains(id),
  PRIMARY KEY (source, user_id)
);
CREATE INDEX aliases_user ON aliases(user_id);
CREATE INDEX aliases_domain ON aliases(domain_id);

CREATE TABLE mailboxes (
  id bigserial PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users(id),
  name text COLLATE "C" NOT NULL,
  uid_validity bigint NOT NULL,
  uid_next bigint NOT NULL DEFAULT 1,
  highest_modseq bigint NOT NULL DEFAULT 1,
  special_use text NOT NULL DEFAULT '',
  message_count bigint NOT NULL DEFAULT 0,
  unseen_count bigint NOT NULL DEFAULT 0,
  deleted_count bigint NOT NULL DEFAULT 0,
  total_size bigint NOT NULL DEFAULT 0,
  expunge_floor bigint NOT NULL DEFAULT 0,
  expunged_count bigint NOT NULL DEFAULT 0,
  first_recent_uid bigint NOT NULL DEFAULT 1,
  change_xid xid8 NOT NULL DEFAULT '0',
  UNIQUE (user_id, name)
);
CREATE INDEX mailboxes_change_xid ON mailboxes(change_xid);

CREATE TABLE deleted_mailboxes (
  id bigint PRIMARY KEY,
  change_xid xid8 NOT NULL
);
CREATE INDEX deleted_mailboxes_change_xid ON deleted_mailboxes(change_xid);

CREATE TABLE subscriptions (
  user_id bigint NOT NULL REFERENCES users(id),
  name text COLLATE "C" NOT NULL,
  PRIMARY KEY (user_id, name)
);

-- One row per distinct body; refcount = rows in messages + queue pointing here (triggers).
-- Bodies are stored uncompressed out of line, so that reading a range of one reads only its
-- chunks (substring on EXTERNAL storage) instead of the whole body.
CREATE TABLE contents (
  id bigserial PRIMARY KEY,
  hash bytea NOT NULL UNIQUE,
  size bigint NOT NULL,
  refcount bigint NOT NULL DEFAULT 0,
  data bytea NOT NULL,
  metadata bytea NOT NULL DEFAULT ''
);
ALTER TABLE contents ALTER COLUMN data SET STORAGE EXTERNAL;

CREATE TABLE messages (
  mailbox_id bigint NOT NULL REFERENCES mailboxes(id),
  uid bigint NOT NULL,
  content_id bigint NOT NULL REFERENCES contents(id),
  internal_date bigint NOT NULL,
  modseq bigint NOT NULL,
  flags integer NOT NULL DEFAULT 0,
  keywords text NOT NULL DEFAULT '',
  header_prefix bytea NOT NULL DEFAULT '',
  size bigint NOT NULL,
  PRIMARY KEY (mailbox_id, uid)
);
CREATE INDEX messages_modseq ON messages(mailbox_id, modseq);
CREATE INDEX messages_content ON messages(content_id);

CREATE TABLE expunged (
  mailbox_id bigint NOT NULL REFERENCES mailboxes(id),
  uid bigint NOT NULL,
  modseq bigint NOT NULL,
  PRIMARY KEY (mailbox_id, uid)
);
CREATE INDEX expunged_modseq ON expunged(mailbox_id, modseq);

CREATE TABLE queue (
  id bigserial PRIMARY KEY,
  sender text NOT NULL,
  envid text NOT NULL,
  ret text NOT NULL,
  content_id bigint NOT NULL REFERENCES contents(id),
  created_at bigint NOT NULL,
  finish_by text NOT NULL DEFAULT '',
  finish_until bigint NOT NULL DEFAULT 0
);
CREATE INDEX queue_content ON queue(content_id);

CREATE TABLE queue_recipients (
  id bigserial PRIMARY KEY,
  queue_id bigint NOT NULL REFERENCES queue(id),
  address text NOT NULL,
  notify text NOT NULL,
  orcpt text NOT NULL,
  state integer NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt bigint NOT NULL,
  last_error text NOT NULL DEFAULT '',
  claimed_by text NOT NULL DEFAULT '',
  claimed_until bigint NOT NULL DEFAULT 0
);
CREATE INDEX queue_recipients_due ON queue_recipients(state, next_attempt);
CREATE INDEX queue_recipients_queue ON queue_recipients(queue_id);

CREATE FUNCTION mailsuite_content_ref() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE contents SET refcount = refcount + 1 WHERE id = NEW.content_id;
  ELSE
    UPDATE contents SET refcount = refcount - 1 WHERE id = OLD.content_id;
    DELETE FROM contents WHERE id = OLD.content_id AND refcount <= 0;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER messages_ref AFTER INSERT OR DELETE ON messages
  FOR EACH ROW EXECUTE FUNCTION mailsuite_content_ref();
CREATE TRIGGER queue_ref AFTER INSERT OR DELETE ON queue
  FOR EACH ROW EXECUTE FUNCTION mailsuite_content_ref();

-- Per-mailbox counters: flags bit 1 is \Seen, bit 8 \Deleted.
CREATE FUNCTION mailsuite_message_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    UPDATE mailboxes SET message_count = message_count - 1,
      unseen_count = unseen_count - ((OLD.flags & 1) = 0)::int,
      deleted_count = deleted_count - ((OLD.flags & 8) <> 0)::int,
      total_size = total_size - OLD.size
    WHERE id = OLD.mailbox_id;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    UPDATE mailboxes SET message_count = message_count + 1,
      unseen_count = unseen_count + ((NEW.flags & 1) = 0)::int,
      deleted_count = deleted_count + ((NEW.flags & 8) <> 0)::int,
      total_size = total_size + NEW.size
    WHERE id = NEW.mailbox_id;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER messages_count AFTER INSERT OR DELETE ON messages
  FOR EACH ROW EXECUTE FUNCTION mailsuite_message_count();
CREATE TRIGGER messages_count_update AFTER UPDATE OF flags, mailbox_id ON messages
  FOR EACH ROW WHEN (OLD.mailbox_id <> NEW.mailbox_id OR (OLD.flags & 9) <> (NEW.flags & 9))
  EXECUTE FUNCTION mailsuite_message_count();

CREATE FUNCTION mailsuite_expunged_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE mailboxes SET expunged_count = expunged_count + 1 WHERE id = NEW.mailbox_id;
  ELSE
    UPDATE mailboxes SET expunged_count = expunged_count - 1 WHERE id = OLD.mailbox_id;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER expunged_count AFTER INSERT OR DELETE ON expunged
  FOR EACH ROW EXECUTE FUNCTION mailsuite_expunged_count();

CREATE FUNCTION mailsuite_mailbox_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.change_xid := pg_current_xact_id();
  RETURN NEW;
END $$;
CREATE TRIGGER mailboxes_stamp BEFORE UPDATE OF highest_modseq ON mailboxes
  FOR EACH ROW WHEN (NEW.highest_modseq <> OLD.highest_modseq)
  EXECUTE FUNCTION mailsuite_mailbox_stamp();

CREATE FUNCTION mailsuite_mailbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO deleted_mailboxes (id, change_xid) VALUES (OLD.id, pg_current_xact_id())
      ON CONFLICT (id) DO UPDATE SET change_xid = EXCLUDED.change_xid;
    PERFORM pg_notify('mailsuite_changes', OLD.id || ' 0');
  ELSE
    PERFORM pg_notify('mailsuite_changes', NEW.id || ' ' || NEW.highest_modseq);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER mailboxes_notify AFTER UPDATE OF highest_modseq ON mailboxes
  FOR EACH ROW WHEN (NEW.highest_modseq <> OLD.highest_modseq)
  EXECUTE FUNCTION mailsuite_mailbox_notify();
CREATE TRIGGER mailboxes_deleted AFTER DELETE ON mailboxes
  FOR EACH ROW EXECUTE FUNCTION mailsuite_mailbox_notify();
)sql";

// Migration 2: quota, as SQLite schema version 9: the users' own limits (-1: the configured
// default, 0: none), their usage kept from their mailboxes' counters by a trigger, and
// mailboxes.deleted_size (octets flagged \Deleted, STATUS DELETED-STORAGE).
constexpr const char kSchemaV2[] = R"sql(
-- Nodes still running the previous version must not deliver between the count below and the
-- triggers that keep it (their writes wait for this transaction).
LOCK TABLE mailboxes, messages IN SHARE ROW EXCLUSIVE MODE;
ALTER TABLE users ADD COLUMN quota_storage bigint NOT NULL DEFAULT -1;
ALTER TABLE users ADD COLUMN quota_messages bigint NOT NULL DEFAULT -1;
ALTER TABLE users ADD COLUMN used_storage bigint NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN used_messages bigint NOT NULL DEFAULT 0;
UPDATE users SET
  used_storage = (SELECT coalesce(sum(total_size), 0) FROM mailboxes WHERE user_id = users.id),
  used_messages = (SELECT coalesce(sum(message_count), 0) FROM mailboxes WHERE user_id = users.id);

CREATE FUNCTION mailsuite_user_usage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    UPDATE users SET used_messages = used_messages - OLD.message_count,
      used_storage = used_storage - OLD.total_size
    WHERE id = OLD.user_id;
  ELSE
    UPDATE users SET used_messages = used_messages + NEW.message_count - OLD.message_count,
      used_storage = used_storage + NEW.total_size - OLD.total_size
    WHERE id = NEW.user_id;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER mailboxes_usage AFTER UPDATE OF message_count, total_size ON mailboxes
  FOR EACH ROW WHEN (NEW.message_count <> OLD.message_count OR NEW.total_size <> OLD.total_size)
  EXECUTE FUNCTION mailsuite_user_usage();
CREATE TRIGGER mailboxes_usage_deleted AFTER DELETE ON mailboxes
  FOR EACH ROW EXECUTE FUNCTION mailsuite_user_usage();

ALTER TABLE mailboxes ADD COLUMN deleted_size bigint NOT NULL DEFAULT 0;
UPDATE mailboxes SET deleted_size = (SELECT coalesce(sum(size), 0) FROM messages
  WHERE mailbox_id = mailboxes.id AND (flags & 8) <> 0);
-- A flag change within a mailbox is one update that leaves message_count and total_size (and
-- so the user's usage) alone.
CREATE OR REPLACE FUNCTION mailsuite_message_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.mailbox_id = NEW.mailbox_id THEN
    UPDATE mailboxes SET
      unseen_count = unseen_count + ((NEW.flags & 1) = 0)::int - ((OLD.flags & 1) = 0)::int,
      deleted_count = deleted_count + ((NEW.flags & 8) <> 0)::int - ((OLD.flags & 8) <> 0)::int,
      deleted_size = deleted_size + CASE WHEN (NEW.flags & 8) <> 0 THEN NEW.size ELSE 0 END
        - CASE WHEN (OLD.flags & 8) <> 0 THEN OLD.size ELSE 0 END
    WHERE id = NEW.mailbox_id;
    RETURN NULL;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    UPDATE mailboxes SET message_count = message_count - 1,
      unseen_count = unseen_count - ((OLD.flags & 1) = 0)::int,
      deleted_count = deleted_count - ((OLD.flags & 8) <> 0)::int,
      deleted_size = deleted_size - CASE WHEN (OLD.flags & 8) <> 0 THEN OLD.size ELSE 0 END,
      total_size = total_size - OLD.size
    WHERE id = OLD.mailbox_id;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    UPDATE mailboxes SET message_count = message_count + 1,
      unseen_count = unseen_count + ((NEW.flags & 1) = 0)::int,
      deleted_count = deleted_count + ((NEW.flags & 8) <> 0)::int,
      deleted_size = deleted_size + CASE WHEN (NEW.flags & 8) <> 0 THEN NEW.size ELSE 0 END,
      total_size = total_size + NEW.size
    WHERE id = NEW.mailbox_id;
  END IF;
  RETURN NULL;
END $$;
)sql";

// Migration 3: users' Sieve scripts, as SQLite schema version 10.
constexpr const char kSchemaV3[] = R"sql(
CREATE TABLE sieve_scripts (
  user_id bigint NOT NULL REFERENCES users(id),
  name text COLLATE "C" NOT NULL,
  content text NOT NULL,
  active boolean NOT NULL DEFAULT false,
  PRIMARY KEY (user_id, name)
);
CREATE UNIQUE INDEX sieve_scripts_active ON sieve_scripts(user_id) WHERE active;
)sql";

// Migration 4: whom each user's Sieve "vacation" answered, as SQLite schema version 11.
constexpr const char kSchemaV4[] = R"sql(
CREATE TABLE vacation_replies (
  user_id bigint NOT NULL REFERENCES users(id),
  handle text COLLATE "C" NOT NULL,
  sender text COLLATE "C" NOT NULL,
  expires_at bigint NOT NULL,
  PRIMARY KEY (user_id, handle, sender)
);
)sql";

// Append new migrations here; each runs once, in order, inside the migration's transaction.
constexpr const char* kMigrations[] = {kSchemaV1, kSchemaV2, kSchemaV3, kSchemaV4};

// pg_advisory_xact_lock key of the migration ("mailsuite schema").
constexpr const char kMigrationLock[] = "SELECT pg_advisory_xact_lock(7236823955263520001)";

}  // namespace

int SchemaVersion() { return static_cast<int>(std::size(kMigrations)); }

Status Migrate(PgConn& conn, bool create) {
  conn.Exec("BEGIN");
  try {
    conn.Exec(kMigrationLock);
    bool exists =
        QueryInt(conn, "SELECT (to_regclass('mailsuite_schema') IS NOT NULL)::int", 0) != 0;
    if (!exists) {
      if (!create) {
        conn.Exec("ROLLBACK");
        return Status::Error("the PostgreSQL database has no mailsuite tables; run mailsuite init");
      }
      conn.Exec(
          "CREATE TABLE mailsuite_schema (version integer NOT NULL);"
          "INSERT INTO mailsuite_schema (version) VALUES (0)");
    }
    int version = static_cast<int>(QueryInt(conn, "SELECT version FROM mailsuite_schema", 0));
    if (version > SchemaVersion()) {
      conn.Exec("ROLLBACK");
      return Status::Error("the PostgreSQL database's schema version " + std::to_string(version) +
                           " is newer than this mailsuite understands (" +
                           std::to_string(SchemaVersion()) + ")");
    }
    for (int v = version; v < SchemaVersion(); ++v) {
      conn.Exec(kMigrations[v]);
      Execute(conn, "UPDATE mailsuite_schema SET version = $1", v + 1);
    }
    conn.Exec("COMMIT");
    return Status::Ok();
  } catch (const PgError& e) {
    if (conn.healthy()) PQclear(PQexec(conn.handle(), "ROLLBACK"));
    return e.ToStatus();
  }
}

}  // namespace mailsuite::store::postgres
