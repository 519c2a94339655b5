// Users' Sieve scripts in the PostgreSQL store (store.h, "Sieve scripts").
#include "pg_store.h"

namespace mailsuite::store::postgres {
namespace {

bool ScriptExists(PgConn& conn, UserId user, const std::string& name) {
  return QueryInt(conn, "SELECT count(*) FROM sieve_scripts WHERE user_id = $1 AND name = $2", 0,
                  user, name) > 0;
}

Status NoSuchScript(const std::string& name) {
  return Status::Error("no Sieve script named '" + name + "'");
}

}  // namespace

Status PgStore::PutSieveScript(UserId user, const std::string& name, const std::string& content) {
  return db_->Write([&](PgConn& conn) {
    if (QueryInt(conn, "SELECT count(*) FROM users WHERE id = $1", 0, user) == 0)
      return Status::Error("no such user");
    Execute(conn,
            "INSERT INTO sieve_scripts (user_id, name, content) VALUES ($1, $2, $3) "
            "ON CONFLICT (user_id, name) DO UPDATE SET content = excluded.content",
            user, name, content);
    return Status::Ok();
  });
}

Result<std::vector<SieveScript>> PgStore::ListSieveScripts(UserId user) {
  std::vector<SieveScript> out;
  Status s = db_->Read([&](PgConn& conn) {
    out.clear();
    PgResult r = Query(
        conn, "SELECT name, active FROM sieve_scripts WHERE user_id = $1 ORDER BY name", user);
    for (int i = 0; i < r.rows(); ++i) out.push_back({r.Text(i, 0), "", r.Bool(i, 1)});
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::optional<SieveScript>> PgStore::GetSieveScript(UserId user, const std::string& name) {
  std::optional<SieveScript> out;
  Status s = db_->Read([&](PgConn& conn) {
    out.reset();
    PgResult r =
        Query(conn, "SELECT content, active FROM sieve_scripts WHERE user_id = $1 AND name = $2",
              user, name);
    if (r.rows() > 0) out = SieveScript{name, r.Text(0, 0), r.Bool(0, 1)};
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Status PgStore::ActivateSieveScript(UserId user, const std::string& name) {
  return db_->Write([&](PgConn& conn) {
    if (!name.empty() && !ScriptExists(conn, user, name)) return NoSuchScript(name);
    Execute(conn, "UPDATE sieve_scripts SET active = false WHERE user_id = $1 AND active", user);
    if (!name.empty())
      Execute(conn, "UPDATE sieve_scripts SET active = true WHERE user_id = $1 AND name = $2", user,
              name);
    return Status::Ok();
  });
}

Status PgStore::DeleteSieveScript(UserId user, const std::string& name) {
  return db_->Write([&](PgConn& conn) {
    int64_t active =
        QueryInt(conn, "SELECT active::int FROM sieve_scripts WHERE user_id = $1 AND name = $2", -1,
                 user, name);
    if (active < 0) return NoSuchScript(name);
    if (active != 0) return Status::Error("the Sieve script '" + name + "' is active");
    Execute(conn, "DELETE FROM sieve_scripts WHERE user_id = $1 AND name = $2", user, name);
    return Status::Ok();
  });
}

Status PgStore::RenameSieveScript(UserId user, const std::string& from, const std::string& to) {
  return db_->Write([&](PgConn& conn) {
    if (!ScriptExists(conn, user, from)) return NoSuchScript(from);
    if (from == to) return Status::Ok();
    if (ScriptExists(conn, user, to))
      return Status::Error("a Sieve script named '" + to + "' exists");
    Execute(conn, "UPDATE sieve_scripts SET name = $1 WHERE user_id = $2 AND name = $3", to, user,
            from);
    return Status::Ok();
  });
}

Result<std::optional<SieveScript>> PgStore::ActiveSieveScript(UserId user) {
  std::optional<SieveScript> out;
  Status s = db_->Read([&](PgConn& conn) {
    out.reset();
    PgResult r =
        Query(conn, "SELECT name, content FROM sieve_scripts WHERE user_id = $1 AND active", user);
    if (r.rows() > 0) out = SieveScript{r.Text(0, 0), r.Text(0, 1), true};
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<bool> PgStore::ClaimVacationReply(UserId user, const std::string& handle,
                                         const std::string& sender, int64_t now, int64_t period) {
  bool due = false;
  Status s = db_->Write([&](PgConn& conn) {
    Execute(conn, "DELETE FROM vacation_replies WHERE user_id = $1 AND expires_at <= $2", user,
            now);
    // Two deliveries to one user at once: the primary key lets one of them in.
    due = Execute(conn,
                  "INSERT INTO vacation_replies (user_id, handle, sender, expires_at) "
                  "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                  user, handle, sender, now + period) == 1;
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return due;
}

}  // namespace mailsuite::store::postgres
