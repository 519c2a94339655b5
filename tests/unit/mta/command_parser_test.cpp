#include "smtp/command_parser.h"

#include <gtest/gtest.h>

namespace mailsuite::mta {
namespace {

TEST(SmtpCommandParserTest, SplitsVerbCaseInsensitively) {
  auto c = SplitCommand("mail FROM:<a@b.c>");
  EXPECT_EQ(c.verb, "MAIL");
  EXPECT_EQ(c.argument, "FROM:<a@b.c>");
  EXPECT_EQ(SplitCommand("QUIT").verb, "QUIT");
  EXPECT_EQ(SplitCommand("QUIT").argument, "");
}

TEST(SmtpCommandParserTest, MailFromAcceptsTheUsualForms) {
  struct Case {
    const char* arg;
    const char* address;  // "" for the null sender
  } cases[] = {
      {"FROM:<alice@example.test>", "alice@example.test"},
      {"from:<Alice@Example.TEST>", "Alice@example.test"},
      {"FROM: <alice@example.test>", "alice@example.test"},  // space after the colon
      {"FROM:<>", ""},
      {"FROM:<@relay.example:alice@example.test>", "alice@example.test"},  // source route
      {"FROM:<\"john doe\"@example.test>", "\"john doe\"@example.test"},
      {"FROM:<a@[192.0.2.1]>", "a@[192.0.2.1]"},
      {"FROM:<a@[IPv6:2001:db8::1]>", "a@[ipv6:2001:db8::1]"},
  };
  for (const Case& c : cases) {
    auto r = ParseMailFrom(c.arg, true);
    ASSERT_TRUE(r.value) << c.arg << ": " << r.error.ToString();
    if (*c.address == 0) {
      EXPECT_TRUE(r.value->null_sender) << c.arg;
    } else {
      EXPECT_EQ(r.value->sender.ToString(), c.address) << c.arg;
    }
  }
}

TEST(SmtpCommandParserTest, MailFromParameters) {
  auto r = ParseMailFrom("FROM:<a@b.test> SIZE=12345 BODY=8BITMIME RET=hdrs ENVID=abc+2Bd", true);
  ASSERT_TRUE(r.value) << r.error.ToString();
  EXPECT_EQ(r.value->size, 12345);
  EXPECT_EQ(r.value->body, BodyType::k8BitMime);
  EXPECT_EQ(r.value->ret, "HDRS");
  EXPECT_EQ(r.value->envid, "abc+d");
  auto u = ParseMailFrom("FROM:<j\xc3\xb6rg@b\xc3\xbc.test> SMTPUTF8", true);
  ASSERT_TRUE(u.value) << u.error.ToString();
  EXPECT_TRUE(u.value->smtputf8);
  EXPECT_TRUE(u.value->sender.utf8);
}

TEST(SmtpCommandParserTest, MailFromMustReject) {
  struct Case {
    const char* arg;
    int code;
  } cases[] = {
      {"FROM:alice@example.test", 501},          // no brackets
      {"FROM:<alice@example.test", 501},         // unclosed
      {"TO:<alice@example.test>", 501},          // wrong keyword
      {"FROM:<alice@example.test>SIZE=1", 501},  // no space before parameters
      {"FROM:<alice>", 553},                     // no domain
      {"FROM:<al..ice@example.test>", 553},      // empty atom
      {"FROM:<alice@-bad.test>", 553},           // label starts with '-'
      {"FROM:<a@b.test> SIZE=abc", 501},
      {"FROM:<a@b.test> SIZE=-1", 501},
      {"FROM:<a@b.test> SIZE=", 501},
      {"FROM:<a@b.test> BODY=9BIT", 501},
      {"FROM:<a@b.test> RET=ALL", 501},
      {"FROM:<a@b.test> ENVID=a+zz", 501},
      {"FROM:<a@b.test> XFOO=1", 555},     // unknown parameter
      {"FROM:<j\xc3\xb6rg@b.test>", 553},  // UTF-8 without SMTPUTF8
  };
  for (const Case& c : cases) {
    auto r = ParseMailFrom(c.arg, true);
    EXPECT_FALSE(r.value) << c.arg;
    EXPECT_EQ(r.error.code, c.code) << c.arg << ": " << r.error.ToString();
  }
  EXPECT_FALSE(ParseMailFrom("FROM:<a@b.test> SMTPUTF8", false).value)
      << "SMTPUTF8 is a parameter only when offered";
}

TEST(SmtpCommandParserTest, OverlongPathsAreRefused) {
  std::string local(65, 'a');
  EXPECT_FALSE(ParseMailFrom("FROM:<" + local + "@b.test>", true).value);
  std::string domain;
  for (int i = 0; i < 30; ++i) domain += "abcdefghi.";
  EXPECT_FALSE(ParseRcptTo("TO:<a@" + domain + "test>", false).value);
}

TEST(SmtpCommandParserTest, RcptToWithDsnAndPostmaster) {
  auto r = ParseRcptTo("TO:<bob@example.test> NOTIFY=success,failure ORCPT=rfc822;bob+40x", false);
  ASSERT_TRUE(r.value) << r.error.ToString();
  EXPECT_EQ(r.value->recipient.ToString(), "bob@example.test");
  EXPECT_EQ(r.value->notify, "SUCCESS,FAILURE");
  EXPECT_EQ(r.value->orcpt, "rfc822;bob@x");
  auto p = ParseRcptTo("To:<PostMaster>", false);
  ASSERT_TRUE(p.value);
  EXPECT_TRUE(p.value->postmaster);

  for (const char* bad : {"TO:<>", "TO:<bob@example.test> NOTIFY=NEVER,SUCCESS",
                          "TO:<bob@example.test> NOTIFY=sometimes", "TO:<bob@example.test> ORCPT=x",
                          "TO:<bob@example.test> FOO=1", "TO:bob@example.test", "TO:<bob>"}) {
    EXPECT_FALSE(ParseRcptTo(bad, false).value) << bad;
  }
}

TEST(SmtpCommandParserTest, HeloArguments) {
  for (const char* good : {"mail.example.test", "[192.0.2.1]", "[IPv6:2001:db8::1]", "localhost",
                           "host.example.test."})
    EXPECT_TRUE(IsValidHeloArgument(good)) << good;
  for (const char* bad : {"", "[999.1.1.1]", "bad..name", "[IPv6:zz]", "a b"})
    EXPECT_FALSE(IsValidHeloArgument(bad)) << bad;
}

TEST(SmtpCommandParserTest, Xtext) {
  EXPECT_EQ(DecodeXtext("a+2Bb+3D"), "a+b=");
  EXPECT_FALSE(DecodeXtext("a+2"));
  EXPECT_FALSE(DecodeXtext("a+"));
  EXPECT_FALSE(DecodeXtext("a b"));
}

}  // namespace
}  // namespace mailsuite::mta
