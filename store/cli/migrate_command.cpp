// mailsuite migrate --to URL [--password-file FILE]
// Copies the configured SQLite store (store.path) into an empty PostgreSQL database and
// verifies the copy (store/migrate.h), then says which lines switch the daemons over. The
// daemons should be stopped first: what they write after the copy's snapshot stays behind.
#include <fstream>
#include <iostream>

#include "shared/cli_options.h"

#include "cli_common.h"
#include "shared/config.h"
#include "store/migrate.h"

namespace mailsuite::cli {

int RunMigrateCommand(int argc, char** argv) {
  cxxopts::Options cli("mailsuite migrate", "copy the SQLite store into PostgreSQL");
  cli.add_options()("c,config", "configuration file",
                    cxxopts::value<std::string>()->default_value("/etc/mailsuite/mailsuite.conf"))(
      "s,set", "override a configuration key", cxxopts::value<std::vector<std::string>>())(
      "to", "the PostgreSQL database (libpq URI)", cxxopts::value<std::string>())(
      "password-file", "its password, first line", cxxopts::value<std::string>())(
      "words", "", cxxopts::value<std::vector<std::string>>());
  cli.parse_positional({"words"});
  GlobalOptions options;
  std::vector<std::string> words;
  store::MigrationTarget target;
  std::string password_file;
  try {
    auto args = cli.parse(argc, argv);
    options.config_path = args["config"].as<std::string>();
    if (args.count("set")) options.overrides = args["set"].as<std::vector<std::string>>();
    if (args.count("words")) words = args["words"].as<std::vector<std::string>>();
    if (args.count("to")) target.url = args["to"].as<std::string>();
    if (args.count("password-file")) password_file = args["password-file"].as<std::string>();
  } catch (const cxxopts::exceptions::exception& e) {
    return UsageError(e.what());
  }
  if (!words.empty() && words[0] == "migrate") words.erase(words.begin());
  if (Status s = CheckOverrides(options.overrides); !s) return UsageError(s.message());
  if (!words.empty() || target.url.empty())
    return UsageError("usage: migrate --to postgresql://USER@HOST/DATABASE [--password-file F]");
  if (!password_file.empty()) {
    std::ifstream in(password_file);
    if (!in || !std::getline(in, target.password))
      return Fail("cannot read the password file " + password_file);
  }
  auto config = LoadConfig(options.config_path, options.overrides);
  if (!config) return Fail(config.error());
  if (config->store.backend == "postgresql")
    return Fail(
        "migrate copies the SQLite store (store.path) into PostgreSQL; this "
        "configuration already uses PostgreSQL");

  std::cout << "copying " << config->store.path << " into " << target.url << "\n";
  auto copied = store::MigrateSqliteToPostgres(config->store.path, config->store.busy_timeout_ms,
                                               target, [](const std::string& line) {
                                                 std::cout << "  " << line << "\n" << std::flush;
                                               });
  if (!copied) return Fail("migrate", copied.error());
  std::cout << "verified: every row, mailbox state and body hash matches\n"
            << "to switch, set in " << options.config_path << " and restart the daemons:\n"
            << "  [store]\n  backend = postgresql\n  url = " << target.url << "\n"
            << (password_file.empty() ? "" : "  password_file = " + password_file + "\n");
  return kExitOk;
}

}  // namespace mailsuite::cli
