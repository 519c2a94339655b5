// Entry points of the PostgreSQL backend for store/open_store.cpp and the test helpers.
#pragma once

#include <memory>

#include "pg_db.h"
#include "store/store.h"

namespace mailsuite::store::postgres {

Result<std::unique_ptr<Store>> OpenPgStore(const PgOptions& options, bool create_if_missing);
// testing::CheckConsistency for a PostgreSQL store.
Status CheckPgConsistency(const PgOptions& options);

}  // namespace mailsuite::store::postgres
