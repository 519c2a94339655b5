// The PostgreSQL store's schema as an ordered list of migrations; mailsuite_schema.version
// counts those applied. Never edit a released migration: append a new one.
#pragma once

#include "pg_db.h"

namespace mailsuite::store::postgres {

int SchemaVersion();
// Creates (when `create`) or upgrades the schema in one transaction, under an advisory lock so
// that nodes starting together migrate once. A database without the schema and !create, or
// one written by a newer mailsuite, is refused.
Status Migrate(PgConn& conn, bool create);

}  // namespace mailsuite::store::postgres
