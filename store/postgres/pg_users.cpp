// Domains, users and aliases of the PostgreSQL store (as store/sqlite/users.cpp).
#include <algorithm>
#include <optional>

#include "names.h"
#include "pg_store.h"

namespace mailsuite::store::postgres {
namespace {

struct DefaultMailbox {
  const char* name;
  const char* special_use;
};
constexpr DefaultMailbox kDefaultMailboxes[] = {
    {"INBOX", ""},        {"Drafts", "\\Drafts"}, {"Sent", "\\Sent"},
    {"Trash", "\\Trash"}, {"Junk", "\\Junk"},     {"Archive", "\\Archive"},
};

int64_t DomainId(PgConn& conn, const std::string& domain) {
  return QueryInt(conn, "SELECT id FROM domains WHERE name = $1", 0, domain);
}

int64_t UserIdOf(PgConn& conn, const std::string& address) {
  return QueryInt(conn, "SELECT id FROM users WHERE address = $1", 0, address);
}

#define SELECT_USER                                                                        \
  "SELECT u.id, u.address, d.name, u.password_hash FROM users u JOIN domains d ON d.id = " \
  "u.domain_id "

User ReadUser(const PgResult& r, int row) {
  return User{r.Int(row, 0), r.Text(row, 1), r.Text(row, 2), r.Text(row, 3)};
}

}  // namespace

Status PgStore::AddDomain(const std::string& domain) {
  Result<std::string> name = NormalizeDomain(domain);
  if (!name.ok()) return name.status();
  return db_->Write([&](PgConn& conn) {
    if (DomainId(conn, *name) != 0) return Status::Error("domain " + *name + " already exists");
    Execute(conn, "INSERT INTO domains (name) VALUES ($1)", *name);
    return Status::Ok();
  });
}

Result<std::vector<std::string>> PgStore::ListDomains() {
  std::vector<std::string> out;
  Status s = db_->Read([&](PgConn& conn) {
    out.clear();
    PgResult r = Query(conn, "SELECT name FROM domains ORDER BY name");
    for (int i = 0; i < r.rows(); ++i) out.push_back(r.Text(i, 0));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Status PgStore::RemoveDomain(const std::string& domain) {
  Result<std::string> name = NormalizeDomain(domain);
  if (!name.ok()) return name.status();
  return db_->Write([&](PgConn& conn) {
    // FOR UPDATE: a user or alias added meanwhile by another node waits for this, then fails.
    int64_t id = QueryInt(conn, "SELECT id FROM domains WHERE name = $1 FOR UPDATE", 0, *name);
    if (id == 0) return Status::Error("domain " + *name + " does not exist");
    int64_t users = QueryInt(conn, "SELECT count(*) FROM users WHERE domain_id = $1", 0, id);
    if (users > 0) {
      return Status::Error("domain " + *name + " still has " + std::to_string(users) +
                           (users == 1 ? " user" : " users"));
    }
    int64_t aliases = QueryInt(conn, "SELECT count(*) FROM aliases WHERE domain_id = $1", 0, id);
    if (aliases > 0) {
      return Status::Error("domain " + *name + " still has " + std::to_string(aliases) +
                           (aliases == 1 ? " alias" : " aliases"));
    }
    Execute(conn, "DELETE FROM domains WHERE id = $1", id);
    return Status::Ok();
  });
}

Result<bool> PgStore::DomainExists(const std::string& domain) {
  Result<std::string> name = NormalizeDomain(domain);
  if (!name.ok()) return false;
  bool exists = false;
  Status s = db_->Read([&](PgConn& conn) {
    exists = DomainId(conn, *name) != 0;
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return exists;
}

Result<User> PgStore::AddUser(const std::string& address, const std::string& password_hash) {
  Result<Address> addr = NormalizeAddress(address);
  if (!addr.ok()) return addr.status();
  if (password_hash.empty()) return Status::Error("empty password hash");
  User user;
  Status s = db_->Write([&](PgConn& conn) {
    // The domain row's lock orders AddUser and AddAlias of one domain across nodes, so a name
    // cannot become a user and an alias at once.
    int64_t domain_id =
        QueryInt(conn, "SELECT id FROM domains WHERE name = $1 FOR NO KEY UPDATE", 0, addr->domain);
    if (domain_id == 0) return Status::Error("domain " + addr->domain + " does not exist");
    if (UserIdOf(conn, addr->full) != 0) {
      return Status::Error("user " + addr->full + " already exists");
    }
    if (QueryInt(conn, "SELECT count(*) FROM aliases WHERE source = $1", 0, addr->full) > 0) {
      return Status::Error(addr->full + " is already an alias");
    }
    int64_t id = QueryInt(conn,
                          "INSERT INTO users (address, domain_id, password_hash, created_at) "
                          "VALUES ($1, $2, $3, $4) RETURNING id",
                          0, addr->full, domain_id, password_hash, NowSeconds());
    user = User{id, addr->full, addr->domain, password_hash};
    for (const DefaultMailbox& m : kDefaultMailboxes) {
      InsertMailbox(conn, user.id, m.name, m.special_use);
      Execute(conn, "INSERT INTO subscriptions (user_id, name) VALUES ($1, $2)", user.id, m.name);
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return user;
}

Status PgStore::SetPasswordHash(const std::string& address, const std::string& password_hash) {
  Result<Address> addr = NormalizeAddress(address);
  if (!addr.ok()) return addr.status();
  if (password_hash.empty()) return Status::Error("empty password hash");
  return db_->Write([&](PgConn& conn) {
    if (Execute(conn, "UPDATE users SET password_hash = $1 WHERE address = $2", password_hash,
                addr->full) == 0) {
      return Status::Error("user " + addr->full + " does not exist");
    }
    return Status::Ok();
  });
}

Result<std::optional<QuotaUsage>> PgStore::GetQuota(UserId user) {
  std::optional<QuotaUsage> usage;
  Status s = db_->Read([&](PgConn& conn) {
    usage.reset();
    PgResult r = Query(conn,
                       "SELECT used_storage, used_messages, quota_storage, quota_messages "
                       "FROM users WHERE id = $1",
                       user);
    if (r.rows() > 0) {
      usage.emplace();
      usage->storage = static_cast<uint64_t>(std::max<int64_t>(r.Int(0, 0), 0));
      usage->messages = static_cast<uint64_t>(std::max<int64_t>(r.Int(0, 1), 0));
      usage->limits.storage = QuotaLimitValue(r.Int(0, 2));
      usage->limits.messages = QuotaLimitValue(r.Int(0, 3));
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return usage;
}

Status PgStore::SetQuotaLimits(const std::string& address, const QuotaLimits& limits) {
  Result<Address> addr = NormalizeAddress(address);
  if (!addr.ok()) return addr.status();
  return db_->Write([&](PgConn& conn) {
    if (Execute(conn, "UPDATE users SET quota_storage = $1, quota_messages = $2 WHERE address = $3",
                QuotaLimitColumn(limits.storage), QuotaLimitColumn(limits.messages),
                addr->full) == 0)
      return Status::Error("user " + addr->full + " does not exist");
    return Status::Ok();
  });
}

Result<std::optional<User>> PgStore::FindUser(const std::string& address) {
  Result<Address> addr = NormalizeAddress(address);
  if (!addr.ok()) return std::optional<User>();
  std::optional<User> user;
  Status s = db_->Read([&](PgConn& conn) {
    user.reset();
    PgResult r = Query(conn, SELECT_USER "WHERE u.address = $1", addr->full);
    if (r.rows() > 0) user = ReadUser(r, 0);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return user;
}

Result<std::optional<User>> PgStore::GetUser(UserId id) {
  std::optional<User> user;
  Status s = db_->Read([&](PgConn& conn) {
    user.reset();
    PgResult r = Query(conn, SELECT_USER "WHERE u.id = $1", id);
    if (r.rows() > 0) user = ReadUser(r, 0);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return user;
}

Result<std::vector<User>> PgStore::ListUsers(const std::string& domain) {
  std::string name;
  if (!domain.empty()) {
    Result<std::string> d = NormalizeDomain(domain);
    if (!d.ok()) return d.status();
    name = *d;
  }
  std::vector<User> users;
  Status s = db_->Read([&](PgConn& conn) {
    users.clear();
    if (!name.empty() && DomainId(conn, name) == 0) {
      return Status::Error("domain " + name + " does not exist");
    }
    PgResult r = Query(conn, SELECT_USER "WHERE $1 = '' OR d.name = $1 ORDER BY u.address", name);
    for (int i = 0; i < r.rows(); ++i) users.push_back(ReadUser(r, i));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return users;
}

Status PgStore::RemoveUser(const std::string& address) {
  Result<Address> addr = NormalizeAddress(address);
  if (!addr.ok()) return addr.status();
  return db_->Write([&](PgConn& conn) {
    // The user's row lock keeps a mailbox from being created meanwhile (CreateMailbox takes it).
    int64_t id =
        QueryInt(conn, "SELECT id FROM users WHERE address = $1 FOR UPDATE", 0, addr->full);
    if (id == 0) return Status::Error("user " + addr->full + " does not exist");
    std::vector<MailboxId> mailboxes;
    {
      PgResult r = Query(conn, "SELECT id FROM mailboxes WHERE user_id = $1", id);
      for (int i = 0; i < r.rows(); ++i) mailboxes.push_back(r.Int(i, 0));
    }
    LockMailboxes(conn, mailboxes);
    for (MailboxId mailbox : mailboxes) DeleteMailboxContents(conn, mailbox);
    Execute(conn, "DELETE FROM mailboxes WHERE user_id = $1", id);
    Execute(conn, "DELETE FROM subscriptions WHERE user_id = $1", id);
    Execute(conn, "DELETE FROM aliases WHERE user_id = $1", id);
    Execute(conn, "DELETE FROM sieve_scripts WHERE user_id = $1", id);
    Execute(conn, "DELETE FROM vacation_replies WHERE user_id = $1", id);
    Execute(conn, "DELETE FROM users WHERE id = $1", id);
    return Status::Ok();
  });
}

Status PgStore::AddAlias(const std::string& source, const std::string& target) {
  Result<Address> src = NormalizeAddress(source, true);
  if (!src.ok()) return src.status();
  Result<Address> dst = NormalizeAddress(target);
  if (!dst.ok()) return dst.status();
  return db_->Write([&](PgConn& conn) {
    int64_t domain_id =
        QueryInt(conn, "SELECT id FROM domains WHERE name = $1 FOR NO KEY UPDATE", 0, src->domain);
    if (domain_id == 0) return Status::Error("domain " + src->domain + " does not exist");
    if (UserIdOf(conn, src->full) != 0) return Status::Error(src->full + " is a user");
    int64_t user_id =
        QueryInt(conn, "SELECT id FROM users WHERE address = $1 FOR KEY SHARE", 0, dst->full);
    if (user_id == 0) return Status::Error("user " + dst->full + " does not exist");
    if (QueryInt(conn, "SELECT count(*) FROM aliases WHERE source = $1 AND user_id = $2", 0,
                 src->full, user_id) > 0) {
      return Status::Error("alias " + src->full + " -> " + dst->full + " already exists");
    }
    Execute(conn, "INSERT INTO aliases (source, domain_id, user_id) VALUES ($1, $2, $3)", src->full,
            domain_id, user_id);
    return Status::Ok();
  });
}

Result<std::vector<Alias>> PgStore::ListAliases() {
  std::vector<Alias> aliases;
  Status s = db_->Read([&](PgConn& conn) {
    aliases.clear();
    PgResult r = Query(conn,
                       "SELECT a.source, u.address FROM aliases a JOIN users u ON u.id = a.user_id "
                       "ORDER BY a.source, u.address");
    for (int i = 0; i < r.rows(); ++i) aliases.push_back(Alias{r.Text(i, 0), r.Text(i, 1)});
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return aliases;
}

Status PgStore::RemoveAlias(const std::string& source, const std::string& target) {
  Result<Address> src = NormalizeAddress(source, true);
  if (!src.ok()) return src.status();
  std::string dst;
  if (!target.empty()) {
    Result<Address> t = NormalizeAddress(target);
    if (!t.ok()) return t.status();
    dst = t->full;
  }
  return db_->Write([&](PgConn& conn) {
    if (Execute(conn,
                "DELETE FROM aliases WHERE source = $1 AND ($2 = '' OR user_id = "
                "(SELECT id FROM users WHERE address = $2))",
                src->full, dst) == 0) {
      return Status::Error("alias " + src->full + (dst.empty() ? "" : " -> " + dst) +
                           " does not exist");
    }
    return Status::Ok();
  });
}

Result<std::vector<UserId>> PgStore::ResolveRecipient(const std::string& address) {
  Result<Address> addr = NormalizeAddress(address);
  if (!addr.ok()) return std::vector<UserId>();
  std::vector<UserId> ids;
  Status s = db_->Read([&](PgConn& conn) {
    ids.clear();
    if (int64_t id = UserIdOf(conn, addr->full); id != 0) {
      ids.push_back(id);
      return Status::Ok();
    }
    for (const std::string& source : {addr->full, "@" + addr->domain}) {
      PgResult r =
          Query(conn, "SELECT user_id FROM aliases WHERE source = $1 ORDER BY user_id", source);
      for (int i = 0; i < r.rows(); ++i) ids.push_back(r.Int(i, 0));
      if (!ids.empty()) break;
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return ids;
}

}  // namespace mailsuite::store::postgres
