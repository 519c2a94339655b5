// PgMaildropLocks: POP3 maildrop locks (RFC 1939 4) of one process on a PostgreSQL store:
// session advisory locks on one connection of its own, which the server drops when that
// connection ends (the process died or lost the network), and an in-memory set that keeps two
// sessions of this process apart (a connection's advisory locks nest, so the server alone
// would let the second one in).
#pragma once

#include <memory>
#include <mutex>
#include <set>

#include "pg_db.h"
#include "store/store.h"

namespace mailsuite::store::postgres {

class PgMaildropLocks {
 public:
  explicit PgMaildropLocks(PgDatabase& db) : db_(db) {}
  PgMaildropLocks(const PgMaildropLocks&) = delete;
  PgMaildropLocks& operator=(const PgMaildropLocks&) = delete;

  // The held lock, or nullptr when another session of any node holds it. Must outlive the lock.
  Result<std::unique_ptr<MaildropLock>> TryLock(UserId user);

 private:
  class Held;
  void Unlock(UserId user);
  // A lost connection lost its locks: the ones still held here are taken again on the new one
  // (best effort; a session elsewhere may have taken one meanwhile).
  void Reconnect();

  PgDatabase& db_;
  std::mutex mu_;
  std::unique_ptr<PgConn> conn_;
  std::set<UserId> locked_;
};

}  // namespace mailsuite::store::postgres
