// A ManageSieve session (RFC 5804) over an in-memory transport with a real temporary store:
// the greeting, STARTTLS, AUTHENTICATE, every script command with its response codes, and
// what malformed or oversized input gets.
#include <gtest/gtest.h>

#include "managesieve/session.h"
#include "protocol_test_base.h"
#include "shared/auth/sasl.h"
#include "shared/net/memory_transport.h"

namespace mailsuite::managesieve {
namespace {

using testing::Lines;
using testing::TalkOptions;

const std::string kPlain = auth::Base64Encode(std::string("\0bob@example.test\0hungry", 24));
const std::string kLogin = "AUTHENTICATE \"PLAIN\" \"" + kPlain + "\"\r\n";
const std::string kScript = "require \"fileinto\";\r\nfileinto \"Lists\";\r\n";

std::string Literal(const std::string& text) {
  return "{" + std::to_string(text.size()) + "+}\r\n" + text;
}

class ManageSieveSessionTest : public testing::ProtocolTestBase {
 protected:
  std::string TalkRaw(const std::string& input, const TalkOptions& o = {}) {
    ManageSieveServices services{config_, *store_, failures_};
    net::MemoryTransport transport(input, o.chunk, o.tls_available);
    transport.SetInputAfterTls(o.after_tls);
    net::LineConnection conn(transport, 8192);
    net::ConnectionInfo info = Info("managesieve", o.peer);
    ManageSieveSession(services, conn, info).Run();
    return transport.output();
  }
  // The replies after the greeting (which ends with the first "OK").
  std::vector<std::string> Talk(const std::string& input, const TalkOptions& o = {}) {
    std::vector<std::string> lines = Lines(TalkRaw(input, o));
    auto ok = std::find(lines.begin(), lines.end(), "OK");
    EXPECT_NE(ok, lines.end());
    return std::vector<std::string>(ok == lines.end() ? ok : ok + 1, lines.end());
  }
  std::vector<store::SieveScript> Scripts() { return store_->ListSieveScripts(bob_).value(); }
};

TEST_F(ManageSieveSessionTest, GreetingListsCapabilities) {
  std::vector<std::string> lines = Lines(TalkRaw(""));
  ASSERT_GE(lines.size(), 6u);
  EXPECT_EQ(lines[0], "\"IMPLEMENTATION\" \"mailsuite\"");
  EXPECT_EQ(lines[1].rfind("\"SIEVE\" \"", 0), 0u);
  EXPECT_NE(lines[1].find(" fileinto "), std::string::npos);
  EXPECT_EQ(lines[2], "\"SASL\" \"PLAIN\"");  // loopback: a password may be sent
  EXPECT_EQ(lines[3], "\"STARTTLS\"");
  EXPECT_EQ(lines[4], "\"MAXREDIRECTS\" \"4\"");
  EXPECT_EQ(lines[5], "\"VERSION\" \"1.0\"");
  EXPECT_EQ(lines[6], "OK");
}

TEST_F(ManageSieveSessionTest, NoPasswordBeforeTlsFromAnotherHost) {
  TalkOptions o;
  o.peer = "192.0.2.7";
  std::vector<std::string> lines = Lines(TalkRaw(kLogin, o));
  EXPECT_NE(std::find(lines.begin(), lines.end(), "\"SASL\" \"\""), lines.end());
  EXPECT_EQ(lines.back(), "NO (ENCRYPT-NEEDED) \"Use STARTTLS before sending a password\"");
  // After STARTTLS the capabilities come again, unasked, now offering PLAIN; then login works.
  o.after_tls = kLogin + "LISTSCRIPTS\r\n";
  lines = Lines(TalkRaw("STARTTLS\r\n", o));
  auto tls = std::find(lines.begin(), lines.end(), "OK \"Begin TLS negotiation now\"");
  ASSERT_NE(tls, lines.end());
  std::vector<std::string> after(tls + 1, lines.end());
  ASSERT_GE(after.size(), 3u);
  EXPECT_EQ(after[0], "\"IMPLEMENTATION\" \"mailsuite\"");
  EXPECT_NE(std::find(after.begin(), after.end(), "\"SASL\" \"PLAIN\""), after.end());
  EXPECT_EQ(std::find(after.begin(), after.end(), "\"STARTTLS\""), after.end());
  EXPECT_EQ(after[after.size() - 2], "OK \"Logged in\"");
  EXPECT_EQ(after.back(), "OK");  // the empty LISTSCRIPTS
}

TEST_F(ManageSieveSessionTest, PutListGetActivateRenameDelete) {
  auto r = Talk(kLogin + "HAVESPACE \"rules\" 100\r\n" + "PUTSCRIPT \"rules\" " + Literal(kScript) +
                "\r\n" + "PUTSCRIPT \"other\" \"keep;\"\r\n" + "SETACTIVE \"rules\"\r\n" +
                "LISTSCRIPTS\r\n" + "GETSCRIPT \"rules\"\r\n" + "DELETESCRIPT \"rules\"\r\n" +
                "RENAMESCRIPT \"rules\" \"other\"\r\n" + "RENAMESCRIPT \"rules\" \"main\"\r\n" +
                "GETSCRIPT \"rules\"\r\n" + "SETACTIVE \"\"\r\n" + "DELETESCRIPT \"main\"\r\n" +
                "LISTSCRIPTS\r\n" + "LOGOUT\r\n");
  std::vector<std::string> expected = {"OK \"Logged in\"",
                                       "OK \"Putting the script will succeed\"",
                                       "OK \"Script stored\"",
                                       "OK \"Script stored\"",
                                       "OK \"Script activated\"",
                                       "\"other\"",
                                       "\"rules\" ACTIVE",
                                       "OK",
                                       "{" + std::to_string(kScript.size()) + "}",
                                       "require \"fileinto\";",
                                       "fileinto \"Lists\";",
                                       "",
                                       "OK",
                                       "NO (ACTIVE) \"The active script cannot be deleted\"",
                                       "NO (ALREADYEXISTS) \"A script by the new name exists\"",
                                       "OK \"Script renamed\"",
                                       "NO (NONEXISTENT) \"There is no script by that name\"",
                                       "OK \"No script is active\"",
                                       "OK \"Script deleted\"",
                                       "\"other\"",
                                       "OK",
                                       "OK \"Logout completed\""};
  EXPECT_EQ(r, expected);
  ASSERT_EQ(Scripts().size(), 1u);
  EXPECT_FALSE(Scripts()[0].active);
}

TEST_F(ManageSieveSessionTest, BrokenScriptsAreRefusedWithTheirLine) {
  const std::string broken = "require \"fileinto\";\r\nif true {\r\n  filein \"x\";\r\n}\r\n";
  auto r = Talk(kLogin + "PUTSCRIPT \"rules\" \"keep;\"\r\n" + "PUTSCRIPT \"rules\" " +
                Literal(broken) + "\r\n" + "CHECKSCRIPT " + Literal(broken) + "\r\n" +
                "CHECKSCRIPT \"discard;\"\r\n" + "GETSCRIPT \"rules\"\r\n");
  ASSERT_EQ(r.size(), 8u);
  EXPECT_EQ(r[2], "NO \"line 3: unknown command 'filein'\"");
  EXPECT_EQ(r[3], "NO \"line 3: unknown command 'filein'\"");
  EXPECT_EQ(r[4], "OK \"Script is valid\"");
  EXPECT_EQ(r[6], "keep;");  // the working script was not replaced
}

TEST_F(ManageSieveSessionTest, NamesSizesAndCounts) {
  std::string input = kLogin + "PUTSCRIPT \"bad\x01name\" \"keep;\"\r\n" +
                      "HAVESPACE \"x\" 99999999\r\n" + "HAVESPACE \"x\" 4294967296\r\n";
  for (size_t i = 0; i < kMaxScriptsPerUser; ++i)
    input += "PUTSCRIPT \"s" + std::to_string(i) + "\" \"keep;\"\r\n";
  input += "HAVESPACE \"one-more\" 10\r\nPUTSCRIPT \"one-more\" \"keep;\"\r\n";
  input += "HAVESPACE \"s1\" 10\r\n";  // replacing takes no more room
  auto r = Talk(input);
  ASSERT_EQ(r.size(), 4 + kMaxScriptsPerUser + 3);
  EXPECT_EQ(r[1], "NO \"Bad script name: contains a control character\"");
  EXPECT_EQ(r[2], "NO (QUOTA/MAXSIZE) \"Scripts may have at most 1048576 octets\"");
  EXPECT_EQ(r[3], "NO \"Syntax: HAVESPACE name size\"");
  EXPECT_EQ(r[4 + kMaxScriptsPerUser],
            "NO (QUOTA/MAXSCRIPTS) \"At most 100 scripts; delete one first\"");
  EXPECT_EQ(r[5 + kMaxScriptsPerUser], r[4 + kMaxScriptsPerUser]);
  EXPECT_EQ(r.back(), "OK \"Putting the script will succeed\"");
  EXPECT_EQ(Scripts().size(), kMaxScriptsPerUser);
}

TEST_F(ManageSieveSessionTest, SaslWithAChallengeAndCancel) {
  auto r = Talk("AUTHENTICATE \"PLAIN\"\r\n\"*\"\r\nAUTHENTICATE \"PLAIN\"\r\n" + Literal(kPlain) +
                "\r\nCAPABILITY\r\n");
  ASSERT_GE(r.size(), 5u);
  EXPECT_EQ(r[0], "\"\"");  // the empty challenge
  EXPECT_EQ(r[1], "NO \"Authentication cancelled\"");
  EXPECT_EQ(r[2], "\"\"");
  EXPECT_EQ(r[3], "OK \"Logged in\"");
  EXPECT_NE(std::find(r.begin(), r.end(), "\"OWNER\" \"bob@example.test\""), r.end());
  EXPECT_EQ(std::find(r.begin(), r.end(), "\"SASL\" \"PLAIN\""), r.end());
}

TEST_F(ManageSieveSessionTest, WrongPasswordAndWrongState) {
  const std::string wrong = auth::Base64Encode(std::string("\0bob@example.test\0nope", 22));
  auto r = Talk("LISTSCRIPTS\r\nAUTHENTICATE \"PLAIN\" \"" + wrong + "\"\r\n" +
                "AUTHENTICATE \"CRAM-MD5\"\r\n" + kLogin + kLogin + "NOOP \"t1\"\r\nBOGUS\r\n");
  std::vector<std::string> expected = {"NO \"Authenticate first\"",
                                       "NO \"Authentication failed\"",
                                       "NO \"Unsupported authentication mechanism (use PLAIN)\"",
                                       "OK \"Logged in\"",
                                       "NO \"Already authenticated\"",
                                       "OK (TAG \"t1\") \"Done\"",
                                       "NO \"Unknown command\""};
  EXPECT_EQ(r, expected);
}

TEST_F(ManageSieveSessionTest, OversizedLiteralsAreDrainedNotRun) {
  // A script over the limit: its octets (which hold a command) must not be read as commands.
  std::string big(1048577, 'x');
  big.replace(100, 12, "\r\nLOGOUT\r\n\r\n");
  auto r = Talk(kLogin + "PUTSCRIPT \"big\" " + Literal(big) + "\r\nNOOP\r\n");
  std::vector<std::string> expected = {
      "OK \"Logged in\"", "NO (QUOTA/MAXSIZE) \"Literal too large (at most 1048576 octets)\"",
      "OK \"Done\""};
  EXPECT_EQ(r, expected);
  // Beyond what is worth draining, the session ends.
  r = Talk(kLogin + "PUTSCRIPT \"big\" {99999999+}\r\nxx");
  EXPECT_EQ(r.back(), "BYE (QUOTA/MAXSIZE) \"Literal too large\"");
  EXPECT_TRUE(Scripts().empty());
}

TEST_F(ManageSieveSessionTest, BeforeLoginOnlySmallLiteralsAndNoLongLines) {
  // Only AUTHENTICATE takes a literal before login, and a small one: a big one ends the
  // session before anything is read or kept.
  auto r = Talk("AUTHENTICATE \"PLAIN\" {5000+}\r\n" + std::string(5000, 'A') + "\r\nNOOP\r\n");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0], "BYE (QUOTA/MAXSIZE) \"Literal too large\"");
  // An over-long line may have lost a literal marker: its octets must not become commands.
  r = Talk("NOOP \"" + std::string(9000, 'x') + "\" {8+}\r\nLOGOUT\r\n\r\n");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0], "BYE \"Line too long\"");
  // Literals split across reads and an empty literal are put together whole.
  TalkOptions o;
  o.chunk = 3;
  r = Talk(kLogin + "PUTSCRIPT {5+}\r\nrules {0+}\r\n\r\nGETSCRIPT \"rules\"\r\n", o);
  std::vector<std::string> expected = {"OK \"Logged in\"", "OK \"Script stored\"", "{0}", "", "OK"};
  EXPECT_EQ(r, expected);
}

TEST_F(ManageSieveSessionTest, TooManyBadCommandsEndTheSession) {
  std::string input;
  for (int i = 0; i < kMaxBadCommands + 3; ++i) input += "\"x\"\r\n";
  auto r = Talk(input);
  ASSERT_EQ(r.size(), static_cast<size_t>(kMaxBadCommands) + 1);
  EXPECT_EQ(r.back(), "BYE \"Too many bad commands\"");
}

}  // namespace
}  // namespace mailsuite::managesieve
