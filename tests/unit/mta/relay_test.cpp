// Pure pieces of relaying: dot-stuffing for DATA, xtext, enhanced status from replies, MX
// ordering, the retry policy and the DSN text.
#include <gtest/gtest.h>

#include "dns/resolver.h"
#include "queue/dsn.h"
#include "queue/retry_policy.h"
#include "relay/smtp_client.h"

namespace mailsuite::mta {
namespace {

TEST(RelayTest, DotStuffingMakesCleanCrlfData) {
  EXPECT_EQ(DotStuffForData("a\r\n.b\r\n..c\r\n"), "a\r\n..b\r\n...c\r\n.\r\n");
  EXPECT_EQ(DotStuffForData("bare\nlf\n"), "bare\r\nlf\r\n.\r\n");
  EXPECT_EQ(DotStuffForData("no final newline"), "no final newline\r\n.\r\n");
  EXPECT_EQ(DotStuffForData("."), "..\r\n.\r\n");
  EXPECT_EQ(DotStuffForData(""), ".\r\n");
  // A lone CR is never passed on: some servers end DATA on "<CR>.<CR>" (SMTP smuggling).
  EXPECT_EQ(DotStuffForData("x\r.\r\nMAIL"), "x\r\n..\r\nMAIL\r\n.\r\n");
}

TEST(RelayTest, Xtext) {
  EXPECT_EQ(EncodeXtext("rfc822;a+b=c@d"), "rfc822;a+2Bb+3Dc@d");
  EXPECT_EQ(EncodeXtext("sp ace"), "sp+20ace");
}

TEST(RelayTest, EnhancedStatusFromReplies) {
  EXPECT_EQ((SmtpReply{550, "5.1.1 no such user"}).EnhancedStatus(), "5.1.1");
  EXPECT_EQ((SmtpReply{550, "no such user"}).EnhancedStatus(), "5.0.0");
  EXPECT_EQ((SmtpReply{451, "later"}).EnhancedStatus(), "4.0.0");
  EXPECT_EQ((SmtpReply{0, "connection refused"}).EnhancedStatus(), "4.0.0");
  EXPECT_TRUE((SmtpReply{0, ""}).temporary());
  EXPECT_FALSE((SmtpReply{554, ""}).temporary());
}

TEST(RelayTest, MxHostsSortByPreferenceAndShuffleTies) {
  bool saw_b_first = false, saw_c_first = false;
  for (int i = 0; i < 200; ++i) {
    std::vector<MxHost> hosts = {{"z", 30}, {"b", 10}, {"c", 10}, {"a", 5}};
    OrderMxHosts(hosts);
    ASSERT_EQ(hosts[0].name, "a");
    ASSERT_EQ(hosts[3].name, "z");
    saw_b_first = saw_b_first || hosts[1].name == "b";
    saw_c_first = saw_c_first || hosts[1].name == "c";
  }
  EXPECT_TRUE(saw_b_first && saw_c_first) << "equal preferences are tried in random order";
}

TEST(RelayTest, RetryPolicy) {
  RetryDecision d = AfterTemporaryFailure(1000, 1100, 1800, 432000);
  EXPECT_FALSE(d.give_up);
  EXPECT_EQ(d.next_attempt, 1100 + 1800);
  EXPECT_TRUE(AfterTemporaryFailure(1000, 1000 + 432000, 1800, 432000).give_up);
}

TEST(RelayTest, DsnNotifyRules) {
  EXPECT_TRUE(DsnWanted("", "failed"));
  EXPECT_FALSE(DsnWanted("", "relayed"));
  EXPECT_FALSE(DsnWanted("NEVER", "failed"));
  EXPECT_TRUE(DsnWanted("SUCCESS,FAILURE", "failed"));
  EXPECT_FALSE(DsnWanted("SUCCESS", "failed"));
  EXPECT_TRUE(DsnWanted("SUCCESS", "relayed"));
}

TEST(RelayTest, DsnIsAMultipartReportWithPerRecipientFields) {
  DsnInput in;
  in.reporting_host = "mx.example.test";
  in.sender = "bob@example.test";
  in.envid = "QQ314159";
  in.arrival = 1700000000;
  in.now = 1700000100;
  in.id = "42";
  DsnRecipient r{"nobody@example.net",
                 "rfc822;nobody@example.net",
                 "failed",
                 "5.1.1",
                 "smtp; 550 5.1.1 no such\r\nuser",
                 "mx1.example.net"};
  std::string original = "Subject: hi\r\nFrom: bob@example.test\r\n\r\nsecret body\r\n";
  std::string dsn = BuildDsn(in, {r}, original);
  for (const char* needle :
       {"From: Mail Delivery System <MAILER-DAEMON@mx.example.test>\r\n",
        "To: <bob@example.test>\r\n", "Auto-Submitted: auto-replied\r\n",
        "Content-Type: multipart/report; report-type=delivery-status;",
        "Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.test\r\n"
        "Original-Envelope-Id: QQ314159\r\n",
        "Original-Recipient: rfc822;nobody@example.net\r\n"
        "Final-Recipient: rfc822; nobody@example.net\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Remote-MTA: dns; mx1.example.net\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 no such  user\r\n",
        "Content-Type: text/rfc822-headers\r\n\r\nSubject: hi\r\nFrom: bob@example.test\r\n\r\n",
        "--mailsuite-dsn-42--\r\n"}) {
    EXPECT_NE(dsn.find(needle), std::string::npos) << needle << "\n---\n" << dsn;
  }
  EXPECT_EQ(dsn.find("secret body"), std::string::npos) << "headers only unless RET=FULL";
  in.full_content = true;
  EXPECT_NE(BuildDsn(in, {r}, original).find("message/rfc822\r\n\r\nSubject: hi"),
            std::string::npos);
}

}  // namespace
}  // namespace mailsuite::mta
