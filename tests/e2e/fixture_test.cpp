// The C++ fixture itself, used the way protocol tests will use it: users provisioned through the
// CLI are in the store, and the daemons it starts answer on the ports it reports.
#include <gtest/gtest.h>

#include "suite_fixture.h"

namespace mailsuite::testing {
namespace {

TEST(SuiteFixtureTest, StartsDaemonsAndProvisionsUsers) {
  SuiteOptions options;
  options.users = {{"bob@example.test", "hungry"}};
  SuiteFixture suite(options);
  ASSERT_TRUE(suite.Start()) << suite.error();

  std::string out;
  ASSERT_EQ(suite.Cli({"user", "list"}, "", &out), 0) << out;
  EXPECT_NE(out.find("bob@example.test"), std::string::npos) << out;

  for (const char* listener : {"smtp", "submission", "pop3", "imap"}) {
    LineClient client(suite.Port(listener));
    ASSERT_TRUE(client.connected()) << listener;
    EXPECT_NE(client.ReadLine().find("mailsuite"), std::string::npos) << listener;
  }
  LineClient smtp(suite.Port("smtp"));
  EXPECT_EQ(smtp.ReadLine(), "220 mail.example.test ESMTP mailsuite");
  ASSERT_TRUE(smtp.Send("QUIT\r\n"));
  EXPECT_EQ(smtp.ReadLine(), "221 2.0.0 mail.example.test Bye");
  EXPECT_EQ(smtp.ReadLine(), "<closed>");

  EXPECT_EQ(suite.StopDaemon("mta"), 0);
  EXPECT_EQ(suite.StopDaemon("pop3d"), 0);
  EXPECT_EQ(suite.StopDaemon("imapd"), 0);
}

}  // namespace
}  // namespace mailsuite::testing
