// Shared pieces of the admin CLI; see cli_common.h.
#include "cli_common.h"

#include "shared/auth/password.h"

#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include <iostream>

#include "shared/config.h"

namespace mailsuite::cli {
namespace {

bool StartsWithIgnoreCase(const std::string& text, const std::string& prefix) {
  return text.size() >= prefix.size() &&
         strncasecmp(text.c_str(), prefix.c_str(), prefix.size()) == 0;
}

// Reads one line from the terminal on fd 0 with echo off; restores the terminal after.
Result<std::string> ReadHiddenLine(const char* prompt) {
  std::cerr << prompt << std::flush;
  termios old_mode{};
  bool restore = tcgetattr(STDIN_FILENO, &old_mode) == 0;
  if (restore) {
    termios quiet = old_mode;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  bool got = static_cast<bool>(std::getline(std::cin, line));
  if (restore) tcsetattr(STDIN_FILENO, TCSAFLUSH, &old_mode);
  if (!got) return Status::Error("no password given");
  return line;
}

}  // namespace

int Fail(const std::string& message) {
  std::cerr << "mailsuite: " << message << "\n";
  return kExitError;
}

int Fail(const std::string& subject, const std::string& message) {
  if (StartsWithIgnoreCase(message, subject)) return Fail(message);
  return Fail(subject + ": " + message);
}

int UsageError(const std::string& message) {
  std::cerr << "mailsuite: " << message << " (see mailsuite --help)\n";
  return kExitUsage;
}

Result<std::unique_ptr<store::Store>> OpenConfiguredStore(const GlobalOptions& options) {
  Result<Config> config = LoadConfig(options.config_path, options.overrides);
  if (!config.ok()) return config.status();
  auth::SetPasswordCost(config->auth);
  return store::OpenStore(config->store, /*create_if_missing=*/false);
}

Result<std::string> ReadNewPassword() {
  std::string password;
  if (isatty(STDIN_FILENO)) {
    Result<std::string> first = ReadHiddenLine("Password: ");
    if (!first.ok()) return first.status();
    Result<std::string> second = ReadHiddenLine("Retype password: ");
    if (!second.ok()) return second.status();
    if (*first != *second) return Status::Error("passwords do not match");
    password = *first;
  } else if (!std::getline(std::cin, password)) {
    return Status::Error("no password on standard input");
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.empty()) return Status::Error("empty password");
  return password;
}

}  // namespace mailsuite::cli
