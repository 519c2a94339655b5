// Users' Sieve scripts in the SQLite store (store.h, "Sieve scripts").
#include "sqlite_store.h"

namespace mailsuite::store {
namespace {

bool ScriptExists(Connection& conn, UserId user, const std::string& name) {
  return QueryInt(conn, "SELECT count(*) FROM sieve_scripts WHERE user_id = ? AND name = ?", 0,
                  user, name) > 0;
}

Status NoSuchScript(const std::string& name) {
  return Status::Error("no Sieve script named '" + name + "'");
}

}  // namespace

Status SqliteStore::PutSieveScript(UserId user, const std::string& name,
                                   const std::string& content) {
  return db_->Write([&](Connection& conn) {
    if (QueryInt(conn, "SELECT count(*) FROM users WHERE id = ?", 0, user) == 0)
      return Status::Error("no such user");
    Execute(conn,
            "INSERT INTO sieve_scripts (user_id, name, content) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id, name) DO UPDATE SET content = excluded.content",
            user, name, content);
    return Status::Ok();
  });
}

Result<std::vector<SieveScript>> SqliteStore::ListSieveScripts(UserId user) {
  std::vector<SieveScript> out;
  Status s = db_->Read([&](Connection& conn) {
    out.clear();
    Stmt stmt(conn, "SELECT name, active FROM sieve_scripts WHERE user_id = ? ORDER BY name", user);
    while (stmt.Step()) out.push_back({stmt.Text(0), "", stmt.Int(1) != 0});
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::optional<SieveScript>> SqliteStore::GetSieveScript(UserId user,
                                                               const std::string& name) {
  std::optional<SieveScript> out;
  Status s = db_->Read([&](Connection& conn) {
    out.reset();
    Stmt stmt(conn, "SELECT content, active FROM sieve_scripts WHERE user_id = ? AND name = ?",
              user, name);
    if (stmt.Step()) out = SieveScript{name, stmt.Text(0), stmt.Int(1) != 0};
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Status SqliteStore::ActivateSieveScript(UserId user, const std::string& name) {
  return db_->Write([&](Connection& conn) {
    if (!name.empty() && !ScriptExists(conn, user, name)) return NoSuchScript(name);
    Execute(conn, "UPDATE sieve_scripts SET active = 0 WHERE user_id = ? AND active = 1", user);
    if (!name.empty())
      Execute(conn, "UPDATE sieve_scripts SET active = 1 WHERE user_id = ? AND name = ?", user,
              name);
    return Status::Ok();
  });
}

Status SqliteStore::DeleteSieveScript(UserId user, const std::string& name) {
  return db_->Write([&](Connection& conn) {
    int64_t active = QueryInt(
        conn, "SELECT active FROM sieve_scripts WHERE user_id = ? AND name = ?", -1, user, name);
    if (active < 0) return NoSuchScript(name);
    if (active != 0) return Status::Error("the Sieve script '" + name + "' is active");
    Execute(conn, "DELETE FROM sieve_scripts WHERE user_id = ? AND name = ?", user, name);
    return Status::Ok();
  });
}

Status SqliteStore::RenameSieveScript(UserId user, const std::string& from, const std::string& to) {
  return db_->Write([&](Connection& conn) {
    if (!ScriptExists(conn, user, from)) return NoSuchScript(from);
    if (from == to) return Status::Ok();
    if (ScriptExists(conn, user, to))
      return Status::Error("a Sieve script named '" + to + "' exists");
    Execute(conn, "UPDATE sieve_scripts SET name = ? WHERE user_id = ? AND name = ?", to, user,
            from);
    return Status::Ok();
  });
}

Result<std::optional<SieveScript>> SqliteStore::ActiveSieveScript(UserId user) {
  std::optional<SieveScript> out;
  Status s = db_->Read([&](Connection& conn) {
    out.reset();
    Stmt stmt(conn, "SELECT name, content FROM sieve_scripts WHERE user_id = ? AND active = 1",
              user);
    if (stmt.Step()) out = SieveScript{stmt.Text(0), stmt.Text(1), true};
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<bool> SqliteStore::ClaimVacationReply(UserId user, const std::string& handle,
                                             const std::string& sender, int64_t now,
                                             int64_t period) {
  bool due = false;
  Status s = db_->Write([&](Connection& conn) {
    Execute(conn, "DELETE FROM vacation_replies WHERE user_id = ? AND expires_at <= ?", user, now);
    due = QueryInt(conn,
                   "SELECT count(*) FROM vacation_replies "
                   "WHERE user_id = ? AND handle = ? AND sender = ?",
                   0, user, handle, sender) == 0;
    if (due)
      Execute(conn,
              "INSERT INTO vacation_replies (user_id, handle, sender, expires_at) "
              "VALUES (?, ?, ?, ?)",
              user, handle, sender, now + period);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return due;
}

}  // namespace mailsuite::store
