#include "shared/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace mailsuite {
namespace {

Result<Config> Parse(const std::string& text, std::vector<std::string> overrides = {}) {
  return ParseConfig(text, "test.conf", "/etc/ms", overrides);
}

TEST(ConfigTest, DefaultsAreValid) {
  auto c = Parse("");
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->general.hostname, "localhost");
  EXPECT_EQ(c->smtp.max_line_length, 1000);
  EXPECT_EQ(c->imap.idle_timeout, 1800);
  ASSERT_EQ(c->smtp.listen.size(), 1u);
  EXPECT_EQ(c->smtp.listen[0].port, 25);
  EXPECT_FALSE(c->auth.allow_cleartext);
}

TEST(ConfigTest, ReadsSectionsCommentsAndRelativePaths) {
  auto c = Parse(
      "# comment\n; other comment\n[general]\nhostname = mx.example.test\n\n"
      "[store]\npath = data/m.db\n[smtp]\nlisten = 127.0.0.1:2525, [::1]:2526\n"
      "[auth]\nallow_cleartext = yes\n");
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->general.hostname, "mx.example.test");
  EXPECT_EQ(c->store.path, "/etc/ms/data/m.db");
  ASSERT_EQ(c->smtp.listen.size(), 2u);
  EXPECT_EQ(c->smtp.listen[1].host, "::1");
  EXPECT_EQ(c->smtp.listen[1].port, 2526);
  EXPECT_EQ(c->smtp.listen[1].ToString(), "[::1]:2526");
  EXPECT_TRUE(c->auth.allow_cleartext);
}

TEST(ConfigTest, EmptyListenDisablesAListener) {
  auto c = Parse("[smtp]\nsubmissions_listen =\n");
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_TRUE(c->smtp.submissions_listen.empty());
}

TEST(ConfigTest, OverridesWinOverTheFile) {
  auto c = Parse("[pop3]\nidle_timeout = 700\n", {"pop3.idle_timeout=900", "store.path=/x.db"});
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->pop3.idle_timeout, 900);
  EXPECT_EQ(c->store.path, "/x.db");
}

struct BadCase {
  const char* text;
  const char* expected;  // a substring of the error
};

TEST(ConfigTest, MetricsListenIsOffByDefaultAndNamesEachDaemon) {
  auto off = Parse("");
  ASSERT_TRUE(off.ok()) << off.error();
  EXPECT_EQ(off->metrics.For("mta"), nullptr);
  auto c = Parse(
      "[metrics]\nlisten = mta=127.0.0.1:9150, imapd=[::1]:9152\n"
      "password_file = metrics.pw\n");
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_NE(c->metrics.For("mta"), nullptr);
  EXPECT_EQ(c->metrics.For("mta")->ToString(), "127.0.0.1:9150");
  EXPECT_EQ(c->metrics.For("imapd")->ToString(), "[::1]:9152");
  EXPECT_EQ(c->metrics.For("pop3d"), nullptr);
  EXPECT_EQ(c->metrics.password_file, "/etc/ms/metrics.pw");
  for (const char* bad : {"smtpd=127.0.0.1:1", "mta=127.0.0.1", "127.0.0.1:9150",
                          "mta=127.0.0.1:1, mta=127.0.0.1:2", "mta=127.0.0.1:1 127.0.0.1:2"}) {
    auto r = Parse(std::string("[metrics]\nlisten = ") + bad + "\n");
    EXPECT_FALSE(r.ok()) << bad;
  }
}

TEST(ConfigTest, ErrorsNameTheFileLineAndKey) {
  const BadCase cases[] = {
      {"[smtp]\nlisen = 1.2.3.4:25\n", "test.conf:2: unknown key smtp.lisen"},
      {"[nosuch]\n", "test.conf:1: unknown section [nosuch]"},
      {"hostname = x\n", "outside a [section]"},
      {"[smtp]\nidle_timeout = soon\n", "smtp.idle_timeout: 'soon' is not a whole number"},
      {"[smtp]\nidle_timeout = 0\n", "out of range"},
      {"[imap]\nidle_timeout = 60\n", "imap.idle_timeout"},  // RFC 3501 5.4: >= 30 minutes
      {"[smtp]\nlisten = 127.0.0.1\n", "is not host:port"},
      {"[smtp]\nlisten = 127.0.0.1:99999\n", "port in"},
      {"[auth]\nallow_cleartext = maybe\n", "not a boolean"},
      {"[log]\nlevel = loud\n", "not a log level"},
      {"[smtp\n", "malformed section header"},
      {"[smtp]\njust words\n", "expected key = value"},
  };
  for (const BadCase& bad : cases) {
    auto c = Parse(bad.text);
    ASSERT_FALSE(c.ok()) << bad.text;
    EXPECT_NE(c.error().find(bad.expected), std::string::npos) << c.error();
  }
}

TEST(ConfigTest, BadOverridesAreErrors) {
  EXPECT_NE(Parse("", {"nodot=1"}).error().find("expected section.key=value"), std::string::npos);
  EXPECT_NE(Parse("", {"smtp.nokey=1"}).error().find("unknown key smtp.nokey"), std::string::npos);
  EXPECT_NE(Parse("", {"smtp.idle_timeout=-1"}).error().find("--set smtp.idle_timeout"),
            std::string::npos);
}

TEST(ConfigTest, MissingFileIsAnError) {
  auto c = LoadConfig("/nonexistent/mailsuite.conf", {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().find("/nonexistent/mailsuite.conf"), std::string::npos);
}

TEST(ConfigTest, RenderedSampleParsesBackWithChosenValues) {
  std::string text = RenderConfig({"general.hostname=mail.example.test", "smtp.listen="});
  auto c = Parse(text);
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->general.hostname, "mail.example.test");
  EXPECT_TRUE(c->smtp.listen.empty());
  EXPECT_EQ(c->pop3.listen[0].port, 110);
}

// etc/mailsuite.conf is the documented sample; it must be exactly what the key table renders.
TEST(ConfigTest, ShippedSampleMatchesTheKeyTable) {
  std::ifstream in(std::string(MAILSUITE_SOURCE_DIR) + "/etc/mailsuite.conf");
  ASSERT_TRUE(in) << "etc/mailsuite.conf is missing";
  std::stringstream buf;
  buf << in.rdbuf();
  EXPECT_EQ(buf.str(), RenderConfig({}))
      << "regenerate with: mailsuite config sample > etc/mailsuite.conf";
}

}  // namespace
}  // namespace mailsuite
