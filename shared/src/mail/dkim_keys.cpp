#include "shared/mail/dkim_keys.h"

#include <fcntl.h>
#include <grp.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <sstream>

#include <Poco/Base64Encoder.h>

#include "shared/mail/address.h"

namespace mailsuite::mail {
namespace fs = std::filesystem;
namespace {

constexpr const char kActiveSuffix[] = ".key";
constexpr const char kStandbySuffix[] = ".key.standby";

using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

PkeyPtr ReadKey(const std::string& path) {
  PkeyPtr key(nullptr, EVP_PKEY_free);
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return key;
  key.reset(PEM_read_PrivateKey(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  return key;
}

bool TypeOf(const EVP_PKEY* key, DkimKeyType& type) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      type = DkimKeyType::kRsa;
      return true;
    case EVP_PKEY_ED25519:
      type = DkimKeyType::kEd25519;
      return true;
    default:
      return false;
  }
}

bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() > tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::string Base64(const unsigned char* data, size_t size) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  encoder.close();
  return out.str();
}

Status CheckNames(const std::string& domain, const std::string& selector) {
  if (!IsValidDomain(domain, false) || domain.find('/') != std::string::npos)
    return Status::Error("'" + domain + "' is not a domain name");
  if (!IsValidDkimSelector(selector))
    return Status::Error("'" + selector + "' is not a selector (one label: letters, digits, '-')");
  return Status::Ok();
}

}  // namespace

const char* DkimKeyTypeName(DkimKeyType type) {
  return type == DkimKeyType::kRsa ? "rsa" : "ed25519";
}

bool IsValidDkimSelector(const std::string& s) {
  if (s.empty() || s.size() > 63 || s.front() == '-' || s.back() == '-') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}

Result<std::vector<DkimKey>> ListDkimKeys(const std::string& key_dir,
                                          std::vector<std::string>* problems) {
  std::vector<DkimKey> keys;
  std::error_code ec;
  if (!fs::exists(key_dir, ec)) return keys;
  fs::directory_iterator domains(key_dir, ec);
  if (ec) return Status::Error(key_dir + ": " + ec.message());
  for (const fs::directory_entry& d : domains) {
    if (!d.is_directory(ec)) continue;
    std::string domain = ToLower(d.path().filename().string());
    fs::directory_iterator files(d.path(), ec);
    if (ec) return Status::Error(d.path().string() + ": " + ec.message());
    for (const fs::directory_entry& f : files) {
      std::string name = f.path().filename().string();
      DkimKey key;
      key.domain = domain;
      key.path = f.path().string();
      if (EndsWith(name, kStandbySuffix)) {
        key.selector = name.substr(0, name.size() - sizeof kStandbySuffix + 1);
      } else if (EndsWith(name, kActiveSuffix)) {
        key.selector = name.substr(0, name.size() - sizeof kActiveSuffix + 1);
        key.active = true;
      } else {
        continue;
      }
      PkeyPtr pkey = ReadKey(key.path);
      if (!pkey || !TypeOf(pkey.get(), key.type) || !IsValidDkimSelector(key.selector)) {
        if (problems) problems->push_back(key.path + ": not a readable RSA or Ed25519 PEM key");
        continue;
      }
      keys.push_back(std::move(key));
    }
  }
  std::sort(keys.begin(), keys.end(), [](const DkimKey& a, const DkimKey& b) {
    return std::tie(a.domain, a.selector) < std::tie(b.domain, b.selector);
  });
  return keys;
}

Result<DkimKey> GenerateDkimKey(const std::string& key_dir, const std::string& domain_in,
                                const std::string& selector, DkimKeyType type, bool active) {
  std::string domain = ToLower(domain_in);
  if (Status s = CheckNames(domain, selector); !s) return s;
  fs::path folder = fs::path(key_dir) / domain;
  std::error_code ec;
  for (const char* suffix : {kActiveSuffix, kStandbySuffix})  // active or not, never replaced
    if (fs::exists(folder / (selector + suffix), ec))
      return Status::Error("selector " + selector + " of " + domain +
                           " exists: " + (folder / (selector + suffix)).string());
  PkeyPtr key(type == DkimKeyType::kRsa ? EVP_RSA_gen(2048)
                                        : EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"),
              EVP_PKEY_free);
  if (!key) return Status::Error("cannot generate the key");

  fs::create_directories(folder, ec);
  if (ec) return Status::Error(folder.string() + ": " + ec.message());
  fs::permissions(key_dir, fs::perms::owner_all, ec);
  fs::permissions(folder, fs::perms::owner_all, ec);

  DkimKey out{domain, selector, type, active,
              (folder / (selector + (active ? kActiveSuffix : kStandbySuffix))).string()};
  int fd = ::open(out.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Error(out.path + ": cannot create");
  FILE* f = ::fdopen(fd, "w");
  bool written = f && PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  written = f && std::fflush(f) == 0 && ::fsync(fd) == 0 && written;
  if (f)
    std::fclose(f);
  else
    ::close(fd);
  if (!written) {
    fs::remove(out.path, ec);
    return Status::Error(out.path + ": cannot write the key");
  }
  return out;
}

Result<std::vector<DkimKey>> ActivateDkimKey(const std::string& key_dir,
                                             const std::string& domain_in,
                                             const std::string& selector) {
  std::string domain = ToLower(domain_in);
  if (Status s = CheckNames(domain, selector); !s) return s;
  auto keys = ListDkimKeys(key_dir);
  if (!keys) return keys.status();
  auto chosen = std::find_if(keys->begin(), keys->end(), [&](const DkimKey& k) {
    return k.domain == domain && k.selector == selector;
  });
  if (chosen == keys->end())
    return Status::Error("no key with selector " + selector + " for " + domain);
  std::vector<DkimKey> changed;
  auto move_to = [&](DkimKey k, bool active) -> Status {
    fs::path folder = fs::path(k.path).parent_path();
    std::string to = (folder / (k.selector + (active ? kActiveSuffix : kStandbySuffix))).string();
    std::error_code ec;
    fs::rename(k.path, to, ec);
    if (ec) return Status::Error(k.path + ": " + ec.message());
    k.path = to;
    k.active = active;
    changed.push_back(std::move(k));
    return Status::Ok();
  };
  // The new key signs before the old one stops: a message signed in between carries both.
  if (!chosen->active)
    if (Status s = move_to(*chosen, true); !s) return s;
  for (const DkimKey& k : *keys)
    if (k.domain == domain && k.selector != selector && k.type == chosen->type && k.active)
      if (Status s = move_to(k, false); !s) return s;
  return changed;
}

Status RemoveDkimKey(const std::string& key_dir, const std::string& domain_in,
                     const std::string& selector) {
  std::string domain = ToLower(domain_in);
  if (Status s = CheckNames(domain, selector); !s) return s;
  auto keys = ListDkimKeys(key_dir);
  if (!keys) return keys.status();
  for (const DkimKey& k : *keys) {
    if (k.domain != domain || k.selector != selector) continue;
    std::error_code ec;
    if (!fs::remove(k.path, ec)) return Status::Error(k.path + ": " + ec.message());
    return Status::Ok();
  }
  return Status::Error("no key with selector " + selector + " for " + domain);
}

Status ChownDkimKeys(const std::string& key_dir, const std::string& user,
                     const std::string& group) {
  if (::geteuid() != 0 || user.empty()) return Status::Ok();
  const passwd* pw = ::getpwnam(user.c_str());
  if (!pw) return Status::Error("no such user: " + user);
  gid_t gid = pw->pw_gid;
  if (!group.empty()) {
    const struct group* gr = ::getgrnam(group.c_str());
    if (!gr) return Status::Error("no such group: " + group);
    gid = gr->gr_gid;
  }
  std::error_code ec;
  if (::chown(key_dir.c_str(), pw->pw_uid, gid) != 0)
    return Status::Error(key_dir + ": cannot change the owner");
  for (const fs::directory_entry& e : fs::recursive_directory_iterator(key_dir, ec))
    if (::lchown(e.path().c_str(), pw->pw_uid, gid) != 0)
      return Status::Error(e.path().string() + ": cannot change the owner");
  if (ec) return Status::Error(key_dir + ": " + ec.message());
  return Status::Ok();
}

Result<std::string> DkimDnsRecord(const DkimKey& key) {
  PkeyPtr pkey = ReadKey(key.path);
  if (!pkey) return Status::Error(key.path + ": cannot read the key");
  std::string p;
  if (key.type == DkimKeyType::kRsa) {
    // RFC 6376 3.6.1: p= is the base64 of the DER SubjectPublicKeyInfo.
    unsigned char* der = nullptr;
    int len = i2d_PUBKEY(pkey.get(), &der);
    if (len <= 0) return Status::Error(key.path + ": cannot encode the public key");
    p = Base64(der, static_cast<size_t>(len));
    OPENSSL_free(der);
  } else {
    // RFC 8463 4: p= is the base64 of the bare 32-octet public key.
    unsigned char raw[32];
    size_t len = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(pkey.get(), raw, &len) != 1)
      return Status::Error(key.path + ": cannot encode the public key");
    p = Base64(raw, len);
  }
  return std::string("v=DKIM1; k=") + DkimKeyTypeName(key.type) + "; p=" + p;
}

std::string QuoteTxtRecord(const std::string& record) {
  std::string out;
  for (size_t i = 0; i < record.size(); i += 255)
    out += (out.empty() ? "\"" : " \"") + record.substr(i, 255) + "\"";
  return out;
}

}  // namespace mailsuite::mail
