#include "suite_fixture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace mailsuite::testing {
namespace fs = std::filesystem;

namespace {

const std::map<std::string, std::vector<std::string>> kListenKeys = {
    {"mta", {"smtp.listen", "smtp.submission_listen", "smtp.submissions_listen"}},
    {"pop3d", {"pop3.listen", "pop3.tls_listen"}},
    {"imapd", {"imap.listen", "imap.tls_listen", "imap.managesieve_listen"}},
};

std::string BuildDir() { return MAILSUITE_BUILD_DIR; }

std::string Binary(const std::string& daemon) {
  return BuildDir() + "/" + daemon + "/mailsuite-" + daemon;
}

// Spawns argv with stdin from `input_file` (or /dev/null) and stdout+stderr to `output_file`.
pid_t Spawn(const std::vector<std::string>& argv, const std::string& input_file,
            const std::string& output_file) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(
      &actions, 0, input_file.empty() ? "/dev/null" : input_file.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, output_file.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

}  // namespace

namespace {

const char* PostgresBaseUrl() {
  const char* url = std::getenv("MAILSUITE_TEST_PG_URL");
  return url && *url ? url : nullptr;
}

bool Psql(const std::string& url, const std::string& sql) {
  std::string command = "psql -X -q -v ON_ERROR_STOP=1 '" + url + "' -c '" + sql + "' >/dev/null";
  return std::system(command.c_str()) == 0;
}

}  // namespace

SuiteFixture::SuiteFixture(SuiteOptions options) : options_(std::move(options)) {
  char tmpl[] = "/tmp/mailsuite-e2e-XXXXXX";
  dir_ = ::mkdtemp(tmpl) ? tmpl : "";
  config_ = dir_ + "/mailsuite.conf";
  if (const char* base = PostgresBaseUrl()) {
    pg_database_ = "e2e_" + fs::path(dir_).filename().string();
    for (char& c : pg_database_)  // an unquoted SQL name: lower-case letters, digits, '_'
      c = std::isalnum(static_cast<unsigned char>(c))
              ? static_cast<char>(std::tolower(static_cast<unsigned char>(c)))
              : '_';
    pg_url_ = base;
    pg_url_.replace(pg_url_.find("/postgres?"), 10, "/" + pg_database_ + "?");
  }
}

SuiteFixture::~SuiteFixture() {
  Stop();
  if (!pg_database_.empty())
    Psql(PostgresBaseUrl(), "DROP DATABASE IF EXISTS " + pg_database_ + " WITH (FORCE)");
  if (!dir_.empty() && !std::getenv("MAILSUITE_KEEP_E2E_DIR")) fs::remove_all(dir_);
}

int SuiteFixture::Cli(const std::vector<std::string>& args, const std::string& input,
                      std::string* output) const {
  std::string in_file = dir_ + "/cli.in", out_file = dir_ + "/cli.out";
  std::ofstream(in_file, std::ios::trunc) << input;
  fs::remove(out_file);
  std::vector<std::string> argv = {BuildDir() + "/store/mailsuite", "--config", config_};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_t pid = Spawn(argv, in_file, out_file);
  if (pid < 0) return -1;
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (output) *output = ReadFile(out_file);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool SuiteFixture::Start() {
  if (dir_.empty()) {
    error_ = "cannot create a temporary directory";
    return false;
  }
  std::map<std::string, std::string> sets = {{"store.path", "mailsuite.db"},
                                             {"tls.certificate", "cert.pem"},
                                             {"tls.private_key", "key.pem"},
                                             {"general.hostname", "mail.example.test"},
                                             {"auth.failure_delay_ms", "100"},
                                             {"log.level", "debug"},
                                             // Cheap password hashes, as in mailsuite_fixture.py.
                                             {"auth.hash_iterations", "1"},
                                             {"auth.hash_memory_kib", "64"}};
  for (const auto& [daemon, keys] : kListenKeys)
    for (const auto& k : keys) sets[k] = "127.0.0.1:0";
  if (!pg_database_.empty()) {
    if (!Psql(PostgresBaseUrl(), "CREATE DATABASE " + pg_database_)) {
      error_ = "cannot create PostgreSQL database " + pg_database_;
      return false;
    }
    sets["store.backend"] = "postgresql";
    sets["store.url"] = pg_url_;
  }
  for (const auto& [k, v] : options_.settings) sets[k] = v;
  std::vector<std::string> init = {"init"};
  for (const auto& [k, v] : sets) {
    init.push_back("--set");
    init.push_back(k + "=" + v);
  }
  std::string out;
  if (Cli(init, "", &out) != 0) {
    error_ = "init failed: " + out;
    return false;
  }
  for (const auto& d : options_.domains)
    if (Cli({"domain", "add", d}, "", &out) != 0) {
      error_ = "domain add failed: " + out;
      return false;
    }
  for (const auto& [address, password] : options_.users)
    if (Cli({"user", "add", address}, password + "\n", &out) != 0) {
      error_ = "user add failed: " + out;
      return false;
    }
  for (const auto& d : options_.daemons)
    if (!StartDaemon(d)) return false;
  return true;
}

bool SuiteFixture::StartDaemon(const std::string& name) {
  std::string ports_file = dir_ + "/" + name + ".ports";
  fs::remove(ports_file);
  pid_t pid = Spawn({Binary(name), "--config", config_, "--set", "server.ports_file=" + ports_file},
                    "", dir_ + "/" + name + ".log");
  if (pid < 0) {
    error_ = "cannot start " + name;
    return false;
  }
  pids_[name] = pid;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!fs::exists(ports_file)) {
    int status;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      pids_.erase(name);
      error_ = name + " exited early: " + Log(name);
      return false;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      error_ = name + " did not start: " + Log(name);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::istringstream in(ReadFile(ports_file));
  std::string listener, endpoint;
  while (in >> listener >> endpoint)
    ports_[listener] = std::stoi(endpoint.substr(endpoint.rfind(':') + 1));
  return true;
}

int SuiteFixture::Port(const std::string& listener) const {
  auto it = ports_.find(listener);
  return it == ports_.end() ? 0 : it->second;
}

int SuiteFixture::StopDaemon(const std::string& name) {
  auto it = pids_.find(name);
  if (it == pids_.end()) return -1;
  pid_t pid = it->second;
  pids_.erase(it);
  ::kill(pid, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) != pid) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void SuiteFixture::Stop() {
  while (!pids_.empty()) StopDaemon(pids_.begin()->first);
}

std::string SuiteFixture::Log(const std::string& daemon) const {
  return ReadFile(dir_ + "/" + daemon + ".log");
}

LineClient::LineClient(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

LineClient::~LineClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool LineClient::Send(const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

std::string LineClient::ReadLine() {
  for (;;) {
    size_t pos = buffer_.find("\r\n");
    if (pos != std::string::npos) {
      std::string line = buffer_.substr(0, pos);
      buffer_.erase(0, pos + 2);
      return line;
    }
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) return "<timeout>";
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return "<closed>";
    buffer_.append(buf, static_cast<size_t>(n));
  }
}

}  // namespace mailsuite::testing
