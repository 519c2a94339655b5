// What the admin CLI's command families share: the global options, opening the configured
// store (never creating it: that is `mailsuite init`), reading a new password, and the one-line
// error/usage reporting with exit codes 1 (error) and 2 (usage).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "shared/result.h"
#include "store/store.h"

namespace mailsuite::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;

struct GlobalOptions {
  std::string config_path = "/etc/mailsuite/mailsuite.conf";
  std::vector<std::string> overrides;  // "section.key=value"
};

// Prints "mailsuite: MESSAGE" to stderr and returns kExitError.
int Fail(const std::string& message);
// The same with a subject: "mailsuite: user bob@x: domain x does not exist". When the message
// already starts with the subject, it is not repeated.
int Fail(const std::string& subject, const std::string& message);
// Prints "mailsuite: MESSAGE" and a hint to stderr and returns kExitUsage.
int UsageError(const std::string& message);

// Loads the configuration and opens the existing database it names.
Result<std::unique_ptr<store::Store>> OpenConfiguredStore(const GlobalOptions& options);

// Reads a new password: from the terminal without echo, asked twice, when stdin is a terminal;
// otherwise one line from stdin. Never empty.
Result<std::string> ReadNewPassword();

// The command families; `words` are the words after the family name ("add", "bob@x", ...).
int RunDomainCommand(const GlobalOptions& options, const std::vector<std::string>& words);
int RunUserCommand(const GlobalOptions& options, const std::vector<std::string>& words);
// user quota ADDRESS ...: `words` start at the address.
int RunQuotaCommand(const GlobalOptions& options, const std::vector<std::string>& words);
int RunSieveCommand(const GlobalOptions& options, const std::vector<std::string>& words);
int RunAliasCommand(const GlobalOptions& options, const std::vector<std::string>& words);
int RunMailboxCommand(const GlobalOptions& options, const std::vector<std::string>& words);
int RunQueueCommand(const GlobalOptions& options, const std::vector<std::string>& words);
int RunCheckCommand(const GlobalOptions& options, const std::vector<std::string>& words);
int RunBackupCommand(const GlobalOptions& options, const std::vector<std::string>& words);
int RunSendmailCommand(int argc, char** argv);
int RunMigrateCommand(int argc, char** argv);
int RunAutoconfigCommand(const GlobalOptions& options, const std::vector<std::string>& words);

}  // namespace mailsuite::cli
