// Domains, users and aliases of the SQLite store.
#include <algorithm>
#include <optional>

#include "names.h"
#include "sqlite_store.h"

namespace mailsuite::store {
namespace {

struct DefaultMailbox {
  const char* name;
  const char* special_use;
};
constexpr DefaultMailbox kDefaultMailboxes[] = {
    {"INBOX", ""},        {"Drafts", "\\Drafts"}, {"Sent", "\\Sent"},
    {"Trash", "\\Trash"}, {"Junk", "\\Junk"},     {"Archive", "\\Archive"},
};

// Returns the domain's id, or 0 when it is not a local domain.
int64_t DomainId(Connection& conn, const std::string& domain) {
  return QueryInt(conn, "SELECT id FROM domains WHERE name = ?", 0, domain);
}

int64_t UserIdOf(Connection& conn, const std::string& address) {
  return QueryInt(conn, "SELECT id FROM users WHERE address = ?", 0, address);
}

constexpr const char kSelectUser[] =
    "SELECT u.id, u.address, d.name, u.password_hash FROM users u "
    "JOIN domains d ON d.id = u.domain_id ";

User ReadUser(const Stmt& stmt) {
  return User{stmt.Int(0), stmt.Text(1), stmt.Text(2), stmt.Text(3)};
}

}  // namespace

Status SqliteStore::AddDomain(const std::string& domain) {
  Result<std::string> name = NormalizeDomain(domain);
  if (!name.ok()) return name.status();
  return db_->Write([&](Connection& conn) {
    if (DomainId(conn, *name) != 0) return Status::Error("domain " + *name + " already exists");
    Execute(conn, "INSERT INTO domains (name) VALUES (?)", *name);
    return Status::Ok();
  });
}

Result<std::vector<std::string>> SqliteStore::ListDomains() {
  std::vector<std::string> out;
  Status s = db_->Read([&](Connection& conn) {
    out.clear();
    Stmt stmt(conn, "SELECT name FROM domains ORDER BY name");
    while (stmt.Step()) out.push_back(stmt.Text(0));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Status SqliteStore::RemoveDomain(const std::string& domain) {
  Result<std::string> name = NormalizeDomain(domain);
  if (!name.ok()) return name.status();
  return db_->Write([&](Connection& conn) {
    int64_t id = DomainId(conn, *name);
    if (id == 0) return Status::Error("domain " + *name + " does not exist");
    int64_t users = QueryInt(conn, "SELECT count(*) FROM users WHERE domain_id = ?", 0, id);
    if (users > 0) {
      return Status::Error("domain " + *name + " still has " + std::to_string(users) +
                           (users == 1 ? " user" : " users"));
    }
    int64_t aliases = QueryInt(conn, "SELECT count(*) FROM aliases WHERE domain_id = ?", 0, id);
    if (aliases > 0) {
      return Status::Error("domain " + *name + " still has " + std::to_string(aliases) +
                           (aliases == 1 ? " alias" : " aliases"));
    }
    Execute(conn, "DELETE FROM domains WHERE id = ?", id);
    return Status::Ok();
  });
}

Result<bool> SqliteStore::DomainExists(const std::string& domain) {
  Result<std::string> name = NormalizeDomain(domain);
  if (!name.ok()) return false;
  bool exists = false;
  Status s = db_->Read([&](Connection& conn) {
    exists = DomainId(conn, *name) != 0;
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return exists;
}

Result<User> SqliteStore::AddUser(const std::string& address, const std::string& password_hash) {
  Result<Address> addr = NormalizeAddress(address);
  if (!addr.ok()) return addr.status();
  if (password_hash.empty()) return Status::Error("empty password hash");
  User user;
  Status s = db_->Write([&](Connection& conn) {
    int64_t domain_id = DomainId(conn, addr->domain);
    if (domain_id == 0) return Status::Error("domain " + addr->domain + " does not exist");
    if (UserIdOf(conn, addr->full) != 0) {
      return Status::Error("user " + addr->full + " already exists");
    }
    if (QueryInt(conn, "SELECT count(*) FROM aliases WHERE source = ?", 0, addr->full) > 0) {
      return Status::Error(addr->full + " is already an alias");
    }
    Execute(conn,
            "INSERT INTO users (address, domain_id, password_hash, created_at) VALUES (?, ?, ?, ?)",
            addr->full, domain_id, password_hash, NowSeconds());
    user = User{sqlite3_last_insert_rowid(conn.handle()), addr->full, addr->domain, password_hash};
    for (const DefaultMailbox& m : kDefaultMailboxes) {
      InsertMailbox(conn, user.id, m.name, m.special_use);
      Execute(conn, "INSERT INTO subscriptions (user_id, name) VALUES (?, ?)", user.id, m.name);
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return user;
}

Status SqliteStore::SetPasswordHash(const std::string& address, const std::string& password_hash) {
  Result<Address> addr = NormalizeAddress(address);
  if (!addr.ok()) return addr.status();
  if (password_hash.empty()) return Status::Error("empty password hash");
  return db_->Write([&](Connection& conn) {
    Execute(conn, "UPDATE users SET password_hash = ? WHERE address = ?", password_hash,
            addr->full);
    if (sqlite3_changes(conn.handle()) == 0) {
      return Status::Error("user " + addr->full + " does not exist");
    }
    return Status::Ok();
  });
}

Result<std::optional<QuotaUsage>> SqliteStore::GetQuota(UserId user) {
  std::optional<QuotaUsage> usage;
  Status s = db_->Read([&](Connection& conn) {
    usage.reset();
    Stmt stmt(conn,
              "SELECT used_storage, used_messages, quota_storage, quota_messages FROM users "
              "WHERE id = ?",
              user);
    if (stmt.Step()) {
      usage.emplace();
      usage->storage = static_cast<uint64_t>(std::max<int64_t>(stmt.Int(0), 0));
      usage->messages = static_cast<uint64_t>(std::max<int64_t>(stmt.Int(1), 0));
      usage->limits.storage = QuotaLimitValue(stmt.Int(2));
      usage->limits.messages = QuotaLimitValue(stmt.Int(3));
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return usage;
}

Status SqliteStore::SetQuotaLimits(const std::string& address, const QuotaLimits& limits) {
  Result<Address> addr = NormalizeAddress(address);
  if (!addr.ok()) return addr.status();
  return db_->Write([&](Connection& conn) {
    Execute(conn, "UPDATE users SET quota_storage = ?, quota_messages = ? WHERE address = ?",
            QuotaLimitColumn(limits.storage), QuotaLimitColumn(limits.messages), addr->full);
    if (sqlite3_changes(conn.handle()) == 0)
      return Status::Error("user " + addr->full + " does not exist");
    return Status::Ok();
  });
}

Result<std::optional<User>> SqliteStore::FindUser(const std::string& address) {
  Result<Address> addr = NormalizeAddress(address);
  if (!addr.ok()) return std::optional<User>();
  std::optional<User> user;
  Status s = db_->Read([&](Connection& conn) {
    user.reset();
    static const std::string sql = std::string(kSelectUser) + "WHERE u.address = ?";
    Stmt stmt(conn, sql.c_str(), addr->full);
    if (stmt.Step()) user = ReadUser(stmt);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return user;
}

Result<std::optional<User>> SqliteStore::GetUser(UserId id) {
  std::optional<User> user;
  Status s = db_->Read([&](Connection& conn) {
    user.reset();
    static const std::string sql = std::string(kSelectUser) + "WHERE u.id = ?";
    Stmt stmt(conn, sql.c_str(), id);
    if (stmt.Step()) user = ReadUser(stmt);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return user;
}

Result<std::vector<User>> SqliteStore::ListUsers(const std::string& domain) {
  std::string name;
  if (!domain.empty()) {
    Result<std::string> d = NormalizeDomain(domain);
    if (!d.ok()) return d.status();
    name = *d;
  }
  std::vector<User> users;
  Status s = db_->Read([&](Connection& conn) {
    users.clear();
    if (!name.empty() && DomainId(conn, name) == 0) {
      return Status::Error("domain " + name + " does not exist");
    }
    static const std::string sql =
        std::string(kSelectUser) + "WHERE ? = '' OR d.name = ? ORDER BY u.address";
    Stmt stmt(conn, sql.c_str(), name, name);
    while (stmt.Step()) users.push_back(ReadUser(stmt));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return users;
}

Status SqliteStore::RemoveUser(const std::string& address) {
  Result<Address> addr = NormalizeAddress(address);
  if (!addr.ok()) return addr.status();
  return db_->Write([&](Connection& conn) {
    int64_t id = UserIdOf(conn, addr->full);
    if (id == 0) return Status::Error("user " + addr->full + " does not exist");
    std::vector<int64_t> mailboxes;
    {
      Stmt stmt(conn, "SELECT id FROM mailboxes WHERE user_id = ?", id);
      while (stmt.Step()) mailboxes.push_back(stmt.Int(0));
    }
    for (int64_t mailbox : mailboxes) DeleteMailboxContents(conn, mailbox);
    Execute(conn, "DELETE FROM mailboxes WHERE user_id = ?", id);
    Execute(conn, "DELETE FROM subscriptions WHERE user_id = ?", id);
    Execute(conn, "DELETE FROM aliases WHERE user_id = ?", id);
    Execute(conn, "DELETE FROM sieve_scripts WHERE user_id = ?", id);
    Execute(conn, "DELETE FROM vacation_replies WHERE user_id = ?", id);
    Execute(conn, "DELETE FROM users WHERE id = ?", id);
    return Status::Ok();
  });
}

Status SqliteStore::AddAlias(const std::string& source, const std::string& target) {
  Result<Address> src = NormalizeAddress(source, true);
  if (!src.ok()) return src.status();
  Result<Address> dst = NormalizeAddress(target);
  if (!dst.ok()) return dst.status();
  return db_->Write([&](Connection& conn) {
    int64_t domain_id = DomainId(conn, src->domain);
    if (domain_id == 0) return Status::Error("domain " + src->domain + " does not exist");
    if (UserIdOf(conn, src->full) != 0) return Status::Error(src->full + " is a user");
    int64_t user_id = UserIdOf(conn, dst->full);
    if (user_id == 0) return Status::Error("user " + dst->full + " does not exist");
    if (QueryInt(conn, "SELECT count(*) FROM aliases WHERE source = ? AND user_id = ?", 0,
                 src->full, user_id) > 0) {
      return Status::Error("alias " + src->full + " -> " + dst->full + " already exists");
    }
    Execute(conn, "INSERT INTO aliases (source, domain_id, user_id) VALUES (?, ?, ?)", src->full,
            domain_id, user_id);
    return Status::Ok();
  });
}

Result<std::vector<Alias>> SqliteStore::ListAliases() {
  std::vector<Alias> aliases;
  Status s = db_->Read([&](Connection& conn) {
    aliases.clear();
    Stmt stmt(conn,
              "SELECT a.source, u.address FROM aliases a JOIN users u ON u.id = a.user_id "
              "ORDER BY a.source, u.address");
    while (stmt.Step()) aliases.push_back(Alias{stmt.Text(0), stmt.Text(1)});
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return aliases;
}

Status SqliteStore::RemoveAlias(const std::string& source, const std::string& target) {
  Result<Address> src = NormalizeAddress(source, true);
  if (!src.ok()) return src.status();
  std::string dst;
  if (!target.empty()) {
    Result<Address> t = NormalizeAddress(target);
    if (!t.ok()) return t.status();
    dst = t->full;
  }
  return db_->Write([&](Connection& conn) {
    Execute(conn,
            "DELETE FROM aliases WHERE source = ? AND (? = '' OR user_id = "
            "(SELECT id FROM users WHERE address = ?))",
            src->full, dst, dst);
    if (sqlite3_changes(conn.handle()) == 0) {
      return Status::Error("alias " + src->full + (dst.empty() ? "" : " -> " + dst) +
                           " does not exist");
    }
    return Status::Ok();
  });
}

Result<std::vector<UserId>> SqliteStore::ResolveRecipient(const std::string& address) {
  Result<Address> addr = NormalizeAddress(address);
  if (!addr.ok()) return std::vector<UserId>();
  std::vector<UserId> ids;
  Status s = db_->Read([&](Connection& conn) {
    ids.clear();
    if (int64_t id = UserIdOf(conn, addr->full); id != 0) {
      ids.push_back(id);
      return Status::Ok();
    }
    for (const std::string& source : {addr->full, "@" + addr->domain}) {
      Stmt stmt(conn, "SELECT user_id FROM aliases WHERE source = ? ORDER BY user_id", source);
      while (stmt.Step()) ids.push_back(stmt.Int(0));
      if (!ids.empty()) break;
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return ids;
}

}  // namespace mailsuite::store
