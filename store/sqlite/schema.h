// Schema versioning: PRAGMA user_version and an ordered list of migrations.
#pragma once

#include <string>

#include "shared/result.h"
#include "sqlite_db.h"

namespace mailsuite::store {

// The version this build writes: the number of migrations.
int SchemaVersion();

// Inside a write transaction: brings the database up to SchemaVersion(), or refuses a
// database written by a newer mailsuite. `path` is for messages only.
Status Migrate(Connection& conn, const std::string& path);
// The same, stopping at version `target` (tests build old databases with it).
Status MigrateTo(Connection& conn, const std::string& path, int target);

}  // namespace mailsuite::store
