// The Public Suffix List (publicsuffix.org, Debian's publicsuffix package) and the
// Organizational Domain of RFC 7489 3.2 that DMARC's relaxed alignment compares. Pure once
// loaded: Parse takes the list's text.
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>

#include "shared/result.h"

namespace mailsuite::mta::dmarc {

class PublicSuffixList {
 public:
  // The list's text: one rule per line ("com", "*.ck", "!www.ck"), "//" comments.
  static PublicSuffixList Parse(std::string_view text);
  static Result<PublicSuffixList> Load(const std::string& path);

  // The public suffix of a lower-case domain: the longest matching rule, an exception rule
  // winning, and "*" (the last label) when none matches.
  std::string PublicSuffix(const std::string& domain) const;
  // The public suffix plus one label; the domain itself when it is a public suffix.
  std::string OrganizationalDomain(const std::string& domain) const;
  size_t size() const { return rules_.size() + wildcards_.size() + exceptions_.size(); }

 private:
  std::unordered_set<std::string> rules_;       // "co.uk"
  std::unordered_set<std::string> wildcards_;   // "ck" for "*.ck"
  std::unordered_set<std::string> exceptions_;  // "www.ck" for "!www.ck"
};

}  // namespace mailsuite::mta::dmarc
