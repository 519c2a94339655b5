// DMARC (RFC 7489): the public suffix list and Organizational Domains, records, discovery,
// alignment and pct=; and the inbound decision and Authentication-Results field (RFC 8601).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "dmarc/dmarc.h"
#include "dmarc/public_suffix.h"
#include "inbound/inbound_checks.h"

namespace mailsuite::mta {
namespace {

using dmarc::Outcome;
using dmarc::Policy;

const dmarc::PublicSuffixList& TestList() {
  static const auto list = dmarc::PublicSuffixList::Parse(
      "// a comment\ncom\nuk\nco.uk\n*.ck\n!www.ck\n\norg  trailing words\n");
  return list;
}

TEST(PublicSuffixTest, OrganizationalDomains) {
  const auto& psl = TestList();
  EXPECT_EQ(psl.OrganizationalDomain("a.b.example.co.uk"), "example.co.uk");
  EXPECT_EQ(psl.OrganizationalDomain("example.com"), "example.com");
  EXPECT_EQ(psl.OrganizationalDomain("mail.example.org"), "example.org");
  EXPECT_EQ(psl.OrganizationalDomain("a.foo.ck"), "a.foo.ck") << "*.ck: foo.ck is a suffix";
  EXPECT_EQ(psl.OrganizationalDomain("a.www.ck"), "www.ck") << "!www.ck: an exception";
  EXPECT_EQ(psl.OrganizationalDomain("co.uk"), "co.uk") << "a public suffix is its own";
  EXPECT_EQ(psl.OrganizationalDomain("x.y.unlisted"), "y.unlisted") << "the * rule";
}

TEST(PublicSuffixTest, DebiansListWhenInstalled) {
  const char* path = "/usr/share/publicsuffix/public_suffix_list.dat";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "publicsuffix is not installed";
  auto psl = dmarc::PublicSuffixList::Load(path);
  ASSERT_TRUE(psl.ok()) << psl.error();
  EXPECT_GT(psl->size(), 5000u);
  EXPECT_EQ(psl->OrganizationalDomain("mail.example.co.uk"), "example.co.uk");
  EXPECT_EQ(psl->OrganizationalDomain("a.b.example.com"), "example.com");
  EXPECT_FALSE(dmarc::PublicSuffixList::Load("/nonexistent/list.dat").ok());
}

TEST(DmarcRecordTest, Parse) {
  auto r = dmarc::ParseRecord("v=DMARC1; p=reject; sp=quarantine; adkim=s; pct=20");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->policy, Policy::kReject);
  EXPECT_EQ(*r->subdomain_policy, Policy::kQuarantine);
  EXPECT_TRUE(r->strict_dkim);
  EXPECT_FALSE(r->strict_spf);
  EXPECT_EQ(r->percent, 20);
  EXPECT_EQ(dmarc::ParseRecord("v=DMARC1; rua=mailto:x@example.org")->policy, Policy::kNone)
      << "6.6.3: a valid rua= without p= is p=none";
  EXPECT_FALSE(dmarc::ParseRecord("v=DMARC1; p=bogus"));
  EXPECT_FALSE(dmarc::ParseRecord("p=reject; v=DMARC1"));
  EXPECT_FALSE(dmarc::ParseRecord("v=dmarc1; p=reject"));
}

class DmarcEvaluateTest : public ::testing::Test {
 protected:
  dmarc::Verdict Evaluate(const std::string& from, spf::Result spf, const std::string& spf_domain,
                          std::vector<DkimResult> dkim, int sample = 0) {
    TxtLookup lookup = [this](const std::string& name) {
      ++lookups_;
      TxtLookupAnswer a;
      if (name == broken_) return a;  // temporary
      auto it = dns_.find(name);
      a.status =
          it == dns_.end() ? TxtLookupAnswer::Status::kNotFound : TxtLookupAnswer::Status::kFound;
      if (it != dns_.end()) a.records = {it->second};
      return a;
    };
    return dmarc::Evaluate({from, spf, spf_domain, std::move(dkim)}, lookup, TestList(),
                           [sample] { return sample; });
  }
  static DkimResult Dkim(const std::string& d, DkimOutcome o = DkimOutcome::kPass) {
    DkimResult r;
    r.domain = d;
    r.outcome = o;
    return r;
  }
  std::map<std::string, std::string> dns_ = {
      {"_dmarc.example.com", "v=DMARC1; p=reject; sp=quarantine"},
      {"_dmarc.strict.com", "v=DMARC1; p=reject; adkim=s; aspf=s"},
      {"_dmarc.half.com", "v=DMARC1; p=reject; pct=50"}};
  std::string broken_;
  int lookups_ = 0;
};

TEST_F(DmarcEvaluateTest, AlignedDkimOrSpfPasses) {
  EXPECT_EQ(
      Evaluate("example.com", spf::Result::kFail, "example.com", {Dkim("example.com")}).outcome,
      Outcome::kPass);
  EXPECT_EQ(Evaluate("example.com", spf::Result::kPass, "bounces.example.com", {}).outcome,
            Outcome::kPass)
      << "relaxed SPF alignment";
  auto v = Evaluate("example.com", spf::Result::kPass, "other.net", {Dkim("other.net")});
  EXPECT_EQ(v.outcome, Outcome::kFail) << "passes that do not align";
  EXPECT_EQ(v.policy, Policy::kReject);
  EXPECT_EQ(
      Evaluate("example.com", spf::Result::kNone, "", {Dkim("example.com", DkimOutcome::kFail)})
          .outcome,
      Outcome::kFail);
}

TEST_F(DmarcEvaluateTest, StrictAlignmentWantsTheSameName) {
  EXPECT_EQ(Evaluate("strict.com", spf::Result::kNone, "", {Dkim("mail.strict.com")}).outcome,
            Outcome::kFail);
  EXPECT_EQ(Evaluate("strict.com", spf::Result::kNone, "", {Dkim("strict.com")}).outcome,
            Outcome::kPass);
}

TEST_F(DmarcEvaluateTest, TheOrganizationalDomainsRecordAndSp) {
  auto v = Evaluate("news.example.com", spf::Result::kNone, "", {});
  EXPECT_EQ(v.outcome, Outcome::kFail);
  EXPECT_EQ(v.policy_domain, "example.com");
  EXPECT_EQ(v.policy, Policy::kQuarantine) << "sp= for a subdomain";
  EXPECT_EQ(lookups_, 2);
  EXPECT_EQ(Evaluate("nothing.org", spf::Result::kFail, "nothing.org", {}).outcome, Outcome::kNone);
}

TEST_F(DmarcEvaluateTest, TemporaryFailuresAreNotFailures) {
  broken_ = "_dmarc.example.com";
  EXPECT_EQ(Evaluate("example.com", spf::Result::kNone, "", {}).outcome, Outcome::kTempError);
  broken_.clear();
  auto v = Evaluate("example.com", spf::Result::kTempError, "example.com", {});
  EXPECT_EQ(v.outcome, Outcome::kTempError);
  EXPECT_EQ(v.policy, Policy::kReject);
  EXPECT_EQ(Evaluate("example.com", spf::Result::kNone, "",
                     {Dkim("example.com", DkimOutcome::kTempError)})
                .outcome,
            Outcome::kTempError);
}

TEST_F(DmarcEvaluateTest, PctAppliesThePolicyOneStepSofterOutsideTheSample) {
  EXPECT_EQ(Evaluate("half.com", spf::Result::kNone, "", {}, 10).policy, Policy::kReject);
  EXPECT_EQ(Evaluate("half.com", spf::Result::kNone, "", {}, 70).policy, Policy::kQuarantine);
}

// CheckInbound over table DNS: the strictest author domain decides, and a From: that names no
// single author is a failure of the strictest policy.
class TableSpfDns : public spf::SpfDns {
 public:
  TxtAnswer Txt(const std::string&) override { return NoDomain<TxtAnswer>(); }
  AddressAnswer Addresses(const std::string&, bool) override { return NoDomain<AddressAnswer>(); }
  MxAnswer Mx(const std::string&) override { return NoDomain<MxAnswer>(); }
  PtrAnswer Ptr(const std::string&) override { return NoDomain<PtrAnswer>(); }
  template <typename T>
  static T NoDomain() {
    T t;
    t.outcome = DnsOutcome::kNoDomain;
    return t;
  }
};

TEST(InboundCheckTest, SeveralAuthorsAndUnusableFromFields) {
  TableSpfDns dns;
  TxtLookup txt = [](const std::string& name) {
    TxtLookupAnswer a;
    a.status = TxtLookupAnswer::Status::kNotFound;
    if (name == "_dmarc.strict.com") {
      a.status = TxtLookupAnswer::Status::kFound;
      a.records = {"v=DMARC1; p=reject"};
    }
    return a;
  };
  InboundFacts facts{"192.0.2.1", "client.example", "x@other.com"};
  auto r = CheckInbound("From: a@lax.com, b@strict.com\r\n\r\nx\r\n", facts, dns, txt, TestList());
  EXPECT_EQ(r.author_domain, "strict.com");
  EXPECT_EQ(r.dmarc.outcome, Outcome::kFail);
  EXPECT_EQ(DecideInbound(r, DmarcRejectAction::kReject), InboundAction::kReject);
  for (const char* message : {"From: a@lax.com\r\nFrom: b@strict.com\r\n\r\nx\r\n",
                              "From : a@lax.com\r\nfrom: b@strict.com\r\n\r\nx\r\n",
                              "From: ceo@strict.com.\r\n\r\nx\r\n", "From: nobody\r\n\r\nx\r\n"}) {
    auto u = CheckInbound(message, facts, dns, txt, TestList());
    EXPECT_TRUE(u.author_unusable) << message;
    EXPECT_EQ(DecideInbound(u, DmarcRejectAction::kReject), InboundAction::kReject) << message;
    EXPECT_EQ(DecideInbound(u, DmarcRejectAction::kJunk), InboundAction::kJunk) << message;
  }
  auto group = CheckInbound("From: Team: a@strict.com;\r\n\r\nx\r\n", facts, dns, txt, TestList());
  EXPECT_FALSE(group.author_unusable);
  EXPECT_EQ(group.author_domain, "strict.com") << "group syntax is looked through";
  auto none = CheckInbound("Subject: no from\r\n\r\nx\r\n", facts, dns, txt, TestList());
  EXPECT_FALSE(none.author_unusable);
  EXPECT_EQ(none.dmarc.outcome, Outcome::kNone);
}

TEST(InboundDecisionTest, WhatEachVerdictGets) {
  InboundResults r;
  r.dmarc.policy_domain = "example.com";
  auto decide = [&](Outcome o, Policy p, DmarcRejectAction a = DmarcRejectAction::kReject) {
    r.dmarc.outcome = o;
    r.dmarc.policy = p;
    return DecideInbound(r, a);
  };
  EXPECT_EQ(decide(Outcome::kFail, Policy::kReject), InboundAction::kReject);
  EXPECT_EQ(decide(Outcome::kFail, Policy::kReject, DmarcRejectAction::kJunk),
            InboundAction::kJunk);
  EXPECT_EQ(decide(Outcome::kFail, Policy::kReject, DmarcRejectAction::kNone),
            InboundAction::kDeliver);
  EXPECT_EQ(decide(Outcome::kFail, Policy::kQuarantine), InboundAction::kJunk);
  EXPECT_EQ(decide(Outcome::kFail, Policy::kNone), InboundAction::kDeliver);
  EXPECT_EQ(decide(Outcome::kPass, Policy::kReject), InboundAction::kDeliver);
  EXPECT_EQ(decide(Outcome::kNone, Policy::kNone), InboundAction::kDeliver);
  EXPECT_EQ(decide(Outcome::kTempError, Policy::kReject), InboundAction::kDefer);
  EXPECT_EQ(decide(Outcome::kTempError, Policy::kNone), InboundAction::kDeliver)
      << "p=none asks for nothing: no reason to make the sender wait";
  r.dmarc.reason = "DMARC record lookup failed";
  EXPECT_EQ(decide(Outcome::kTempError, Policy::kNone), InboundAction::kDefer);
}

TEST(AuthenticationResultsTest, FieldFormat) {
  InboundResults r;
  r.spf = {spf::Result::kPass, "example.com matched"};
  r.spf_domain = "example.com";
  r.helo_domain = "mx.example.com";
  r.helo_spf = {spf::Result::kNone, "no SPF record for mx.example.com"};
  DkimResult d;
  d.outcome = DkimOutcome::kFail;
  d.domain = "example.com";
  d.selector = "s1";
  d.algorithm = "rsa-sha256";
  d.b_prefix = "abcd+/12";
  d.reason = "body hash (did) not verify";
  r.dkim = {d};
  r.author_domain = "example.com";
  r.dmarc.outcome = Outcome::kPass;
  r.dmarc.policy = Policy::kReject;
  r.dmarc.policy_domain = "example.com";
  EXPECT_EQ(FormatAuthenticationResults("mx.example.test", r),
            "Authentication-Results: mx.example.test;\r\n"
            "\tspf=pass (example.com matched) smtp.mailfrom=example.com;\r\n"
            "\tspf=none (no SPF record for mx.example.com) smtp.helo=mx.example.com;\r\n"
            "\tdkim=fail (body hash did not verify) header.d=example.com header.s=s1 "
            "header.a=rsa-sha256 header.b=abcd+/12;\r\n"
            "\tdmarc=pass (p=reject) header.from=example.com\r\n");
  r.dkim.clear();
  r.author_domain = "bad domain(";
  std::string field = FormatAuthenticationResults("mx.example.test", r);
  EXPECT_NE(field.find("\tdkim=none;"), std::string::npos);
  EXPECT_EQ(field.find("header.from"), std::string::npos) << "no token, no property";
}

TEST(AuthenticationResultsTest, QuotedIdsAndHiddenContinuationsAreCaught) {
  int removed = 0;
  std::string out = RemoveOurAuthenticationResults(
      "Authentication-Results: \"mx.example.test\"; dkim=pass\r\n"
      "Authentication-Results: mx.example.test; spf=pass\r\n"
      "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\r\n"
      "\tAuthentication-Results: mx.example.test; dkim=pass\r\n"
      "Subject: s\r\n\r\n",
      "mx.example.test", &removed);
  EXPECT_EQ(removed, 2);
  EXPECT_EQ(out.find("Authentication-Results: \"mx"), std::string::npos);
  EXPECT_EQ(out,
            "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\r\n"
            "\tAuthentication-Results: mx.example.test; dkim=pass\r\n"
            "Subject: s\r\n\r\n")
      << "the indented line stays a continuation of a non-field, not a field of its own";
}

TEST(AuthenticationResultsTest, OnlyFieldsClaimingOurIdAreRemoved) {
  int removed = 0;
  std::string out = RemoveOurAuthenticationResults(
      "Authentication-Results: MX.example.test; spf=pass\r\n"
      "Received: x\r\n"
      "authentication-results: (c) mx.example.test\r\n\t(c2); dkim=pass\r\n"
      "Authentication-Results: mx.example.test.evil; spf=pass\r\n"
      "Authentication-Results: other.example; spf=pass\r\n"
      "\r\n"
      "Authentication-Results: mx.example.test; body text\r\n",
      "mx.example.test", &removed);
  EXPECT_EQ(removed, 2);
  EXPECT_EQ(out,
            "Received: x\r\n"
            "Authentication-Results: mx.example.test.evil; spf=pass\r\n"
            "Authentication-Results: other.example; spf=pass\r\n"
            "\r\n"
            "Authentication-Results: mx.example.test; body text\r\n");
}

}  // namespace
}  // namespace mailsuite::mta
