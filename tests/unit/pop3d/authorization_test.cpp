// AUTHORIZATION over an in-memory transport: CAPA, USER/PASS, AUTH PLAIN/LOGIN, STLS, the
// cleartext rule, phase errors, the bad-command limit and the maildrop lock.
#include "session_fixture.h"
#include "shared/auth/sasl.h"

namespace mailsuite::pop3d {
namespace {

std::string B64(std::string_view s) { return auth::Base64Encode(s); }
const std::string kPlainToken = B64(std::string("\0bob@example.test\0hungry", 24));

TEST_F(Pop3SessionTest, CapaBeforeAndAfterStls) {
  TalkOptions o;
  o.after_tls = "CAPA\r\nQUIT\r\n";
  auto r = Talk("CAPA\r\nSTLS\r\n", o);
  std::vector<std::string> expected = {"+OK pop.example.test POP3 mailsuite ready",
                                       "+OK Capability list follows",
                                       "TOP",
                                       "UIDL",
                                       "USER",
                                       "SASL PLAIN LOGIN",
                                       "RESP-CODES",
                                       "AUTH-RESP-CODE",
                                       "PIPELINING",
                                       "STLS",
                                       "IMPLEMENTATION mailsuite",
                                       ".",
                                       "+OK Begin TLS negotiation",
                                       "+OK Capability list follows",
                                       "TOP",
                                       "UIDL",
                                       "USER",
                                       "SASL PLAIN LOGIN",
                                       "RESP-CODES",
                                       "AUTH-RESP-CODE",
                                       "PIPELINING",
                                       "IMPLEMENTATION mailsuite",
                                       ".",
                                       "+OK pop.example.test POP3 server signing off"};
  EXPECT_EQ(r, expected);
}

TEST_F(Pop3SessionTest, CleartextPasswordsAreRefusedFromRemotePeersUntilTls) {
  TalkOptions remote;
  remote.peer = "192.0.2.7";
  auto r = Talk(
      "CAPA\r\nUSER bob@example.test\r\nPASS hungry\r\nAUTH PLAIN " + kPlainToken + "\r\nSTAT\r\n",
      remote);
  EXPECT_EQ(std::find(r.begin(), r.end(), "USER"), r.end()) << "CAPA hides USER";
  EXPECT_EQ(std::find(r.begin(), r.end(), "SASL PLAIN LOGIN"), r.end());
  std::vector<std::string> tail(r.end() - 4, r.end());
  const std::string refused =
      "-ERR [AUTH] Plaintext authentication disallowed on non-secure connections, use STLS";
  EXPECT_EQ(tail, (std::vector<std::string>{refused, "-ERR Command not valid in this state",
                                            refused, "-ERR Command not valid in this state"}));
  // STLS: what was pipelined after it in plaintext is discarded; the login then works.
  remote.after_tls = kLogin + "STAT\r\n";
  r = Talk("STLS\r\nUSER evil@example.test\r\n", remote);
  EXPECT_EQ(r[1], "+OK Begin TLS negotiation");
  EXPECT_EQ(r[2], "+OK Send your password");
  EXPECT_EQ(r[3].substr(0, 14), "+OK Logged in,");
  EXPECT_EQ(r[4], "+OK 0 0");
  // auth.allow_cleartext lets a remote peer log in without TLS.
  config_.auth.allow_cleartext = true;
  remote.after_tls.clear();
  r = Talk(kLogin + "STAT\r\n", remote);
  EXPECT_EQ(r.back(), "+OK 0 0");
}

TEST_F(Pop3SessionTest, WrongPasswordGetsAuthCodeAndTheSessionStaysInAuthorization) {
  auto r = Talk(
      "USER bob@example.test\r\nPASS wrong\r\nSTAT\r\nUSER nobody@example.test\r\n"
      "PASS x\r\nPASS hungry\r\n" +
      kLogin + "STAT\r\n");
  std::vector<std::string> expected = {"+OK pop.example.test POP3 mailsuite ready",
                                       "+OK Send your password",
                                       "-ERR [AUTH] Authentication failed",
                                       "-ERR Command not valid in this state",
                                       "+OK Send your password",
                                       "-ERR [AUTH] Authentication failed",
                                       "-ERR Command not valid in this state",  // PASS w/o USER
                                       "+OK Send your password",
                                       "+OK Logged in, 0 messages (0 octets)",
                                       "+OK 0 0"};
  EXPECT_EQ(r, expected);
}

TEST_F(Pop3SessionTest, AuthPlainAndLoginWithAndWithoutInitialResponse) {
  // Thunderbird: AUTH PLAIN, then the token after "+ ".
  auto r = Talk("AUTH PLAIN\r\n" + kPlainToken + "\r\nSTAT\r\n");
  EXPECT_EQ(r[1], "+ ");
  EXPECT_EQ(r[2], "+OK Logged in, 0 messages (0 octets)");
  r = Talk("AUTH plain " + kPlainToken + "\r\nSTAT\r\n");
  EXPECT_EQ(r[1], "+OK Logged in, 0 messages (0 octets)");
  r = Talk("AUTH LOGIN\r\n" + B64("bob@example.test") + "\r\n" + B64("hungry") + "\r\nSTAT\r\n");
  EXPECT_EQ(r[1], "+ VXNlcm5hbWU6");
  EXPECT_EQ(r[2], "+ UGFzc3dvcmQ6");
  EXPECT_EQ(r[3], "+OK Logged in, 0 messages (0 octets)");
  r = Talk("AUTH LOGIN " + B64("bob@example.test") + "\r\n" + B64("hungry") + "\r\n");
  EXPECT_EQ(r[1], "+ UGFzc3dvcmQ6");
  EXPECT_EQ(r[2], "+OK Logged in, 0 messages (0 octets)");
}

TEST_F(Pop3SessionTest, AuthFailuresCancelAndMalformedResponses) {
  std::string wrong = B64(std::string("\0bob@example.test\0nope", 22));
  std::string other = B64(std::string("alice@example.test\0bob@example.test\0hungry", 42));
  auto r =
      Talk("AUTH PLAIN " + wrong + "\r\nAUTH PLAIN\r\n*\r\nAUTH PLAIN !!!\r\nAUTH CRAM-MD5\r\n" +
           "AUTH PLAIN " + other + "\r\nAUTH\r\nAUTH LOGIN\r\n*\r\nAUTH PLAIN =\r\n");
  std::vector<std::string> expected = {"+OK pop.example.test POP3 mailsuite ready",
                                       "-ERR [AUTH] Authentication failed",
                                       "+ ",
                                       "-ERR Authentication cancelled",
                                       "-ERR Malformed SASL response",
                                       "-ERR Unrecognized authentication mechanism",
                                       "-ERR [AUTH] Authentication failed",  // authzid
                                       "+OK Supported mechanisms follow",
                                       "PLAIN",
                                       "LOGIN",
                                       ".",
                                       "+ VXNlcm5hbWU6",
                                       "-ERR Authentication cancelled",
                                       "-ERR Malformed SASL response"};
  EXPECT_EQ(r, expected);
}

TEST_F(Pop3SessionTest, EveryCommandOutsideItsPhaseGetsErr) {
  auto r =
      Talk("STAT\r\nLIST\r\nRETR 1\r\nDELE 1\r\nNOOP\r\nRSET\r\nTOP 1 1\r\nUIDL\r\nPASS x\r\n");
  ASSERT_EQ(r.size(), 10u);
  for (size_t i = 1; i < r.size(); ++i) EXPECT_EQ(r[i], "-ERR Command not valid in this state");
  r = Talk(kLogin + "USER bob@example.test\r\nPASS hungry\r\nAUTH PLAIN\r\nSTLS\r\nAPOP a b\r\n" +
           "NOOP\r\n");
  std::vector<std::string> tail(r.begin() + 3, r.end());
  EXPECT_EQ(tail,
            (std::vector<std::string>{
                "-ERR Command not valid in this state", "-ERR Command not valid in this state",
                "-ERR Command not valid in this state", "-ERR Command not valid in this state",
                "-ERR Unknown command", "+OK"}));
}

TEST_F(Pop3SessionTest, TooManyBadCommandsCloseTheSession) {
  std::string input;
  for (int i = 0; i < 20; ++i) input += "BOGUS\r\n";
  auto r = Talk(input);
  ASSERT_EQ(r.size(), 12u);  // greeting, 10 errors, the closing line
  EXPECT_EQ(r.back(), "-ERR Too many bad commands, closing connection");
}

TEST_F(Pop3SessionTest, OverlongLineGetsErrAndTheSessionContinues) {
  auto r = Talk(std::string(5000, 'x') + "\r\nCAPA\r\nQUIT\r\n");
  EXPECT_EQ(r[1], "-ERR Line too long");
  EXPECT_EQ(r[2], "+OK Capability list follows");
  EXPECT_EQ(r.back(), "+OK pop.example.test POP3 server signing off");
}

TEST_F(Pop3SessionTest, SecondLoginOfTheSameUserIsInUse) {
  auto held = store_->LockMaildrop(bob_).value();
  ASSERT_TRUE(held);
  auto r = Talk(kLogin + "STAT\r\n" + "AUTH PLAIN " + kPlainToken + "\r\n");
  EXPECT_EQ(r[2], "-ERR [IN-USE] Mailbox is locked by another POP3 session");
  EXPECT_EQ(r[3], "-ERR Command not valid in this state");
  EXPECT_EQ(r[4], "-ERR [IN-USE] Mailbox is locked by another POP3 session");
  held.reset();
  r = Talk(kLogin + "STAT\r\n");
  EXPECT_EQ(r.back(), "+OK 0 0");
  r = Talk(kLogin + "STAT\r\n");
  EXPECT_EQ(r.back(), "+OK 0 0") << "a finished session released its lock";
}

TEST_F(Pop3SessionTest, StlsUnavailableAndQuitBeforeLogin) {
  TalkOptions no_tls;
  no_tls.tls_available = false;
  auto r = Talk("STLS\r\nCAPA\r\nQUIT\r\nNOOP\r\n", no_tls);
  EXPECT_EQ(r[1], "-ERR [SYS/PERM] TLS not available");
  EXPECT_EQ(std::find(r.begin(), r.end(), "STLS"), r.end());
  EXPECT_EQ(r.back(), "+OK pop.example.test POP3 server signing off") << "nothing after QUIT";
}

}  // namespace
}  // namespace mailsuite::pop3d
