// MTA-STS (RFC 8461): the TXT record, the policy file and MX patterns.
#include <gtest/gtest.h>

#include "sts/sts_policy.h"

namespace mailsuite::mta::sts {
namespace {

TEST(StsTest, TxtRecords) {
  EXPECT_EQ(ParseTxtRecord("v=STSv1; id=20160831085700Z;"), "20160831085700Z");
  EXPECT_EQ(ParseTxtRecord("v=STSv1; id=abc"), "abc");
  EXPECT_FALSE(ParseTxtRecord("id=abc; v=STSv1")) << "v= first";
  EXPECT_FALSE(ParseTxtRecord("v=STSv1"));
  EXPECT_FALSE(ParseTxtRecord("v=STSv1; id=a-b"));
  EXPECT_FALSE(ParseTxtRecord("v=STSv1; id=" + std::string(33, 'a')));
}

TEST(StsTest, PolicyFiles) {
  // RFC 8461 3.2's example.
  auto p = ParsePolicy(
      "version: STSv1\nmode: enforce\nmx: mail.example.com\nmx: *.example.net\n"
      "mx: backupmx.example.com\nmax_age: 604800\n");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->mode, Mode::kEnforce);
  EXPECT_EQ(p->mx.size(), 3u);
  EXPECT_EQ(p->max_age, 604800);
  EXPECT_TRUE(ParsePolicy("version: STSv1\r\nmode: testing\r\nmx: a.example\r\nmax_age: 1\r\n"))
      << "CRLF lines";
  EXPECT_EQ(ParsePolicy("version: STSv1\nmode: none\nmax_age: 99999999999\n"), std::nullopt)
      << "max_age longer than ten digits";
  EXPECT_EQ(ParsePolicy("version: STSv1\nmode: none\nmax_age: 999999999\n")->max_age, 31557600);
  for (const char* bad :
       {"mode: enforce\nmx: a.example\nmax_age: 1\n", "version: STSv2\nmode: enforce\nmx: a.ex\n",
        "version: STSv1\nmode: enforcing\nmx: a.example\nmax_age: 1\n",
        "version: STSv1\nmode: enforce\nmax_age: 1\n", "version: STSv1\nmode: enforce\nmx: a\n",
        "version: STSv1\nmode: enforce\nmx: a..example\nmax_age: 1\n", "<html>nope</html>"})
    EXPECT_FALSE(ParsePolicy(bad)) << bad;
}

TEST(StsTest, MxPatterns) {
  Policy p;
  p.mx = {"mail.example.com", "*.example.net"};
  EXPECT_TRUE(MxMatches(p, "mail.example.com"));
  EXPECT_TRUE(MxMatches(p, "MAIL.example.com."));
  EXPECT_TRUE(MxMatches(p, "mx1.example.net"));
  EXPECT_FALSE(MxMatches(p, "example.net")) << "a wildcard needs one label";
  EXPECT_FALSE(MxMatches(p, "a.mx1.example.net")) << "and only one (4.1)";
  EXPECT_FALSE(MxMatches(p, "mail.example.org"));
}

}  // namespace
}  // namespace mailsuite::mta::sts
