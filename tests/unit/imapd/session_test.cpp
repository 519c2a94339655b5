// P1: greeting, capabilities, LOGIN/AUTHENTICATE, states, limits, STARTTLS, literals.
#include "session_fixture.h"
#include "shared/auth/sasl.h"

namespace mailsuite::imapd {
namespace {

const std::string kBase =
    "IMAP4rev1 IMAP4rev2 LITERAL+ UIDPLUS MOVE UNSELECT NAMESPACE ID ENABLE CHILDREN "
    "SPECIAL-USE CREATE-SPECIAL-USE IDLE CONDSTORE QRESYNC ESEARCH SEARCHRES BINARY LIST-EXTENDED "
    "LIST-STATUS STATUS=SIZE UTF8=ACCEPT APPENDLIMIT=4096 QUOTA QUOTA=RES-STORAGE "
    "QUOTA=RES-MESSAGE";

TEST_F(ImapSessionTest, GreetingCapabilityLoginLogout) {
  auto r = Talk("a capability\r\n" + kLogin + "b noop\r\nc LOGOUT\r\n");
  ASSERT_EQ(r.size(), 7u);
  EXPECT_EQ(r[0], "* OK [CAPABILITY " + kBase +
                      " STARTTLS SASL-IR AUTH=PLAIN AUTH=LOGIN] mailsuite IMAP ready");
  EXPECT_EQ(r[1], "* CAPABILITY " + kBase + " STARTTLS SASL-IR AUTH=PLAIN AUTH=LOGIN");
  EXPECT_EQ(r[2], "a OK CAPABILITY completed");
  EXPECT_EQ(r[3], "l OK [CAPABILITY " + kBase + " COMPRESS=DEFLATE] Logged in");
  EXPECT_EQ(r[4], "b OK NOOP completed");
  EXPECT_EQ(r[5], "* BYE mailsuite IMAP server logging out");
  EXPECT_EQ(r[6], "c OK LOGOUT completed");
}

TEST_F(ImapSessionTest, LoginDisabledOnCleartextFromAfar) {
  TalkOptions o;
  o.peer = "192.0.2.7";
  auto r = Talk("a LOGIN bob@example.test hungry\r\nb AUTHENTICATE PLAIN\r\n", o);
  EXPECT_NE(r[0].find("LOGINDISABLED"), std::string::npos);
  EXPECT_EQ(r[0].find("AUTH=PLAIN"), std::string::npos);
  EXPECT_EQ(r[1].rfind("a NO [PRIVACYREQUIRED]", 0), 0u);
  EXPECT_EQ(r[2].rfind("b NO [PRIVACYREQUIRED]", 0), 0u);
}

TEST_F(ImapSessionTest, StartTlsDiscardsPipelinedInputAndEnablesLogin) {
  TalkOptions o;
  o.peer = "192.0.2.7";
  o.after_tls = "b CAPABILITY\r\n" + kLogin + "c LOGOUT\r\n";
  auto r = Talk("a STARTTLS\r\nx LOGIN bob@example.test hungry\r\n", o);
  EXPECT_EQ(r[1], "a OK Begin TLS negotiation now");
  EXPECT_EQ(r[2], "* CAPABILITY " + kBase + " SASL-IR AUTH=PLAIN AUTH=LOGIN");
  EXPECT_EQ(r[4].rfind("l OK [CAPABILITY", 0), 0u);
  EXPECT_TRUE(Grep(r, "x ").empty());
}

TEST_F(ImapSessionTest, BadPasswordIsNo) {
  auto r = Talk("a login bob@example.test wrong\r\nb SELECT INBOX\r\n");
  EXPECT_EQ(r[1], "a NO [AUTHENTICATIONFAILED] Authentication failed");
  EXPECT_EQ(r[2], "b BAD Command not valid in this state");
}

TEST_F(ImapSessionTest, AuthenticatePlainWithContinuationAndInitialResponse) {
  std::string token = auth::Base64Encode(std::string("\0bob@example.test\0hungry", 24));
  auto r = Talk("a AUTHENTICATE PLAIN\r\n" + token + "\r\n");
  EXPECT_EQ(r[1], "+ ");
  EXPECT_EQ(r[2].rfind("a OK [CAPABILITY", 0), 0u);
  r = Talk("a authenticate plain " + token + "\r\n");
  EXPECT_EQ(r[1].rfind("a OK [CAPABILITY", 0), 0u);
}

TEST_F(ImapSessionTest, AuthenticateLoginAndCancel) {
  auto r = Talk("a AUTHENTICATE LOGIN\r\n" + auth::Base64Encode("bob@example.test") + "\r\n" +
                auth::Base64Encode("hungry") + "\r\nb AUTHENTICATE PLAIN\r\n");
  EXPECT_EQ(r[1], "+ VXNlcm5hbWU6");
  EXPECT_EQ(r[2], "+ UGFzc3dvcmQ6");
  EXPECT_EQ(r[3].rfind("a OK [CAPABILITY", 0), 0u);
  EXPECT_EQ(r[4], "b BAD Command not valid in this state");
  r = Talk("a AUTHENTICATE PLAIN\r\n*\r\n");
  EXPECT_EQ(r[2], "a BAD Authentication cancelled");
}

TEST_F(ImapSessionTest, UnknownAndWrongStateAndTooManyErrors) {
  std::string input;
  for (int i = 0; i < 25; ++i) input += "t" + std::to_string(i) + " FROB\r\n";
  auto r = Talk("a FETCH 1 FLAGS\r\n" + input);
  EXPECT_EQ(r[1], "a BAD Command not valid in this state");
  EXPECT_EQ(r[2], "t0 BAD Unknown command");
  EXPECT_EQ(r.back(), "* BYE Too many bad commands, closing connection");
  EXPECT_EQ(r.size(), 22u);
}

TEST_F(ImapSessionTest, OverlongLineIsBadAndSessionContinues) {
  config_.imap.max_line_length = 1024;
  auto r = Talk("a NOOP " + std::string(2000, 'x') + "\r\nb NOOP\r\n");
  EXPECT_EQ(r[1], "* BAD Command line too long");
  EXPECT_EQ(r[2], "b OK NOOP completed");
}

TEST_F(ImapSessionTest, OverlongLineEndingInLiteralPlusDrainsItsOctets) {
  // The literal holds a command; the client sent it with LITERAL+, so it comes regardless.
  config_.imap.max_line_length = 1024;
  const std::string literal = "c LOGOUT\r\n";
  for (size_t chunk : {size_t{7}, size_t{1} << 20}) {
    TalkOptions o;
    o.chunk = chunk;
    auto r = Talk("a NOOP " + std::string(2000, 'x') + " {" + std::to_string(literal.size()) +
                      "+}\r\n" + literal + "\r\nb NOOP\r\n",
                  o);
    ASSERT_GE(r.size(), 3u);
    EXPECT_EQ(r[1], "* BAD Command line too long");
    EXPECT_EQ(r[2], "b OK NOOP completed");
    EXPECT_EQ(std::find(r.begin(), r.end(), "c OK LOGOUT completed"), r.end());
  }
}

TEST_F(ImapSessionTest, LiteralsSyncAndNonSyncAndLimits) {
  auto r = Talk("a LOGIN {16}\r\nbob@example.test {6+}\r\nhungry\r\nb NOOP\r\n");
  EXPECT_EQ(r[1], "+ Ready for literal data");
  EXPECT_EQ(r[2].rfind("a OK [CAPABILITY", 0), 0u);
  // Over the limit: synchronizing refused before "+", LITERAL+ consumed then refused.
  r = Talk("a LOGIN {99999}\r\nb LOGIN {5000+}\r\n" + std::string(5000, 'c') + " x\r\nc NOOP\r\n");
  EXPECT_EQ(r[1], "a NO [TOOBIG] Literal too large");
  EXPECT_EQ(r[2], "b BAD [TOOBIG] Literal too large");
  EXPECT_EQ(r[3], "c OK NOOP completed");
  EXPECT_EQ(r.size(), 4u);
}

// A client that stops talking: the read times out as the idle timer would.
class SilentTransport : public net::MemoryTransport {
 public:
  using MemoryTransport::MemoryTransport;
  net::ReceiveStatus Receive(char* buffer, size_t size, size_t& got) override {
    auto st = MemoryTransport::Receive(buffer, size, got);
    return st == net::ReceiveStatus::kClosed ? net::ReceiveStatus::kTimeout : st;
  }
};

TEST_F(ImapSessionTest, AutologoutOnIdleTimeout) {
  SilentTransport t(kLogin + "s SELECT INBOX\r\n");
  auto r = Lines(TalkOver(t));
  EXPECT_EQ(r.back(), "* BYE Autologout; idle for too long");
}

TEST_F(ImapSessionTest, UnparsableCommandIsBad) {
  auto r = Talk("a LOGIN \"unterminated\r\n\r\nb NOOP\r\n");
  EXPECT_EQ(r[1], "a BAD unterminated quoted string");
  EXPECT_EQ(r[2].rfind("* BAD", 0), 0u);
  EXPECT_EQ(r[3], "b OK NOOP completed");
}

TEST_F(ImapSessionTest, ChunkSweepGivesTheSameTranscript) {
  const std::string input = kLogin + "a LIST \"\" *\r\nb SELECT inbox\r\nc LOGOUT\r\n";
  std::string whole = TalkRaw(input);
  for (size_t chunk = 1; chunk <= 512; chunk *= 2) {
    TalkOptions o;
    o.chunk = chunk;
    EXPECT_EQ(TalkRaw(input, o), whole) << chunk;
  }
}

}  // namespace
}  // namespace mailsuite::imapd
