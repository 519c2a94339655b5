// SuiteFixture: the C++ twin of mailsuite_fixture.py for GoogleTest end-to-end tests. It makes a
// temporary directory and config with the real `mailsuite` CLI (every port 127.0.0.1:0),
// provisions users through the CLI, starts the real daemons, reads their bound ports from
// server.ports_file, and stops them with SIGTERM in Stop() or the destructor.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace mailsuite::testing {

struct SuiteOptions {
  std::vector<std::string> domains{"example.test"};
  std::map<std::string, std::string> users;  // address -> password
  std::vector<std::string> daemons{"mta", "pop3d", "imapd"};
  std::map<std::string, std::string> settings;  // section.key -> value
};

class SuiteFixture {
 public:
  explicit SuiteFixture(SuiteOptions options);
  ~SuiteFixture();
  SuiteFixture(const SuiteFixture&) = delete;
  SuiteFixture& operator=(const SuiteFixture&) = delete;

  // Creates everything and starts the daemons; false (with error()) if anything failed.
  bool Start();
  // Port of a listener ("smtp", "submission", "imaps", …); 0 if unknown.
  int Port(const std::string& listener) const;
  // Runs `mailsuite --config <tmp> args...` with `input` on stdin; returns the exit code and
  // collects standard output and error into `output`.
  int Cli(const std::vector<std::string>& args, const std::string& input = "",
          std::string* output = nullptr) const;
  // Sends SIGTERM to a daemon and returns its exit status (-1 if it did not stop in time).
  int StopDaemon(const std::string& name);
  void Stop();

  const std::string& dir() const { return dir_; }
  const std::string& config() const { return config_; }
  const std::string& error() const { return error_; }
  std::string Log(const std::string& daemon) const;

 private:
  bool StartDaemon(const std::string& name);

  SuiteOptions options_;
  std::string dir_;
  // With MAILSUITE_TEST_PG_URL, the PostgreSQL database (in that test cluster) holding the
  // store instead of a SQLite file; dropped with the fixture.
  std::string pg_database_, pg_url_;
  std::string config_;
  std::string error_;
  std::map<std::string, pid_t> pids_;
  std::map<std::string, int> ports_;
};

// A blocking loopback client with line reads, for wire-level assertions.
class LineClient {
 public:
  explicit LineClient(int port);
  ~LineClient();
  bool connected() const { return fd_ >= 0; }
  bool Send(const std::string& data);
  // One line without CRLF; "<closed>" at end of stream, "<timeout>" after 10 s.
  std::string ReadLine();

 private:
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace mailsuite::testing
