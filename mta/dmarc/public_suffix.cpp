#include "public_suffix.h"

#include <fstream>
#include <sstream>

#include "shared/mail/address.h"

namespace mailsuite::mta::dmarc {

PublicSuffixList PublicSuffixList::Parse(std::string_view text) {
  PublicSuffixList list;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, eol == std::string_view::npos ? text.size() - pos : eol - pos);
    pos = eol == std::string_view::npos ? text.size() : eol + 1;
    // A rule is the first word of its line (the list's own format definition).
    size_t end = line.find_first_of(" \t\r");
    line = line.substr(0, end);
    if (line.empty() || line.substr(0, 2) == "//") continue;
    std::string rule = mail::ToLower(line);
    if (rule.rfind("*.", 0) == 0)
      list.wildcards_.insert(rule.substr(2));
    else if (rule[0] == '!')
      list.exceptions_.insert(rule.substr(1));
    else
      list.rules_.insert(rule);
  }
  return list;
}

Result<PublicSuffixList> PublicSuffixList::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::Error(path + ": cannot read the public suffix list");
  std::stringstream text;
  text << in.rdbuf();
  PublicSuffixList list = Parse(text.str());
  if (list.size() == 0) return Status::Error(path + ": no rules in the public suffix list");
  return list;
}

std::string PublicSuffixList::PublicSuffix(const std::string& domain) const {
  // Walk the domain's suffixes from the longest; the first that is a suffix by some rule wins,
  // which is the longest match.
  for (size_t start = 0; start != std::string::npos;) {
    std::string_view suffix = std::string_view(domain).substr(start);
    std::string s(suffix);
    if (exceptions_.count(s)) {  // "!www.ck": www.ck is registrable; its parent is the suffix
      size_t dot = s.find('.');
      return dot == std::string::npos ? s : s.substr(dot + 1);
    }
    if (rules_.count(s)) return s;
    size_t dot = s.find('.');
    if (dot != std::string::npos && wildcards_.count(s.substr(dot + 1))) return s;  // "*.ck"
    size_t next = domain.find('.', start);
    start = next == std::string::npos ? std::string::npos : next + 1;
  }
  size_t last = domain.rfind('.');
  return last == std::string::npos ? domain : domain.substr(last + 1);  // the "*" rule
}

std::string PublicSuffixList::OrganizationalDomain(const std::string& domain) const {
  std::string suffix = PublicSuffix(domain);
  if (suffix.size() >= domain.size()) return domain;
  std::string_view rest = std::string_view(domain).substr(0, domain.size() - suffix.size() - 1);
  size_t dot = rest.rfind('.');
  return std::string(dot == std::string_view::npos ? rest : rest.substr(dot + 1)) + "." + suffix;
}

}  // namespace mailsuite::mta::dmarc
