// SPF (RFC 7208): record syntax, the macro examples of section 7.4, and check_host() over a
// table of DNS answers, including the lookup limits of 4.6.4.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "spf/spf_check.h"
#include "spf/spf_record.h"

namespace mailsuite::mta::spf {
namespace {

TEST(SpfRecordTest, Syntax) {
  auto r = ParseRecord(
      "v=spf1 ip4:192.0.2.0/24 -ip6:2001:db8::/32 a mx:example.org/24//64 "
      "~include:_spf.example.net ?exists:%{i}.x.example ptr redirect=other.example "
      "foo=bar -all");
  ASSERT_TRUE(r.ok()) << r.error();
  ASSERT_EQ(r->terms.size(), 8u);
  EXPECT_EQ(r->terms[0].cidr4, 24);
  EXPECT_EQ(r->terms[1].qualifier, Result::kFail);
  EXPECT_EQ(r->terms[1].cidr6, 32);
  EXPECT_EQ(r->terms[3].domain_spec, "example.org");
  EXPECT_EQ(r->terms[3].cidr4, 24);
  EXPECT_EQ(r->terms[3].cidr6, 64);
  EXPECT_EQ(r->terms[4].qualifier, Result::kSoftFail);
  EXPECT_EQ(*r->redirect, "other.example");
  EXPECT_TRUE(IsSpfRecord("V=SPF1"));
  EXPECT_FALSE(IsSpfRecord("v=spf10 a"));
  for (const char* bad :
       {"v=spf1 ip4:300.1.1.1", "v=spf1 ip4:192.0.2.0/33", "v=spf1 include",
        "v=spf1 a:", "v=spf1 frob", "v=spf1 redirect=a.example redirect=b.example", "v=spf1 all:x",
        "v=spf1 a/0128"})
    EXPECT_FALSE(ParseRecord(bad).ok()) << bad;
}

TEST(SpfMacroTest, TheExamplesOfRfc7208Section7_4) {
  MacroFacts f{"strong-bad@email.example.com", "email.example.com", "192.0.2.3", "mx.example.org"};
  std::map<std::string, std::string> cases = {
      {"%{s}", "strong-bad@email.example.com"},
      {"%{o}", "email.example.com"},
      {"%{d}", "email.example.com"},
      {"%{d4}", "email.example.com"},
      {"%{d3}", "email.example.com"},
      {"%{d2}", "example.com"},
      {"%{d1}", "com"},
      {"%{dr}", "com.example.email"},
      {"%{d2r}", "example.email"},
      {"%{l}", "strong-bad"},
      {"%{l-}", "strong.bad"},
      {"%{lr}", "strong-bad"},
      {"%{lr-}", "bad.strong"},
      {"%{l1r-}", "strong"},
      {"%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"},
      {"%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"},
      {"%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"},
      {"%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"},
      {"%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"},
      {"%%%_%-", "% %20"},
  };
  for (const auto& [spec, want] : cases) {
    auto got = ExpandMacros(spec, f);
    ASSERT_TRUE(got.ok()) << spec;
    EXPECT_EQ(*got, want) << spec;
  }
  f.ip = "2001:db8::cb01";
  EXPECT_EQ(*ExpandMacros("%{ir}.%{v}._spf.%{d2}", f),
            "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
  for (const char* bad : {"%", "%x", "%{", "%{q}", "%{d0}", "%{d*}"})
    EXPECT_FALSE(ExpandMacros(bad, f).ok()) << bad;
}

// DNS from a table: TXT, A, AAAA, MX; "!name" answers SERVFAIL for every type.
class TableDns : public SpfDns {
 public:
  std::map<std::string, std::vector<std::string>> txt, a, aaaa;
  std::map<std::string, std::vector<std::string>> mx;
  std::map<std::string, std::vector<std::string>> ptr;
  std::set<std::string> broken;
  int queries = 0;

  template <typename Answer>
  Answer From(const std::map<std::string, std::vector<std::string>>& table, const std::string& name,
              std::vector<std::string> Answer::*field) {
    ++queries;
    Answer out;
    if (broken.count(name)) return out;  // kTemporary
    auto it = table.find(name);
    out.outcome = it == table.end() ? DnsOutcome::kNoDomain : DnsOutcome::kOk;
    if (it != table.end()) out.*field = it->second;
    return out;
  }
  TxtAnswer Txt(const std::string& n) override {
    return From<TxtAnswer>(txt, n, &TxtAnswer::records);
  }
  AddressAnswer Addresses(const std::string& n, bool v6) override {
    return From<AddressAnswer>(v6 ? aaaa : a, n, &AddressAnswer::addresses);
  }
  PtrAnswer Ptr(const std::string& n) override {
    return From<PtrAnswer>(ptr, n, &PtrAnswer::names);
  }
  MxAnswer Mx(const std::string& n) override {
    ++queries;
    MxAnswer out;
    if (broken.count(n)) return out;
    auto it = mx.find(n);
    out.outcome = it == mx.end() ? DnsOutcome::kNoDomain : DnsOutcome::kOk;
    if (it != mx.end())
      for (const std::string& h : it->second) out.hosts.push_back({h, 10});
    return out;
  }
};

class SpfCheckTest : public ::testing::Test {
 protected:
  Result Check(const std::string& ip, const std::string& domain = "example.org") {
    return CheckHost(dns_, ip, domain, "alice@" + domain, "client.example").result;
  }
  TableDns dns_;
};

TEST_F(SpfCheckTest, QualifiersDecideTheResult) {
  dns_.txt["example.org"] = {"some other text",
                             "v=spf1 ip4:192.0.2.0/24 ?ip4:198.51.100.1 "
                             "~ip4:198.51.100.2 ip6:2001:db8::/32 -all"};
  EXPECT_EQ(Check("192.0.2.77"), Result::kPass);
  EXPECT_EQ(Check("::ffff:192.0.2.77"), Result::kPass) << "a mapped IPv4 address is IPv4";
  EXPECT_EQ(Check("2001:db8::5"), Result::kPass);
  EXPECT_EQ(Check("198.51.100.1"), Result::kNeutral);
  EXPECT_EQ(Check("198.51.100.2"), Result::kSoftFail);
  EXPECT_EQ(Check("203.0.113.9"), Result::kFail);
  dns_.txt["example.org"] = {"v=spf1 ip4:192.0.2.1"};
  EXPECT_EQ(Check("203.0.113.9"), Result::kNeutral) << "nothing matched, no all (4.7)";
}

TEST_F(SpfCheckTest, NoneTempErrorAndPermError) {
  EXPECT_EQ(Check("192.0.2.1"), Result::kNone) << "no record";
  dns_.txt["example.org"] = {"hello"};
  EXPECT_EQ(Check("192.0.2.1"), Result::kNone) << "no SPF record among the TXT records";
  dns_.txt["example.org"] = {"v=spf1 -all", "v=spf1 +all"};
  EXPECT_EQ(Check("192.0.2.1"), Result::kPermError) << "two records (4.5)";
  dns_.txt["example.org"] = {"v=spf1 frobnicate -all"};
  EXPECT_EQ(Check("192.0.2.1"), Result::kPermError);
  dns_.broken.insert("example.org");
  EXPECT_EQ(Check("192.0.2.1"), Result::kTempError);
  EXPECT_EQ(Check("192.0.2.1", "not_a domain"), Result::kNone);
}

TEST_F(SpfCheckTest, AMxIncludeExistsAndRedirect) {
  dns_.txt["example.org"] = {
      "v=spf1 a mx/24 include:_spf.example.net exists:%{i}.ok.example "
      "redirect=fallback.example"};
  dns_.a["example.org"] = {"192.0.2.10"};
  dns_.mx["example.org"] = {"mx.example.org"};
  dns_.a["mx.example.org"] = {"198.51.100.20"};
  dns_.txt["_spf.example.net"] = {"v=spf1 ip4:203.0.113.0/28 -all"};
  dns_.a["203.0.113.99.ok.example"] = {"127.0.0.2"};
  dns_.txt["fallback.example"] = {"v=spf1 ip6:2001:db8::1 ~all"};
  EXPECT_EQ(Check("192.0.2.10"), Result::kPass) << "a";
  EXPECT_EQ(Check("198.51.100.200"), Result::kPass) << "mx/24";
  EXPECT_EQ(Check("203.0.113.5"), Result::kPass) << "include";
  EXPECT_EQ(Check("203.0.113.99"), Result::kPass) << "exists";
  EXPECT_EQ(Check("2001:db8::1"), Result::kPass) << "redirect";
  EXPECT_EQ(Check("192.0.2.11"), Result::kSoftFail) << "the redirect target's ~all";
  dns_.txt.erase("_spf.example.net");
  EXPECT_EQ(Check("203.0.113.5"), Result::kPermError) << "include of a domain with no record";
}

TEST_F(SpfCheckTest, IncludeFailIsNoMatchAndTempErrorSpreads) {
  dns_.txt["example.org"] = {"v=spf1 include:a.example include:b.example -all"};
  dns_.txt["a.example"] = {"v=spf1 -all"};
  dns_.txt["b.example"] = {"v=spf1 ip4:192.0.2.1 -all"};
  EXPECT_EQ(Check("192.0.2.1"), Result::kPass);
  EXPECT_EQ(Check("192.0.2.2"), Result::kFail);
  dns_.broken.insert("b.example");
  EXPECT_EQ(Check("192.0.2.1"), Result::kTempError);
}

TEST_F(SpfCheckTest, TenDnsTermsAtMostAcrossIncludes) {
  std::string record = "v=spf1";
  for (int i = 0; i < 11; ++i) {
    std::string name = "n" + std::to_string(i) + ".example";
    record += " include:" + name;
    dns_.txt[name] = {"v=spf1 ip4:198.51.100." + std::to_string(i) + " -all"};
  }
  dns_.txt["example.org"] = {record + " -all"};
  EXPECT_EQ(Check("198.51.100.9"), Result::kPass) << "the tenth lookup is allowed";
  EXPECT_EQ(Check("198.51.100.10"), Result::kPermError) << "the eleventh is not";
  EXPECT_LE(dns_.queries, 30);
}

TEST_F(SpfCheckTest, MoreThanTwoVoidLookupsIsAPermError) {
  dns_.txt["example.org"] = {"v=spf1 a:v1.example a:v2.example a:v3.example ip4:192.0.2.1 -all"};
  EXPECT_EQ(Check("192.0.2.1"), Result::kPermError);
  dns_.txt["example.org"] = {"v=spf1 a:v1.example a:v2.example ip4:192.0.2.1 -all"};
  EXPECT_EQ(Check("192.0.2.1"), Result::kPass);
}

TEST_F(SpfCheckTest, MoreThanTenMxNamesIsAPermError) {
  dns_.txt["example.org"] = {"v=spf1 mx -all"};
  for (int i = 0; i < 11; ++i)
    dns_.mx["example.org"].push_back("mx" + std::to_string(i) + ".example");
  EXPECT_EQ(Check("192.0.2.1"), Result::kPermError);
}

TEST_F(SpfCheckTest, ARedirectLoopEndsInAPermError) {
  dns_.txt["example.org"] = {"v=spf1 redirect=example.net"};
  dns_.txt["example.net"] = {"v=spf1 redirect=example.org"};
  EXPECT_EQ(Check("192.0.2.1"), Result::kPermError);
}

TEST_F(SpfCheckTest, PtrMatchesAValidatedNameUnderTheDomain) {
  dns_.txt["example.org"] = {"v=spf1 ptr -all"};
  dns_.ptr["192.0.2.5"] = {"host.example.org"};
  dns_.a["host.example.org"] = {"192.0.2.5"};
  dns_.ptr["192.0.2.6"] = {"host.example.org"};  // does not resolve back to .6
  EXPECT_EQ(Check("192.0.2.5"), Result::kPass);
  EXPECT_EQ(Check("192.0.2.6"), Result::kFail);
}

}  // namespace
}  // namespace mailsuite::mta::spf
