// Test-only helpers for the stores. Not for daemons or the CLI.
#pragma once

#include <string>

#include "shared/result.h"

namespace mailsuite::store::testing {

// The schema version this build writes.
int CurrentSchemaVersion();
// Reads / overwrites PRAGMA user_version of the database file at `path` directly.
Result<int> ReadSchemaVersion(const std::string& path);
Status WriteSchemaVersion(const std::string& path, int version);
// Creates a new database file holding only the first `version` migrations, as an older
// mailsuite would have left it.
Status CreateDatabaseAtVersion(const std::string& path, int version);

// Checks the store at `location` (a SQLite file or a PostgreSQL URL, as OpenStore takes).
// SQLite: PRAGMA integrity_check and foreign_key_check, every content's refcount equal
// to the rows pointing at it, no content without a reference, and every mailbox's uid_next
// above its largest UID, and every mailbox's counters equal to its rows. Ok, or the first
// problem found.
// PostgreSQL: the same reference, UID and counter checks.
Status CheckConsistency(const std::string& location);
// The SQLite part of it.
Status CheckSqliteConsistency(const std::string& path);
// The MODSEQ of the stored list snapshot of `mailbox` (see the SQLite backend's
// list_snapshot.h), -1 when it has none.
Result<int64_t> ListSnapshotModseq(const std::string& path, int64_t mailbox);

}  // namespace mailsuite::store::testing
