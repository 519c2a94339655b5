// mailsuite: the admin CLI. Parses the global options (--config, --set), then hands the words
// after them to one command family (one file each). `init` and `config` belong to
// init_command.cpp and receive the whole argv.
#include <iostream>
#include <string>
#include <vector>

#include "shared/cli_options.h"

#include "cli_common.h"
#include "dkim_records.h"
#include "init_command.h"

namespace mailsuite::cli {
namespace {

constexpr const char kUsage[] =
    R"(usage: mailsuite [--config FILE] [--set section.key=value]... COMMAND ...

commands:
  init [--hostname NAME] [--domain NAME]   create config, database and certificate
  config sample                            print the documented sample configuration
  domain add|remove NAME | domain list
  user add|passwd|remove ADDRESS | user list [DOMAIN]
                                           passwords are read from the terminal, or one
                                           line from stdin when it is not a terminal
  user quota ADDRESS [STORAGE [MESSAGES]]  show usage and limits, or set the user's own:
                                           2G, 500M, 10000, unlimited, or default
  alias add SOURCE TARGET | alias list | alias remove SOURCE [TARGET]
                                           SOURCE "@domain" is the domain's catch-all
  mailbox list ADDRESS
  sieve list|deactivate ADDRESS | sieve put ADDRESS NAME [FILE]
  sieve get|activate|delete ADDRESS NAME | sieve check FILE
                                           users' Sieve filters (RFC 5228), checked before
                                           they are stored; put reads stdin without FILE
  dkim keygen DOMAIN [--selector S] [--type rsa|ed25519]
                                           DKIM signing keys (RSA and Ed25519 unless --type);
                                           prints the DNS record to publish
  dkim list [DOMAIN] | dkim activate DOMAIN SELECTOR | dkim remove DOMAIN SELECTOR
  check                                    is the configuration ready to start?
  backup FILE                              consistent copy of the store (daemons may run)
  migrate --to URL [--password-file FILE]  copy the SQLite store into an empty PostgreSQL
                                           database and verify it (stop the daemons first)
  autoconfig DOMAIN                        Thunderbird's config-v1.1.xml for this server
  sendmail [-t] [-i] [-f SENDER] [RCPT]... a message from stdin, like sendmail(8)
  queue list | queue show ID | queue retry ID|--all | queue delete ID | queue bounce ID
                                           the outbound queue; bounce ends delivery with a
                                           DSN to the sender (sent by the running mta)
)";

// The first word that is neither a global option nor its value.
std::string FindCommand(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-c" || arg == "--config" || arg == "-s" || arg == "--set") {
      ++i;
      continue;
    }
    if (!arg.empty() && arg[0] == '-') continue;
    return arg;
  }
  return "";
}

}  // namespace

int Main(int argc, char** argv) {
  // Installed as /usr/sbin/sendmail (a link to this program), it is sendmail(8).
  std::string self = argv[0];
  if (self.substr(self.rfind('/') + 1).rfind("sendmail", 0) == 0)  // also "sendmail.mailsuite"
    return RunSendmailCommand(argc, argv);
  std::string command = FindCommand(argc, argv);
  if (command == "init") return RunInitCommand(argc, argv);
  if (command == "config") return RunConfigCommand(argc, argv);
  if (command == "sendmail") return RunSendmailCommand(argc, argv);
  if (command == "dkim") return RunDkimCommand(argc, argv);
  if (command == "migrate") return RunMigrateCommand(argc, argv);

  cxxopts::Options cli("mailsuite", "mailsuite administration");
  cli.add_options()("c,config", "configuration file",
                    cxxopts::value<std::string>()->default_value("/etc/mailsuite/mailsuite.conf"))(
      "s,set", "override a configuration key (section.key=value)",
      cxxopts::value<std::vector<std::string>>())("h,help", "show this help")(
      "words", "command and arguments", cxxopts::value<std::vector<std::string>>());
  cli.parse_positional({"words"});

  GlobalOptions options;
  std::vector<std::string> words;
  try {
    cxxopts::ParseResult args = cli.parse(argc, argv);
    if (args.count("help")) {
      std::cout << kUsage;
      return kExitOk;
    }
    options.config_path = args["config"].as<std::string>();
    if (args.count("set")) options.overrides = args["set"].as<std::vector<std::string>>();
    if (args.count("words")) words = args["words"].as<std::vector<std::string>>();
  } catch (const cxxopts::exceptions::exception& e) {
    return UsageError(e.what());
  }
  if (words.empty()) {
    std::cerr << kUsage;
    return kExitUsage;
  }
  // As the daemons do: an unknown key or a bad value is an error for every command.
  if (Status s = CheckOverrides(options.overrides); !s) {
    std::cerr << "mailsuite: " << s.message() << "\n";
    return kExitUsage;
  }
  std::vector<std::string> rest(words.begin() + 1, words.end());
  if (words[0] == "domain") return RunDomainCommand(options, rest);
  if (words[0] == "user") return RunUserCommand(options, rest);
  if (words[0] == "alias") return RunAliasCommand(options, rest);
  if (words[0] == "mailbox") return RunMailboxCommand(options, rest);
  if (words[0] == "sieve") return RunSieveCommand(options, rest);
  if (words[0] == "queue") return RunQueueCommand(options, rest);
  if (words[0] == "check") return RunCheckCommand(options, rest);
  if (words[0] == "backup") return RunBackupCommand(options, rest);
  if (words[0] == "autoconfig") return RunAutoconfigCommand(options, rest);
  return UsageError("unknown command '" + words[0] + "'");
}

}  // namespace mailsuite::cli

int main(int argc, char** argv) { return mailsuite::cli::Main(argc, argv); }
