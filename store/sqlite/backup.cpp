// Store::BackupTo: SQLite's online backup into a new file, from inside one read transaction so
// the copy is a consistent snapshot while the daemons go on writing (WAL lets them).
#include <filesystem>

#include "sqlite_store.h"

namespace mailsuite::store {

Status SqliteStore::BackupTo(const std::string& path) {
  if (std::filesystem::exists(path)) return Status::Error(path + " already exists");
  return db_->Read([&](Connection& conn) {
    sqlite3* dest = nullptr;
    if (sqlite3_open_v2(path.c_str(), &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK) {
      std::string why = dest ? sqlite3_errmsg(dest) : "out of memory";
      sqlite3_close(dest);
      return Status::Error(path + ": " + why);
    }
    sqlite3_backup* b = sqlite3_backup_init(dest, "main", conn.handle(), "main");
    int rc = b ? sqlite3_backup_step(b, -1) : sqlite3_errcode(dest);
    if (b) sqlite3_backup_finish(b);
    std::string why = sqlite3_errmsg(dest);
    sqlite3_close(dest);
    if (rc != SQLITE_DONE) {
      std::filesystem::remove(path);
      return Status::Error(path + ": backup failed: " + why);
    }
    return Status::Ok();
  });
}

}  // namespace mailsuite::store
