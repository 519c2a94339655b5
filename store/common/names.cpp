// Name validation, keyword encoding and hashing; see names.h.
#include "names.h"

#include <Poco/SHA2Engine.h>

#include <algorithm>
#include <chrono>

namespace mailsuite::store {

std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Result<std::string> NormalizeDomain(std::string_view domain) {
  std::string d = AsciiLower(domain);
  if (d.empty()) return Status::Error("empty domain name");
  if (d.size() > 253) return Status::Error("domain name " + d + " is too long");
  size_t label = 0;
  for (size_t i = 0; i <= d.size(); ++i) {
    if (i == d.size() || d[i] == '.') {
      if (label == 0 || label > 63) return Status::Error("invalid domain name '" + d + "'");
      label = 0;
      continue;
    }
    char c = d[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return Status::Error("invalid domain name '" + d + "'");
    ++label;
  }
  return d;
}

Result<Address> NormalizeAddress(std::string_view address, bool allow_catch_all) {
  size_t at = address.rfind('@');
  if (at == std::string_view::npos) {
    return Status::Error("'" + std::string(address) + "' is not an address (local@domain)");
  }
  Address out;
  out.local = AsciiLower(address.substr(0, at));
  if (out.local.empty() && !allow_catch_all) {
    return Status::Error("'" + std::string(address) + "' has an empty local part");
  }
  if (out.local.size() > 64)
    return Status::Error("local part of " + std::string(address) + " is too long");
  for (char c : out.local) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '@' || c == '<' || c == '>' || c == '"' || c == '\\' ||
        c == ',' || c == ';' || c == ':' || c == '(' || c == ')' || c == '[' || c == ']') {
      return Status::Error("invalid character in address '" + std::string(address) + "'");
    }
  }
  Result<std::string> domain = NormalizeDomain(address.substr(at + 1));
  if (!domain.ok()) return domain.status();
  out.domain = *domain;
  out.full = out.local + "@" + out.domain;
  return out;
}

Result<std::string> NormalizeMailboxName(std::string_view name) {
  if (name.empty()) return Status::Error("empty mailbox name");
  if (name.size() > 512) return Status::Error("mailbox name is too long");
  if (name.front() == kMailboxDelimiter || name.back() == kMailboxDelimiter ||
      name.find("//") != std::string_view::npos) {
    return Status::Error("invalid mailbox name '" + std::string(name) + "'");
  }
  for (char c : name) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return Status::Error("mailbox name contains a control character");
  }
  std::string out(name);
  size_t first_end = out.find(kMailboxDelimiter);
  std::string first = out.substr(0, first_end);
  if (AsciiLower(first) == "inbox") out.replace(0, first.size(), "INBOX");
  return out;
}

bool IsInbox(std::string_view normalized_name) { return normalized_name == "INBOX"; }

bool IsValidKeyword(const std::string& keyword) { return ValidateKeywords({keyword}).ok(); }

Status ValidateKeywords(const std::vector<std::string>& keywords) {
  for (const std::string& k : keywords) {
    if (k.empty()) return Status::Error("empty keyword");
    if (k.size() > 255) return Status::Error("keyword is too long");
    for (char c : k) {
      unsigned char u = static_cast<unsigned char>(c);
      if (u <= 0x20 || u >= 0x7f || c == '\\' || c == '(' || c == ')' || c == '{' || c == '%' ||
          c == '*' || c == '"' || c == ']') {
        return Status::Error("invalid keyword '" + k + "'");
      }
    }
  }
  return Status::Ok();
}

std::string EncodeKeywords(std::vector<std::string> keywords) {
  std::sort(keywords.begin(), keywords.end());
  keywords.erase(std::unique(keywords.begin(), keywords.end()), keywords.end());
  std::string out;
  for (const std::string& k : keywords) {
    if (!out.empty()) out += ' ';
    out += k;
  }
  return out;
}

std::vector<std::string> DecodeKeywords(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) out.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

Flags ApplyFlags(const Flags& current, FlagOperation op, const Flags& change) {
  Flags out;
  std::vector<std::string> keywords = DecodeKeywords(EncodeKeywords(change.keywords));
  switch (op) {
    case FlagOperation::kReplace:
      out.system = change.system & kAllSystemFlags;
      out.keywords = keywords;
      break;
    case FlagOperation::kAdd:
      out.system = (current.system | change.system) & kAllSystemFlags;
      out.keywords = current.keywords;
      out.keywords.insert(out.keywords.end(), keywords.begin(), keywords.end());
      break;
    case FlagOperation::kRemove:
      out.system = current.system & ~change.system & kAllSystemFlags;
      for (const std::string& k : current.keywords) {
        if (std::find(keywords.begin(), keywords.end(), k) == keywords.end()) {
          out.keywords.push_back(k);
        }
      }
      break;
  }
  out.keywords = DecodeKeywords(EncodeKeywords(out.keywords));
  return out;
}

std::string ContentHash(std::string_view content) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(content.data(), content.size());
  const Poco::DigestEngine::Digest& digest = engine.digest();
  return std::string(digest.begin(), digest.end());
}

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace mailsuite::store
