#include "sts_policy.h"

#include <algorithm>
#include <cctype>

#include "../dkim/dkim_tags.h"
#include "shared/mail/address.h"

namespace mailsuite::mta::sts {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

const char* ModeName(Mode mode) {
  switch (mode) {
    case Mode::kEnforce:
      return "enforce";
    case Mode::kTesting:
      return "testing";
    case Mode::kNone:
      return "none";
  }
  return "none";
}

std::optional<std::string> ParseTxtRecord(std::string_view text) {
  // sts-text-record = sts-version 1*(sts-sep sts-field) [sts-sep]; version first (3.1).
  auto tags = dkim::ParseTagList(text);
  if (!tags || Trim(text).rfind("v=STSv1", 0) != 0) return std::nullopt;
  auto v = tags->find("v");
  auto id = tags->find("id");
  if (v == tags->end() || v->second != "STSv1" || id == tags->end()) return std::nullopt;
  if (id->second.empty() || id->second.size() > 32) return std::nullopt;  // 1*32(ALPHA / DIGIT)
  for (char c : id->second)
    if (!std::isalnum(static_cast<unsigned char>(c))) return std::nullopt;
  return id->second;
}

std::optional<Policy> ParsePolicy(std::string_view text) {
  Policy p;
  bool version = false, mode = false, max_age = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, eol == std::string_view::npos ? text.size() - pos : eol - pos);
    pos = eol == std::string_view::npos ? text.size() : eol + 1;
    line = Trim(line);
    if (line.empty()) continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::string_view key = Trim(line.substr(0, colon));
    std::string_view value = Trim(line.substr(colon + 1));
    if (key == "version") {
      if (value != "STSv1") return std::nullopt;
      version = true;
    } else if (key == "mode") {
      if (value == "enforce")
        p.mode = Mode::kEnforce;
      else if (value == "testing")
        p.mode = Mode::kTesting;
      else if (value == "none")
        p.mode = Mode::kNone;
      else
        return std::nullopt;
      mode = true;
    } else if (key == "mx") {
      std::string pattern = mail::ToLower(value);
      std::string_view host = pattern.rfind("*.", 0) == 0 ? std::string_view(pattern).substr(2)
                                                          : std::string_view(pattern);
      if (!mail::IsValidDomain(host, false)) return std::nullopt;
      p.mx.push_back(pattern);
    } else if (key == "max_age") {
      if (value.empty() || value.size() > 10) return std::nullopt;
      int64_t v = 0;
      for (char c : value) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
      }
      p.max_age = std::min<int64_t>(v, 31557600);  // 3.2: at most about a year
      max_age = true;
    }  // other keys are extensions, ignored
  }
  if (!version || !mode || !max_age) return std::nullopt;
  if (p.mode != Mode::kNone && p.mx.empty()) return std::nullopt;  // 3.2: mx is required
  return p;
}

bool MxMatches(const Policy& policy, const std::string& host_in) {
  std::string host = mail::ToLower(host_in);
  while (!host.empty() && host.back() == '.') host.pop_back();
  for (const std::string& pattern : policy.mx) {
    if (pattern.rfind("*.", 0) == 0) {
      size_t dot = host.find('.');
      if (dot != std::string::npos && dot > 0 && host.substr(dot + 1) == pattern.substr(2))
        return true;
    } else if (host == pattern) {
      return true;
    }
  }
  return false;
}

}  // namespace mailsuite::mta::sts
