// mailsuite dkim keygen DOMAIN [--selector S] [--type rsa|ed25519] | list [DOMAIN] |
//                activate DOMAIN SELECTOR | remove DOMAIN SELECTOR
// The signing keys of shared/mail/dkim_keys.h under dkim.key_dir. keygen makes both an RSA and an
// Ed25519 key unless --type says one; a domain's first key of a type signs at once, a later one
// waits on standby until `activate` (after its DNS record is published). Each change ends with
// the record to publish and a reminder to reload mailsuite-mta (SIGHUP).
#include <ctime>
#include <iostream>

#include "shared/cli_options.h"

#include "cli_common.h"
#include "dkim_records.h"
#include "shared/config.h"
#include "shared/mail/address.h"
#include "shared/mail/dkim_keys.h"

namespace mailsuite::cli {
namespace {

using mail::DkimKey;
using mail::DkimKeyType;

constexpr const char kUsage[] =
    "usage: dkim keygen DOMAIN [--selector S] [--type rsa|ed25519] | dkim list [DOMAIN] |\n"
    "       dkim activate DOMAIN SELECTOR | dkim remove DOMAIN SELECTOR";
constexpr const char kReload[] =
    "reload mailsuite-mta (systemctl reload mailsuite-mta, or kill -HUP its pid) to sign with "
    "the keys as they are now\n";

int Keygen(const Config& config, store::Store& store, const std::string& domain_in,
           std::string selector, const std::string& type) {
  std::string domain = mail::ToLower(domain_in);
  auto local = store.DomainExists(domain);
  if (!local) return Fail(local.error());
  if (!*local)
    return Fail("dkim", domain + " is not a local domain (mailsuite domain add " + domain + ")");
  std::vector<DkimKeyType> types;
  if (type.empty() || type == "rsa") types.push_back(DkimKeyType::kRsa);
  if (type.empty() || type == "ed25519") types.push_back(DkimKeyType::kEd25519);
  if (types.empty()) return UsageError("--type is rsa or ed25519");
  if (types.size() == 2 && !selector.empty())
    return UsageError(
        "--selector names one key: give --type too (an RSA and an Ed25519 key "
        "need a selector each)");
  auto existing = mail::ListDkimKeys(config.dkim.key_dir);
  if (!existing) return Fail(existing.error());
  for (DkimKeyType t : types) {
    std::string name = selector.empty() ? DefaultDkimSelector(t) : selector;
    bool has_active = false;
    for (const DkimKey& k : *existing)
      has_active = has_active || (k.domain == domain && k.type == t && k.active);
    auto key = mail::GenerateDkimKey(config.dkim.key_dir, domain, name, t, !has_active);
    if (!key) return Fail("dkim", key.error());
    std::cout << "created " << mail::DkimKeyTypeName(t) << " key " << key->path
              << (key->active ? " (signs)"
                              : " (standby: `mailsuite dkim activate " + domain + " " + name +
                                    "` once its record is published)")
              << "\n";
    auto record = RenderDkimRecord(*key);
    if (!record) return Fail(record.error());
    std::cout << "  publish: " << *record << "\n";
  }
  if (Status s = mail::ChownDkimKeys(config.dkim.key_dir, config.server.user, config.server.group);
      !s)
    return Fail("dkim", s.message());
  std::cout << kReload;
  return kExitOk;
}

int List(const Config& config, const std::string& only) {
  std::vector<std::string> problems;
  auto keys = mail::ListDkimKeys(config.dkim.key_dir, &problems);
  if (!keys) return Fail(keys.error());
  for (const std::string& p : problems) std::cerr << "mailsuite: " << p << "\n";
  for (const DkimKey& k : *keys) {
    if (!only.empty() && k.domain != mail::ToLower(only)) continue;
    std::cout << k.domain << "  " << k.selector << "  " << mail::DkimKeyTypeName(k.type) << "  "
              << (k.active ? "signs" : "standby") << "  " << k.path << "\n";
    auto record = RenderDkimRecord(k);
    std::cout << "  " << (record ? *record : record.error()) << "\n";
  }
  return problems.empty() ? kExitOk : kExitError;
}

}  // namespace

int RunDkimCommand(int argc, char** argv) {
  cxxopts::Options cli("mailsuite dkim", "DKIM signing keys");
  cli.add_options()("c,config", "configuration file",
                    cxxopts::value<std::string>()->default_value("/etc/mailsuite/mailsuite.conf"))(
      "s,set", "override a configuration key", cxxopts::value<std::vector<std::string>>())(
      "selector", "selector of the new key", cxxopts::value<std::string>()->default_value(""))(
      "type", "rsa or ed25519 (default: both)", cxxopts::value<std::string>()->default_value(""))(
      "words", "", cxxopts::value<std::vector<std::string>>());
  cli.parse_positional({"words"});
  GlobalOptions options;
  std::vector<std::string> words;
  std::string selector, type;
  try {
    auto args = cli.parse(argc, argv);
    options.config_path = args["config"].as<std::string>();
    if (args.count("set")) options.overrides = args["set"].as<std::vector<std::string>>();
    if (args.count("words")) words = args["words"].as<std::vector<std::string>>();
    selector = args["selector"].as<std::string>();
    type = args["type"].as<std::string>();
  } catch (const cxxopts::exceptions::exception& e) {
    return UsageError(e.what());
  }
  if (!words.empty() && words[0] == "dkim") words.erase(words.begin());
  if (Status s = CheckOverrides(options.overrides); !s) return UsageError(s.message());
  std::string verb = words.empty() ? "" : words[0];
  bool fits = (verb == "keygen" && words.size() == 2) || (verb == "list" && words.size() <= 2) ||
              ((verb == "activate" || verb == "remove") && words.size() == 3);
  if (!fits) return UsageError(kUsage);
  auto config = LoadConfig(options.config_path, options.overrides);
  if (!config) return Fail(config.error());

  if (verb == "list") return List(*config, words.size() == 2 ? words[1] : "");
  if (verb == "keygen") {
    auto store = OpenConfiguredStore(options);
    if (!store) return Fail(store.error());
    return Keygen(*config, **store, words[1], selector, type);
  }
  if (verb == "activate") {
    auto changed = mail::ActivateDkimKey(config->dkim.key_dir, words[1], words[2]);
    if (!changed) return Fail("dkim", changed.error());
    for (const DkimKey& k : *changed)
      std::cout << k.domain << " " << k.selector << " (" << mail::DkimKeyTypeName(k.type)
                << "): " << (k.active ? "signs" : "standby") << "\n";
  } else {
    if (Status s = mail::RemoveDkimKey(config->dkim.key_dir, words[1], words[2]); !s)
      return Fail("dkim", s.message());
    std::cout << "removed " << words[2] << " of " << mail::ToLower(words[1])
              << " (its DNS record may go once no mail signed with it is in transit)\n";
  }
  std::cout << kReload;
  return kExitOk;
}

}  // namespace mailsuite::cli
