// What port 25 learns about a stranger's message before it answers the end of DATA: SPF of
// MAIL FROM and of HELO (RFC 7208), every DKIM signature (RFC 6376), and DMARC (RFC 7489) on
// top of them; then what to do with it, and the Authentication-Results field (RFC 8601) that
// records it. The checks only read DNS; deciding and formatting are pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "../dkim/dkim_verifier.h"
#include "../dmarc/dmarc.h"
#include "../spf/spf_check.h"

namespace mailsuite::mta {

struct InboundFacts {
  std::string ip;         // the client's address
  std::string helo;       // its HELO/EHLO name
  std::string mail_from;  // empty for the null sender
};

struct InboundResults {
  spf::Outcome spf;          // of MAIL FROM, or of HELO for the null sender (RFC 7208 2.4)
  std::string spf_domain;    // the domain SPF checked
  bool spf_of_helo = false;  // the null sender: `spf` is the HELO check
  spf::Outcome helo_spf;     // of the HELO name (2.3)
  std::string helo_domain;   // "" when HELO did not name a domain (then no HELO check)
  std::vector<DkimResult> dkim;
  std::string author_domain;     // the one DMARC's verdict is about ("" without a From:)
  bool author_unusable = false;  // several From: fields, or one naming no valid domain
  dmarc::Verdict dmarc;          // of the author domain that fared worst (RFC 7489 6.6.1)
};

InboundResults CheckInbound(std::string_view message, const InboundFacts& facts, spf::SpfDns& dns,
                            const TxtLookup& txt, const dmarc::PublicSuffixList& psl);

// What a p=reject failure gets (smtp.dmarc_reject_policy).
enum class DmarcRejectAction { kReject, kJunk, kNone };

enum class InboundAction {
  kDeliver,
  kJunk,    // into the recipients' Junk folder (p=quarantine)
  kReject,  // 550 5.7.1 (p=reject)
  kDefer,   // 451 4.7.0: a DNS failure may hide a pass, and the domain asks for action
};
InboundAction DecideInbound(const InboundResults& results, DmarcRejectAction on_reject);

// The daemon's checker: the resolver, the public suffix list and the configured action, shared by
// every session (Check may run on any thread).
class InboundChecker {
 public:
  InboundChecker(const Resolver& resolver, dmarc::PublicSuffixList psl, DmarcRejectAction on_reject)
      : resolver_(resolver), psl_(std::move(psl)), on_reject_(on_reject) {}
  InboundResults Check(std::string_view message, const InboundFacts& facts) const;
  DmarcRejectAction on_reject() const { return on_reject_; }

 private:
  const Resolver& resolver_;
  dmarc::PublicSuffixList psl_;
  DmarcRejectAction on_reject_;
};

// "Authentication-Results: <authserv_id>;\r\n\tspf=...;\r\n\tdkim=...;\r\n\tdmarc=...\r\n"
std::string FormatAuthenticationResults(const std::string& authserv_id,
                                        const InboundResults& results);

// The message without the Authentication-Results fields that claim `authserv_id` (RFC 8601 5:
// only we may speak for ourselves); `removed` counts them.
std::string RemoveOurAuthenticationResults(std::string_view message, const std::string& authserv_id,
                                           int* removed);

}  // namespace mailsuite::mta
