#include "init_command.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "shared/cli_options.h"

#include "cli_common.h"
#include "dkim_records.h"
#include "shared/auth/password.h"
#include "shared/config.h"
#include "shared/mail/dkim_keys.h"
#include "shared/tls.h"
#include "store/store.h"

namespace mailsuite::cli {

int RunInitCommand(int argc, char** argv) {
  cxxopts::Options cli("mailsuite init", "create a configuration, database and certificate");
  cli.add_options()("c,config", "configuration file",
                    cxxopts::value<std::string>()->default_value("/etc/mailsuite/mailsuite.conf"))(
      "s,set", "section.key=value to write into a new configuration",
      cxxopts::value<std::vector<std::string>>())("hostname", "this host's name",
                                                  cxxopts::value<std::string>())(
      "domain", "first mail domain to create", cxxopts::value<std::string>())(
      "user", "first user to create (password asked, or one line on stdin)",
      cxxopts::value<std::string>());
  std::string path;
  std::vector<std::string> values;
  std::string domain;
  std::string user;
  try {
    auto args = cli.parse(argc, argv);
    path = args["config"].as<std::string>();
    if (args.count("set")) values = args["set"].as<std::vector<std::string>>();
    if (args.count("hostname"))
      values.push_back("general.hostname=" + args["hostname"].as<std::string>());
    if (args.count("domain")) domain = args["domain"].as<std::string>();
    if (args.count("user")) user = args["user"].as<std::string>();
  } catch (const cxxopts::exceptions::exception& e) {
    std::cerr << "mailsuite init: " << e.what() << "\n";
    return 2;
  }

  // Refused as a daemon would refuse them, whether or not a file is written: a key that is
  // dropped silently is a setting the user believes in and does not have.
  if (Status s = CheckOverrides(values); !s) {
    std::cerr << "mailsuite init: " << s.message() << "\n";
    return kExitUsage;
  }
  namespace fs = std::filesystem;
  if (fs::exists(path) && !values.empty())
    std::cerr << "mailsuite init: " << path
              << " exists and is kept as it is: --set/--hostname values are not written into "
                 "it (edit the file, or pass --set to each daemon)\n";
  if (!fs::exists(path)) {
    // Validate what we are about to write before writing it.
    std::string text = RenderConfig(values);
    auto check = ParseConfig(text, path, fs::absolute(path).parent_path().string(), {});
    if (!check) return Fail(check.error());
    std::error_code ec;
    fs::create_directories(fs::absolute(path).parent_path(), ec);
    std::ofstream out(path);
    if (!(out << text).flush()) return Fail(path + ": cannot write");
    std::cout << "wrote " << path << "\n";
  }
  auto config = LoadConfig(path, {});
  if (!config) return Fail(config.error());
  auth::SetPasswordCost(config->auth);

  const bool sqlite = config->store.backend != "postgresql";
  std::error_code ec;
  if (sqlite) fs::create_directories(fs::path(config->store.path).parent_path(), ec);
  bool had_db = sqlite && fs::exists(config->store.path);
  auto store = store::OpenStore(config->store, /*create_if_missing=*/true);
  if (!store) return Fail(store.error());
  if (!sqlite)
    std::cout << "tables ready in " << store::DescribeStore(config->store) << "\n";
  else if (!had_db)
    std::cout << "created " << store::DescribeStore(config->store) << "\n";

  const TlsConfig& tls = config->tls;
  if (!tls.certificate.empty() && !fs::exists(tls.certificate)) {
    if (fs::exists(tls.private_key))
      return Fail(tls.certificate + " is missing but " + tls.private_key +
                  " exists; refusing to overwrite a key");
    Status s =
        WriteSelfSignedCertificate(config->general.hostname, tls.certificate, tls.private_key);
    if (!s) return Fail(s.message());
    std::cout << "created a self-signed certificate for " << config->general.hostname << " in "
              << tls.certificate << "\n";
  }

  if (!domain.empty()) {
    auto exists = (*store)->DomainExists(domain);
    if (!exists) return Fail(exists.error());
    if (!*exists) {
      Status s = (*store)->AddDomain(domain);
      if (!s) return Fail("domain " + domain + ": " + s.message());
      std::cout << "added domain " << domain << "\n";
      // Signing keys from the start: mail from a new server without DKIM is spam to the big
      // mailbox providers. The first key of each type signs at once.
      for (auto type : {mail::DkimKeyType::kRsa, mail::DkimKeyType::kEd25519}) {
        std::string selector = DefaultDkimSelector(type);
        auto key = mail::GenerateDkimKey(config->dkim.key_dir, domain, selector, type, true);
        if (!key) return Fail("dkim", key.error());
        std::cout << "created DKIM " << mail::DkimKeyTypeName(type) << " key " << key->path << "\n";
      }
      if (Status s =
              mail::ChownDkimKeys(config->dkim.key_dir, config->server.user, config->server.group);
          !s)
        return Fail("dkim", s.message());
      std::cout << RenderDnsAdvice(*config, domain);
      // Thunderbird's autoconfig file, ready to publish.
      std::string xml_path =
          (fs::absolute(path).parent_path() / ("autoconfig-" + domain + ".xml")).string();
      std::ofstream(xml_path) << RenderAutoconfig(*config, domain);
      std::cout << "wrote " << xml_path
                << " (serve it as /mail/config-v1.1.xml and /.well-known/autoconfig/mail/"
                   "config-v1.1.xml)\n";
    }
  }
  if (!user.empty()) {
    auto found = (*store)->FindUser(user);
    if (!found) return Fail(found.error());
    if (!found->has_value()) {
      auto password = ReadNewPassword();
      if (!password) return Fail(password.error());
      auto added = (*store)->AddUser(user, auth::HashPassword(*password));
      if (!added) return Fail("user " + user + ": " + added.error());
      std::cout << "added user " << added->address << "\n";
    }
  }
  return 0;
}

int RunConfigCommand(int argc, char** argv) {
  // `mailsuite [--set k=v]... config sample`: the sample with those values in place.
  std::vector<std::string> values;
  bool sample = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if ((arg == "-s" || arg == "--set") && i + 1 < argc)
      values.push_back(argv[++i]);
    else if (arg.rfind("--set=", 0) == 0)
      values.push_back(arg.substr(6));
    else if (arg == "-c" || arg == "--config")
      ++i;
    else if (arg == "sample")
      sample = true;
  }
  if (!sample) {
    std::cerr << "usage: mailsuite [--set section.key=value]... config sample\n";
    return kExitUsage;
  }
  if (Status s = CheckOverrides(values); !s) {
    std::cerr << "mailsuite config: " << s.message() << "\n";
    return kExitUsage;
  }
  std::cout << RenderConfig(values);
  return kExitOk;
}

}  // namespace mailsuite::cli
