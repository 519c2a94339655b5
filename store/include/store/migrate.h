// Moving a site from the SQLite store to the PostgreSQL store (mailsuite migrate): everything
// is copied with its identity (user ids and password hashes, mailboxes with UIDVALIDITY,
// UIDNEXT and HIGHESTMODSEQ, messages with their UIDs, flags, keywords and MODSEQs, the expunge
// log, \Recent state, subscriptions, the queue), so that an IMAP client synchronised before the
// move resynchronises with CONDSTORE/QRESYNC instead of downloading everything again.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "shared/result.h"

namespace mailsuite::store {

struct MigrationCounts {
  int64_t domains = 0, users = 0, aliases = 0, mailboxes = 0, subscriptions = 0, sieve_scripts = 0;
  int64_t contents = 0, messages = 0, expunged = 0, queue_messages = 0, queue_recipients = 0;
  bool operator==(const MigrationCounts&) const = default;
};

struct MigrationTarget {
  std::string url;       // libpq URI of the PostgreSQL database (it must exist)
  std::string password;  // empty: libpq's own
};

// Copies the SQLite store at `sqlite_path` (one read snapshot of it; stop the daemons first,
// or later writes stay behind) into the PostgreSQL database, whose mailsuite tables are created
// if missing and must be empty, in one transaction: a failure leaves the target as it was.
// Then verifies the copy (row counts, every mailbox's state and counters, every message's
// UID/MODSEQ/flags/size and body hash, the expunge log, the target's own consistency check)
// and returns the counts copied. `progress` (may be empty) hears one line per table.
Result<MigrationCounts> MigrateSqliteToPostgres(
    const std::string& sqlite_path, int busy_timeout_ms, const MigrationTarget& target,
    const std::function<void(const std::string&)>& progress);

}  // namespace mailsuite::store
