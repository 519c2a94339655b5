// TRANSACTION and UPDATE over an in-memory transport: the RFC 1939 textbook session, listings,
// retrieval, DELE/RSET, what a dropped connection keeps, and pipelining fed byte by byte.
#include <functional>
#include <utility>

#include "session_fixture.h"

namespace mailsuite::pop3d {
namespace {

const std::string kMessage1 = "From: carol@example.org\r\nSubject: one\r\n\r\nHello Bob.\r\n";
const std::string kMessage2 =
    "From: carol@example.org\r\nSubject: two\r\n\r\n.leading dot\r\nline 2\r\n..two dots\r\n";

TEST_F(Pop3SessionTest, TextbookSession) {
  Deliver(kMessage1);
  Deliver(kMessage2);
  auto r = Talk(
      "user bob@example.test\r\npass hungry\r\nstat\r\nlist\r\nretr 1\r\ndele 1\r\n"
      "retr 2\r\ndele 2\r\nquit\r\n");
  std::vector<std::string> expected = {
      "+OK pop.example.test POP3 mailsuite ready",
      "+OK Send your password",
      "+OK Logged in, 2 messages (" + std::to_string(kMessage1.size() + kMessage2.size()) +
          " octets)",
      "+OK 2 " + std::to_string(kMessage1.size() + kMessage2.size()),
      "+OK 2 messages (" + std::to_string(kMessage1.size() + kMessage2.size()) + " octets)",
      "1 " + std::to_string(kMessage1.size()),
      "2 " + std::to_string(kMessage2.size()),
      ".",
      "+OK " + std::to_string(kMessage1.size()) + " octets",
      "From: carol@example.org",
      "Subject: one",
      "",
      "Hello Bob.",
      ".",
      "+OK Message 1 deleted",
      "+OK " + std::to_string(kMessage2.size()) + " octets",
      "From: carol@example.org",
      "Subject: two",
      "",
      "..leading dot",
      "line 2",
      "...two dots",
      ".",
      "+OK Message 2 deleted",
      "+OK pop.example.test POP3 server signing off (maildrop empty)"};
  EXPECT_EQ(r, expected);
  EXPECT_EQ(InboxCount(), 0u);
}

TEST_F(Pop3SessionTest, ChunkSweepGivesTheSameTranscript) {
  Deliver(kMessage1);
  Deliver(kMessage2);
  const std::string input = kLogin + "CAPA\r\nSTAT\r\nLIST\r\nUIDL\r\nTOP 2 1\r\nRETR 2\r\n" +
                            "LIST 2\r\nNOOP\r\nBOGUS\r\nRSET\r\nQUIT\r\n";
  std::string whole = TalkRaw(input);
  ASSERT_NE(whole.find("signing off"), std::string::npos) << whole;
  for (size_t chunk = 1; chunk <= 512; chunk *= 2) {
    TalkOptions o;
    o.chunk = chunk;
    EXPECT_EQ(TalkRaw(input, o), whole) << "chunk " << chunk;
  }
}

TEST_F(Pop3SessionTest, ListAndUidlOfOneMessageAndOfDeletedOnes) {
  Deliver(kMessage1);
  uint32_t uid2 = Deliver(kMessage2);
  uint32_t validity = (*store_->GetMailbox(bob_, "INBOX"))->uid_validity;
  char uidl2[32];
  snprintf(uidl2, sizeof uidl2, "%08x%08x", validity, uid2);
  auto r = Talk(kLogin + "DELE 1\r\nLIST 1\r\nLIST 2\r\nLIST\r\nUIDL 2\r\nUIDL\r\nLIST 3\r\n" +
                "UIDL 0\r\nLIST x\r\nSTAT\r\nDELE 1\r\n");
  std::vector<std::string> tail(r.begin() + 3, r.end());
  std::string size2 = std::to_string(kMessage2.size());
  std::vector<std::string> expected = {"+OK Message 1 deleted",
                                       "-ERR Message 1 already deleted",
                                       "+OK 2 " + size2,
                                       "+OK 1 messages (" + size2 + " octets)",
                                       "2 " + size2,
                                       ".",
                                       std::string("+OK 2 ") + uidl2,
                                       "+OK 1 messages (" + size2 + " octets)",
                                       std::string("2 ") + uidl2,
                                       ".",
                                       "-ERR No such message",
                                       "-ERR No such message",
                                       "-ERR Syntax: LIST [message]",
                                       "+OK 1 " + size2,
                                       "-ERR Message 1 already deleted"};
  EXPECT_EQ(tail, expected);
  EXPECT_EQ(InboxCount(), 2u) << "no QUIT: nothing deleted";
}

TEST_F(Pop3SessionTest, DeleThenDropDeletesNothingAndRsetUnmarks) {
  Deliver(kMessage1);
  Deliver(kMessage2);
  Talk(kLogin + "DELE 1\r\nDELE 2\r\n");  // the connection drops without QUIT
  EXPECT_EQ(InboxCount(), 2u);
  auto r = Talk(kLogin + "DELE 1\r\nRSET\r\nDELE 2\r\nQUIT\r\n");
  EXPECT_EQ(r[4], "+OK Maildrop has 2 messages (" +
                      std::to_string(kMessage1.size() + kMessage2.size()) + " octets)");
  EXPECT_EQ(r.back(), "+OK pop.example.test POP3 server signing off (1 messages left)");
  auto left = store_->ListMessages(InboxId());
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ(*store_->ReadContent(InboxId(), (*left)[0].uid), kMessage1);
}

TEST_F(Pop3SessionTest, UidlIsStableAcrossSessionsAndNewMailIsSeenOnlyAtLogin) {
  Deliver(kMessage1);
  Deliver(kMessage2);
  auto first = Talk(kLogin + "UIDL\r\n");
  std::vector<std::string> ids1(first.begin() + 4, first.begin() + 6);
  Talk(kLogin + "DELE 1\r\nQUIT\r\n");
  auto second = Talk(kLogin + "UIDL\r\n");
  ASSERT_EQ(second[4], "1 " + ids1[1].substr(2)) << "message 2 keeps its id as number 1";
  EXPECT_NE(ids1[0].substr(2), ids1[1].substr(2));
  // A message delivered during the session is not in it; numbering stays fixed.
  std::string during = TalkRaw(kLogin + "STAT\r\n");
  EXPECT_NE(during.find("+OK 1 "), std::string::npos);
}

TEST_F(Pop3SessionTest, TopSendsHeaderBlankLineAndBodyLines) {
  Deliver("Subject: t\r\n\r\n.dot\r\nb2\r\nb3\r\n");
  Deliver("Subject: no body\r\n");
  auto r = Talk(kLogin + "TOP 1 0\r\nTOP 1 2\r\nTOP 1 100\r\nTOP 2 3\r\nTOP 1\r\nTOP 3 1\r\n" +
                "TOP 1 -1\r\n");
  std::vector<std::string> tail(r.begin() + 3, r.end());
  std::vector<std::string> expected = {"+OK Top of message follows",
                                       "Subject: t",
                                       "",
                                       ".",
                                       "+OK Top of message follows",
                                       "Subject: t",
                                       "",
                                       "..dot",
                                       "b2",
                                       ".",
                                       "+OK Top of message follows",
                                       "Subject: t",
                                       "",
                                       "..dot",
                                       "b2",
                                       "b3",
                                       ".",
                                       "+OK Top of message follows",
                                       "Subject: no body",
                                       "",
                                       ".",
                                       "-ERR Syntax: TOP message lines",
                                       "-ERR No such message",
                                       "-ERR Syntax: TOP message lines"};
  EXPECT_EQ(tail, expected);
}

// A transport that, when its first input is used up, runs `between` (another process changing
// the store) and then hands out `then`: a session that sees the store change under it.
class TwoPartTransport : public net::MemoryTransport {
 public:
  TwoPartTransport(std::string first, std::function<void()> between, std::string then)
      : MemoryTransport(std::move(first)), between_(std::move(between)), then_(std::move(then)) {}
  net::ReceiveStatus Receive(char* buffer, size_t size, size_t& got) override {
    net::ReceiveStatus st = MemoryTransport::Receive(buffer, size, got);
    if (st != net::ReceiveStatus::kClosed || !between_) return st;
    std::exchange(between_, nullptr)();
    AddInput(then_);
    return MemoryTransport::Receive(buffer, size, got);
  }

 private:
  std::function<void()> between_;
  std::string then_;
};

TEST_F(Pop3SessionTest, MessageExpungedByAnotherProcessAnswersErr) {
  uint32_t uid = Deliver(kMessage1);
  Deliver(kMessage2);
  Pop3Services services{config_, *store_, failures_};
  TwoPartTransport transport(
      kLogin, [&] { ASSERT_TRUE(store_->Expunge(InboxId(), {uid}).ok()); },
      "RETR 1\r\nTOP 1 0\r\nRETR 2\r\nDELE 1\r\nDELE 2\r\nQUIT\r\n");
  net::LineConnection conn(transport, 1000);
  net::ConnectionInfo info;
  info.peer_address = "127.0.0.1";
  info.peer_is_loopback = true;
  Pop3Session(services, conn, info).Run();
  auto r = Lines(transport.output());
  EXPECT_EQ(r[3], "-ERR Message is no longer available");
  EXPECT_EQ(r[4], "-ERR Message is no longer available");
  EXPECT_EQ(r[5], "+OK " + std::to_string(kMessage2.size()) + " octets");
  EXPECT_EQ(r.back(), "+OK pop.example.test POP3 server signing off (maildrop empty)");
  EXPECT_EQ(InboxCount(), 0u);
}

TEST_F(Pop3SessionTest, RetrOfAMessageGoneFromTheStoreIsErrNotACrash) {
  uint32_t uid = Deliver(kMessage1);
  Deliver(kMessage2);
  // A maildrop snapshot taken before the expunge, as a session holds it.
  auto drop = Maildrop::Load(*store_, bob_);
  ASSERT_TRUE(drop.ok());
  ASSERT_TRUE(store_->Expunge(InboxId(), {uid}).ok());
  EXPECT_FALSE(store_->ReadContent(InboxId(), uid).ok());
  drop->MarkDeleted(1);
  drop->MarkDeleted(2);
  EXPECT_TRUE(drop->Commit(*store_).ok()) << "expunging an already expunged UID is harmless";
  EXPECT_EQ(InboxCount(), 0u);
}

// A message of several streaming chunks, with dot lines placed where chunks meet: RETR gives
// it back byte for byte once unstuffed, with the size it announced; TOP sends only its lines.
TEST_F(Pop3SessionTest, RetrAndTopOfABigMessageStreamedInChunks) {
  std::string message = "From: carol@example.org\r\nSubject: big\r\n\r\n";
  for (size_t edge : {size_t{16} << 10, size_t{48} << 10, size_t{256} << 10, size_t{512} << 10,
                      size_t{768} << 10}) {
    // Lines up to just before the edge, then ".\r\n" across it and a dot line right after.
    while (message.size() + 80 < edge - 1) message += std::string(70, 'x') + "\r\n";
    message += std::string(edge - 1 - message.size() - 2, 'y') + "\r\n";
    message += ".\r\n..two\r\n.one\r\n";
  }
  message += "last line without end";
  Deliver(message);
  std::string out = TalkRaw(kLogin + "RETR 1\r\nTOP 1 2\r\nQUIT\r\n");
  std::string head = "+OK " + std::to_string(message.size()) + " octets\r\n";
  size_t start = out.find(head);
  ASSERT_NE(start, std::string::npos) << out.substr(0, 300);
  start += head.size();
  size_t end = out.find("\r\n.\r\n", start);
  ASSERT_NE(end, std::string::npos);
  // Undo the stuffing the way a client does.
  std::string wire = out.substr(start, end + 2 - start), back;
  for (size_t pos = 0; pos < wire.size();) {
    size_t e = wire.find("\r\n", pos) + 2;
    back += wire[pos] == '.' ? wire.substr(pos + 1, e - pos - 1) : wire.substr(pos, e - pos);
    pos = e;
  }
  EXPECT_TRUE(back == message + "\r\n") << "RETR is not the message";
  EXPECT_NE(out.find("+OK Top of message follows\r\nFrom: carol@example.org\r\nSubject: big\r\n"
                     "\r\n" +
                     std::string(70, 'x') + "\r\n" + std::string(70, 'x') + "\r\n.\r\n"),
            std::string::npos);
}

}  // namespace
}  // namespace mailsuite::pop3d
