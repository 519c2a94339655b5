// SmtpSession driven over an in-memory transport with a real temporary store: whole transcripts
// in, replies and stored state out.
#include "smtp/session.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "protocol_test_base.h"
#include "shared/auth/password.h"
#include "shared/auth/sasl.h"
#include "shared/mail/mime.h"
#include "shared/net/memory_transport.h"

namespace mailsuite::mta {
namespace {

using testing::Lines;

class SmtpSessionTest : public testing::ProtocolTestBase {
 protected:
  void SetUp() override {
    ProtocolTestBase::SetUp();
    alice_ = AddUser("alice@example.test", "hungry");
    ASSERT_TRUE(store_->AddAlias("info@example.test", "bob@example.test").ok());
    ASSERT_TRUE(store_->AddAlias("postmaster@example.test", "alice@example.test").ok());
    config_.general.hostname = "mx.example.test";
    config_.smtp.trusted_networks.clear();
    config_.auth.failure_delay_ms = 1;
  }

  // Runs a whole session on `input`; returns the reply lines.
  std::vector<std::string> Talk(const std::string& input, const std::string& listener = "smtp",
                                const std::string& peer = "192.0.2.7",
                                const std::string& after_tls = "") {
    auth::AuthFailureTracker failures(std::chrono::milliseconds(1));
    SmtpServices services{config_, *store_, failures};
    net::MemoryTransport transport(input);
    transport.SetInputAfterTls(after_tls);
    net::LineConnection conn(transport, static_cast<size_t>(config_.smtp.max_line_length));
    net::ConnectionInfo info = Info(listener, peer);
    SmtpSession(services, conn, info).Run();
    return Lines(transport.output());
  }

  std::vector<store::MessageInfo> Inbox(store::UserId user) {
    auto box = store_->GetMailbox(user, "INBOX");
    auto list = store_->ListMessages((*box)->id);
    return *list;
  }
  std::string InboxContent(store::UserId user, size_t index = 0) {
    auto box = store_->GetMailbox(user, "INBOX");
    auto msgs = Inbox(user);
    return *store_->ReadContent((*box)->id, msgs.at(index).uid);
  }

  store::UserId alice_ = 0;
};

TEST_F(SmtpSessionTest, TextbookDialogue) {
  auto r = Talk(
      "HELO client.example.org\r\nMAIL FROM:<carol@example.org>\r\nRCPT TO:<bob@example.test>\r\n"
      "DATA\r\nSubject: hi\r\n\r\nHello Bob.\r\n..leading dot\r\n.\r\nQUIT\r\n");
  ASSERT_EQ(r.size(), 7u);
  EXPECT_EQ(r[0], "220 mx.example.test ESMTP mailsuite");
  EXPECT_EQ(r[1], "250 mx.example.test Hello client.example.org");
  EXPECT_EQ(r[2], "250 2.1.0 Ok");
  EXPECT_EQ(r[3], "250 2.1.5 Ok");
  EXPECT_EQ(r[4], "354 End data with <CR><LF>.<CR><LF>");
  EXPECT_EQ(r[5], "250 2.0.0 Ok: queued as test-1");
  EXPECT_EQ(r[6], "221 2.0.0 mx.example.test Bye");

  ASSERT_EQ(Inbox(bob_).size(), 1u);
  std::string m = InboxContent(bob_);
  EXPECT_EQ(m.rfind("Return-Path: <carol@example.org>\r\nDelivered-To: bob@example.test\r\n"
                    "Received: from client.example.org ([192.0.2.7])\r\n"
                    "\tby mx.example.test (mailsuite) with SMTP id test-1\r\n"
                    "\tfor <bob@example.test>; ",
                    0),
            0u)
      << m;
  EXPECT_NE(m.find("\r\nSubject: hi\r\n\r\nHello Bob.\r\n.leading dot\r\n"), std::string::npos)
      << m;
  EXPECT_EQ(m.substr(m.size() - 14), ".leading dot\r\n");

  // The MIME structure was parsed once at delivery and cached with the body.
  auto box = store_->GetMailbox(bob_, "INBOX");
  auto meta = store_->ReadMetadata((*box)->id, Inbox(bob_)[0].uid);
  ASSERT_TRUE(meta.ok());
  auto tree = mail::DeserializeMimeTree(*meta);
  ASSERT_TRUE(tree.ok()) << tree.error();
  EXPECT_EQ(tree->root.envelope->subject, "hi");
}

TEST_F(SmtpSessionTest, EhloListsExtensionsAndHidesAuthOnCleartext) {
  auto r = Talk("EHLO [192.0.2.1]\r\n");
  std::vector<std::string> expected = {"220 mx.example.test ESMTP mailsuite",
                                       "250-mx.example.test Hello [192.0.2.1]",
                                       "250-PIPELINING",
                                       "250-SIZE 52428800",
                                       "250-8BITMIME",
                                       "250-ENHANCEDSTATUSCODES",
                                       "250-STARTTLS",
                                       "250-SMTPUTF8",
                                       "250-CHUNKING",
                                       "250 DSN"};
  EXPECT_EQ(r, expected);
  auto local = Talk("EHLO x\r\n", "smtp", "127.0.0.1");
  EXPECT_NE(std::find(local.begin(), local.end(), "250-AUTH PLAIN LOGIN"), local.end());
}

TEST_F(SmtpSessionTest, PipelinedCommandsAreAnsweredInOrder) {
  auto r = Talk(
      "EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<bob@example.test>\r\n"
      "RCPT TO:<nobody@example.test>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n"
      "x\r\n.\r\nQUIT\r\n");
  std::vector<std::string> tail(r.end() - 7, r.end());
  EXPECT_EQ(tail[0], "250 2.1.0 Ok");
  EXPECT_EQ(tail[1], "250 2.1.5 Ok");
  EXPECT_EQ(tail[2], "550 5.1.1 Recipient address rejected: user unknown");
  EXPECT_EQ(tail[3], "250 2.1.5 Ok");
  EXPECT_EQ(tail[4], "354 End data with <CR><LF>.<CR><LF>");
  EXPECT_EQ(tail[5].substr(0, 10), "250 2.0.0 ");
  EXPECT_EQ(Inbox(bob_).size(), 1u);
  EXPECT_EQ(Inbox(alice_).size(), 1u);
  EXPECT_EQ(store_->Stats()->contents, 1) << "one body for both recipients";
}

TEST_F(SmtpSessionTest, ErrorsAndSequence) {
  auto r = Talk(
      "MAIL FROM:<a@example.org>\r\nHELO c\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n"
      "FOO\r\nMAIL FROM:a@example.org\r\nMAIL FROM:<a@example.org>\r\n"
      "MAIL FROM:<a@example.org>\r\nDATA\r\nRSET\r\nVRFY bob\r\nNOOP\r\nQUIT\r\n");
  std::vector<std::string> expected = {
      "220 mx.example.test ESMTP mailsuite",
      "503 5.5.1 Bad sequence of commands",  // MAIL before HELO
      "250 mx.example.test Hello c",
      "503 5.5.1 Bad sequence of commands",  // RCPT before MAIL
      "503 5.5.1 Bad sequence of commands",  // DATA before RCPT
      "500 5.5.1 Command unrecognized",
      "501 5.5.4 Syntax: MAIL FROM:<address>",
      "250 2.1.0 Ok",
      "503 5.5.1 Bad sequence of commands",  // nested MAIL
      "503 5.5.1 Bad sequence of commands",  // DATA without an accepted RCPT
      "250 2.0.0 Ok",
      "252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery",
      "250 2.0.0 Ok",
      "221 2.0.0 mx.example.test Bye"};
  EXPECT_EQ(r, expected);
}

TEST_F(SmtpSessionTest, TooManyErrorsCloseWith421) {
  std::string input;
  for (int i = 0; i < 20; ++i) input += "BOGUS\r\n";
  auto r = Talk(input);
  ASSERT_EQ(r.size(), 12u);  // greeting, 10 errors, 421
  EXPECT_EQ(r.back(), "421 4.7.0 mx.example.test Too many errors, closing connection");
}

TEST_F(SmtpSessionTest, NoOpenRelay) {
  auto r = Talk("EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<x@elsewhere.example>\r\n");
  EXPECT_EQ(r.back(), "554 5.7.1 Relay access denied");
  config_.smtp.trusted_networks = *net::ParseNetworks("192.0.2.0/24");
  r = Talk(
      "HELO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<x@elsewhere.example>\r\nDATA\r\n"
      "Subject: out\r\n\r\nbye\r\n.\r\n");
  EXPECT_EQ(r[3], "250 2.1.5 Ok");
  EXPECT_EQ(r[5].substr(0, 4), "250 ");
  auto queue = store_->ListQueue();
  ASSERT_EQ(queue->size(), 1u);
  EXPECT_EQ((*queue)[0].sender, "a@example.org");
  ASSERT_EQ((*queue)[0].recipients.size(), 1u);
  EXPECT_EQ((*queue)[0].recipients[0].address, "x@elsewhere.example");
}

TEST_F(SmtpSessionTest, AliasAndDirectAddressDeliverOnce) {
  Talk(
      "EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<bob@example.test>\r\n"
      "RCPT TO:<INFO@Example.Test>\r\nDATA\r\nx\r\n.\r\n");
  EXPECT_EQ(Inbox(bob_).size(), 1u);
  EXPECT_EQ(InboxContent(bob_).find("\tfor <"), std::string::npos)
      << "no 'for' clause with several recipients (it would disclose Bcc)";
}

TEST_F(SmtpSessionTest, PostmasterWithoutDomainIsAccepted) {
  auto r =
      Talk("HELO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<Postmaster>\r\nDATA\r\nx\r\n.\r\n");
  EXPECT_EQ(r[3], "250 2.1.5 Ok");
  EXPECT_EQ(Inbox(alice_).size(), 1u);
}

std::string Plain(const std::string& user, const std::string& password) {
  return auth::Base64Encode(std::string("\0", 1) + user + std::string("\0", 1) + password);
}

TEST_F(SmtpSessionTest, SubmissionNeedsTlsThenAuthThenOwnSender) {
  std::string input = "EHLO c\r\nMAIL FROM:<bob@example.test>\r\nAUTH PLAIN " +
                      Plain("bob@example.test", "hungry") + "\r\nSTARTTLS\r\n";
  std::string over_tls =
      "EHLO c\r\nAUTH PLAIN " + Plain("bob@example.test", "hungry") +
      "\r\nMAIL FROM:<alice@example.test>\r\nMAIL FROM:<info@example.test>\r\n"
      "RCPT TO:<friend@elsewhere.example>\r\nDATA\r\nSubject: s\r\n\r\nb\r\n.\r\n";
  auto r = Talk(input, "submission", "192.0.2.7", over_tls);
  std::vector<std::string> replies;
  for (const auto& l : r)
    if (l.size() > 3 && l[3] == ' ') replies.push_back(l);  // last lines of replies only
  ASSERT_EQ(replies.size(), 12u);
  EXPECT_EQ(replies[1], "250 DSN");
  EXPECT_EQ(replies[2], "530 5.7.0 Authentication required");
  EXPECT_EQ(replies[3], "538 5.7.11 Encryption required for requested authentication mechanism");
  EXPECT_EQ(replies[4], "220 2.0.0 Ready to start TLS");
  EXPECT_EQ(replies[5], "250 DSN");
  EXPECT_EQ(replies[6], "235 2.7.0 Authentication successful");
  EXPECT_EQ(replies[7], "553 5.7.1 Sender address rejected: not owned by user bob@example.test");
  EXPECT_EQ(replies[8], "250 2.1.0 Ok");  // info@ is bob's alias
  EXPECT_EQ(replies[9], "250 2.1.5 Ok");  // authenticated: may relay
  EXPECT_EQ(replies[10], "354 End data with <CR><LF>.<CR><LF>");
  EXPECT_EQ(replies[11].substr(0, 10), "250 2.0.0 ");
  auto queue = store_->ListQueue();
  ASSERT_EQ(queue->size(), 1u);
  auto content = store_->ReadQueueContent((*queue)[0].id);
  EXPECT_NE(content->find("with ESMTPSA id"), std::string::npos) << *content;
  EXPECT_NE(content->find("\r\nDate: "), std::string::npos) << "submission adds Date:";
  EXPECT_NE(content->find("\r\nMessage-ID: <"), std::string::npos) << "and Message-ID:";
}

TEST_F(SmtpSessionTest, AuthLoginPromptsAndFailures) {
  std::string input = "EHLO c\r\nAUTH LOGIN\r\n" + auth::Base64Encode("bob@example.test") + "\r\n" +
                      auth::Base64Encode("wrong") + "\r\nAUTH LOGIN\r\n*\r\nAUTH LOGIN " +
                      auth::Base64Encode("bob@example.test") + "\r\n" +
                      auth::Base64Encode("hungry") + "\r\nAUTH PLAIN\r\n";
  auto r = Talk(input, "submission", "127.0.0.1");
  std::vector<std::string> tail(r.end() - 8, r.end());
  EXPECT_EQ(tail[0], "334 VXNlcm5hbWU6");
  EXPECT_EQ(tail[1], "334 UGFzc3dvcmQ6");
  EXPECT_EQ(tail[2], "535 5.7.8 Authentication credentials invalid");
  EXPECT_EQ(tail[3], "334 VXNlcm5hbWU6");
  EXPECT_EQ(tail[4], "501 5.0.0 Authentication cancelled");
  EXPECT_EQ(tail[5], "334 UGFzc3dvcmQ6");
  EXPECT_EQ(tail[6], "235 2.7.0 Authentication successful");
  EXPECT_EQ(tail[7], "503 5.5.1 Already authenticated");
}

TEST_F(SmtpSessionTest, SizeLimits) {
  config_.smtp.max_message_size = 2000;
  std::string big;
  for (int i = 0; i < 50; ++i) big += std::string(70, 'z') + "\r\n";
  auto r = Talk(
      "EHLO c\r\nMAIL FROM:<a@example.org> SIZE=5000\r\nMAIL FROM:<a@example.org> "
      "SIZE=100\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n" +
      big + ".\r\nNOOP\r\n");
  std::vector<std::string> tail(r.end() - 6, r.end());
  EXPECT_EQ(tail[0], "552 5.3.4 Message size exceeds fixed maximum message size");
  EXPECT_EQ(tail[1], "250 2.1.0 Ok");
  EXPECT_EQ(tail[4], "552 5.3.4 Message size exceeds fixed maximum message size");
  EXPECT_EQ(tail[5], "250 2.0.0 Ok");
  EXPECT_TRUE(Inbox(bob_).empty());
}

TEST_F(SmtpSessionTest, SmugglingAttemptIsRefusedAndStartsNoSecondMessage) {
  for (const char* trick : {"\n.\r\n", "\r\n.\n"}) {
    auto r =
        Talk(std::string("EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<bob@example.test>\r\n"
                         "DATA\r\nSubject: one\r\n\r\nfirst") +
             trick +
             "MAIL FROM:<evil@example.org>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n"
             "Subject: smuggled\r\n\r\nx\r\n.\r\nQUIT\r\n");
    std::vector<std::string> tail(r.end() - 2, r.end());
    EXPECT_EQ(tail[0], "554 5.6.0 Message contains a bare CR or LF; lines must end with CRLF");
    EXPECT_EQ(tail[1], "221 2.0.0 mx.example.test Bye");
    EXPECT_TRUE(Inbox(bob_).empty());
    EXPECT_TRUE(Inbox(alice_).empty()) << "no second transaction was started";
  }
}

TEST_F(SmtpSessionTest, MailLoopIsRefused) {
  std::string headers;
  for (int i = 0; i < 101; ++i)
    headers += "Received: from x by y; Mon, 1 Jan 2026 00:00:00 +0000\r\n";
  auto r = Talk("EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n" +
                headers + "\r\nloop\r\n.\r\n");
  EXPECT_EQ(r.back(), "554 5.4.6 Too many Received headers: mail loop detected");
  EXPECT_TRUE(Inbox(bob_).empty());
}

TEST_F(SmtpSessionTest, ChunkingWithBdat) {
  auto r = Talk(
      "EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<bob@example.test>\r\n"
      "BDAT 14\r\nSubject: b\r\n\r\nBDAT 9 LAST\r\n.body\r\n\r\nQUIT\r\n");
  std::vector<std::string> tail(r.end() - 3, r.end());
  EXPECT_EQ(tail[0], "250 2.0.0 14 octets received");
  EXPECT_EQ(tail[1].substr(0, 24), "250 2.0.0 Ok: queued as ");
  EXPECT_EQ(tail[2], "221 2.0.0 mx.example.test Bye");
  std::string m = InboxContent(bob_);
  EXPECT_EQ(m.substr(m.find("Subject: b")), "Subject: b\r\n\r\n.body\r\n\r\n")
      << "no unstuffing in BDAT";
}

TEST_F(SmtpSessionTest, RefusedBdatStillConsumesItsChunk) {
  // RCPT is refused, but the pipelined BDAT chunk follows anyway (RFC 3030 2): its bytes must
  // never run as commands, even when they look like a transaction.
  std::string chunk = "RCPT TO:<alice@example.test>\r\n";
  auto r = Talk("EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<nobody@example.test>\r\nBDAT " +
                std::to_string(chunk.size()) + " LAST\r\n" + chunk + "QUIT\r\n");
  std::vector<std::string> tail(r.end() - 3, r.end());
  EXPECT_EQ(tail[0], "550 5.1.1 Recipient address rejected: user unknown");
  EXPECT_EQ(tail[1], "503 5.5.1 No valid recipients for BDAT");
  EXPECT_EQ(tail[2], "221 2.0.0 mx.example.test Bye");
  EXPECT_TRUE(Inbox(alice_).empty());
}

TEST_F(SmtpSessionTest, BdatWithBareLineEndsIsRefused) {
  std::string chunk = "Subject: x\r\n\r\nline\nMAIL FROM:<evil@x>\r\n";
  auto r = Talk("EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<bob@example.test>\r\nBDAT " +
                std::to_string(chunk.size()) + " LAST\r\n" + chunk);
  EXPECT_EQ(r.back(), "554 5.6.0 Message contains a bare CR or LF; lines must end with CRLF");
  EXPECT_TRUE(Inbox(bob_).empty());
}

TEST_F(SmtpSessionTest, StartTlsForgetsTheSessionAndDropsPipelinedCommands) {
  auto r = Talk("EHLO c\r\nSTARTTLS\r\nMAIL FROM:<a@example.org>\r\n", "smtp", "192.0.2.7",
                "MAIL FROM:<a@example.org>\r\nEHLO again\r\nSTARTTLS\r\n");
  auto ready = std::find(r.begin(), r.end(), "220 2.0.0 Ready to start TLS");
  ASSERT_NE(ready, r.end());
  ASSERT_LT(ready + 1, r.end());
  // The pipelined MAIL got no answer; the one sent over TLS needs a new EHLO first.
  EXPECT_EQ(*(ready + 1), "503 5.5.1 Bad sequence of commands");
  EXPECT_EQ(r.back(), "503 5.5.1 TLS already active");
  EXPECT_EQ(std::find(ready, r.end(), "250-STARTTLS"), r.end()) << "not offered over TLS";
}

TEST_F(SmtpSessionTest, RecipientLimit) {
  std::string input = "EHLO c\r\nMAIL FROM:<a@example.org>\r\n";
  for (int i = 0; i < 101; ++i) input += "RCPT TO:<bob@example.test>\r\n";
  auto r = Talk(input);
  EXPECT_EQ(r[r.size() - 2], "250 2.1.5 Ok");
  EXPECT_EQ(r.back(), "452 4.5.3 Too many recipients");
}

TEST_F(SmtpSessionTest, NotifySuccessForALocalRecipientSendsADeliveredNotice) {
  // From a stranger on port 25 the sender may be forged: no notice (no backscatter).
  Talk(
      "EHLO c\r\nMAIL FROM:<alice@example.test>\r\nRCPT TO:<bob@example.test> NOTIFY=SUCCESS\r\n"
      "DATA\r\nx\r\n.\r\n");
  ASSERT_EQ(Inbox(bob_).size(), 1u);
  EXPECT_TRUE(Inbox(alice_).empty());
  // From a trusted network it is honoured.
  config_.smtp.trusted_networks = *net::ParseNetworks("192.0.2.0/24");
  auto r = Talk(
      "EHLO c\r\nMAIL FROM:<alice@example.test> RET=HDRS ENVID=e1\r\n"
      "RCPT TO:<bob@example.test> NOTIFY=SUCCESS ORCPT=rfc822;bob@example.test\r\n"
      "DATA\r\nSubject: tell me\r\n\r\nbody\r\n.\r\n");
  EXPECT_EQ(r.back().substr(0, 4), "250 ");
  ASSERT_EQ(Inbox(bob_).size(), 2u);
  ASSERT_EQ(Inbox(alice_).size(), 1u) << "the sender got a delivery notice";
  std::string dsn = InboxContent(alice_);
  EXPECT_NE(dsn.find("Return-Path: <>\r\n"), std::string::npos) << dsn;
  EXPECT_NE(dsn.find("Original-Envelope-Id: e1\r\n"), std::string::npos) << dsn;
  EXPECT_NE(dsn.find("Action: delivered\r\nStatus: 2.0.0\r\n"), std::string::npos) << dsn;
  // Without NOTIFY=SUCCESS nobody hears of a delivery.
  Talk(
      "EHLO c\r\nMAIL FROM:<alice@example.test>\r\nRCPT TO:<bob@example.test>\r\n"
      "DATA\r\nx\r\n.\r\n");
  EXPECT_EQ(Inbox(alice_).size(), 1u);
}

TEST_F(SmtpSessionTest, DroppedConnectionInDataStoresNothing) {
  auto r = Talk(
      "EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n"
      "Subject: half\r\n\r\npart of a message\r\n");
  EXPECT_EQ(r.back(), "354 End data with <CR><LF>.<CR><LF>");
  EXPECT_TRUE(Inbox(bob_).empty());
  EXPECT_EQ(store_->Stats()->contents, 0);
}

}  // namespace
}  // namespace mailsuite::mta
