// OpenStore: chooses the backend (sqlite/, postgres/) for a location or a configuration.
#include "pg_open.h"
#include "shared/secret_file.h"
#include "sqlite_store.h"
#include "store/store.h"
#include "store/testing.h"

namespace mailsuite::store {
namespace {

bool IsPostgresUrl(const std::string& location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

// libpq's own parse of the URL: a password in it would sit in a world-readable config file
// and in every log line that names the store.
Status RefusePasswordIn(const std::string& url) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (!options) {
    std::string message = error ? error : "out of memory";
    PQfreemem(error);
    return Status::Error("store.url: " + message);
  }
  bool has_password = false;
  for (PQconninfoOption* o = options; o->keyword; ++o)
    if (std::string(o->keyword) == "password" && o->val && *o->val) has_password = true;
  PQconninfoFree(options);
  if (has_password)
    return Status::Error(
        "store.url holds a password; put it in the file named by "
        "store.password_file instead");
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Store>> OpenStore(const std::string& location, int busy_timeout_ms,
                                         bool create_if_missing) {
  if (IsPostgresUrl(location)) {
    postgres::PgOptions options;
    options.url = location;
    options.busy_timeout_ms = busy_timeout_ms;
    return postgres::OpenPgStore(options, create_if_missing);
  }
  return OpenSqliteStore(location, busy_timeout_ms, create_if_missing);
}

Result<std::unique_ptr<Store>> OpenStore(const StoreConfig& config, bool create_if_missing) {
  if (config.backend != "postgresql")
    return OpenSqliteStore(config.path, config.busy_timeout_ms, create_if_missing);
  if (Status s = RefusePasswordIn(config.url); !s.ok()) return s;
  postgres::PgOptions options;
  options.url = config.url;
  options.busy_timeout_ms = config.busy_timeout_ms;
  options.max_connections = static_cast<size_t>(config.max_connections);
  if (!config.password_file.empty()) {
    auto password = ReadSecretFile(config.password_file, "store.password_file");
    if (!password) return password.status();
    options.password = std::move(*password);
  }
  return postgres::OpenPgStore(options, create_if_missing);
}

std::string DescribeStore(const StoreConfig& config) {
  return config.backend == "postgresql" ? "PostgreSQL database " + config.url
                                        : "database " + config.path;
}

namespace testing {

Status CheckConsistency(const std::string& location) {
  if (IsPostgresUrl(location)) {
    postgres::PgOptions options;
    options.url = location;
    return postgres::CheckPgConsistency(options);
  }
  return CheckSqliteConsistency(location);
}

}  // namespace testing
std::string UnreadyReason(Store& store) {
  Result<uint64_t> stamp = store.ChangeStamp();
  return stamp ? std::string() : "the store does not answer: " + stamp.error();
}

}  // namespace mailsuite::store
