// Bodies by range (issue #12): a multi-megabyte message fetched whole, partially, by part and by
// header fields is byte-exact, with and without the cached MIME metadata; header reads, partial
// fetches and SEARCH never hold the message whole, and a whole-body FETCH is streamed; a FETCH
// of many messages sets \Seen in one store transaction.
#include "allocation_probe.h"  // replaces operator new for this test binary
#include "session_fixture.h"
#include "shared/mail/mime.h"

namespace mailsuite::imapd {
namespace {

using mailsuite::testing::AllocationProbe;

constexpr size_t kAttachment = 4 << 20;

// A multipart message: a short text part and a ~4 MB base64-like attachment whose lines differ,
// so a slice at the wrong offset cannot compare equal by accident.
std::string BigMessage() {
  std::string m =
      "From: Carol <carol@example.org>\r\nTo: bob@example.test\r\nSubject: big one\r\n"
      "X-Tag: needle-in-header\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
      "--b1\r\nContent-Type: text/plain\r\n\r\nSee the attachment.\r\n"
      "--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  uint32_t x = 12345;
  for (size_t line = 0; m.size() < kAttachment; ++line) {
    for (int i = 0; i < 76; ++i) {
      x = x * 1103515245 + 12345;
      m += digits[(x >> 16) % 64];
    }
    m += "\r\n";
  }
  m += "needle-at-the-end\r\n--b1--\r\n";
  return m;
}

// The literals of a transcript, in order.
std::vector<std::string> Literals(const std::string& out) {
  std::vector<std::string> found;
  size_t pos = 0;
  while ((pos = out.find("}\r\n", pos)) != std::string::npos) {
    size_t open = out.rfind('{', pos);
    size_t n = std::stoul(out.substr(open + 1, pos - open - 1));
    found.push_back(out.substr(pos + 3, n));
    pos += 3 + n;
  }
  return found;
}

// Keeps only the last few KB of what the session sends: the probe must not see the test's
// own copy of a multi-megabyte reply.
class TailTransport : public net::MemoryTransport {
 public:
  using MemoryTransport::MemoryTransport;
  bool Send(std::string_view data) override {
    total_ += data.size();
    if (data.size() >= kKeep) {
      tail_.assign(data.substr(data.size() - kKeep));
    } else {
      tail_.append(data);
      if (tail_.size() > 2 * kKeep) tail_.erase(0, tail_.size() - kKeep);
    }
    return true;
  }
  const std::string& tail() const { return tail_; }
  size_t total() const { return total_; }

 private:
  static constexpr size_t kKeep = 4096;
  std::string tail_;
  size_t total_ = 0;
};

class BigMessageTest : public ImapSessionTest {
 protected:
  void SetUp() override {
    ImapSessionTest::SetUp();
    body_ = BigMessage();
    whole_ = kPrefix + body_;
  }
  // Delivers the message (with the metadata delivery computes, or none).
  void DeliverBig(bool with_metadata) {
    std::string metadata = with_metadata ? mail::SerializeMimeTree(mail::ParseMime(body_)) : "";
    auto uids = store_->Deliver({store::DeliveryTarget(BoxId("INBOX"), kPrefix)}, body_, 1700000000,
                                metadata);
    ASSERT_TRUE(uids.ok()) << uids.error();
    ASSERT_TRUE(store_->ClaimRecent(BoxId("INBOX"), (*uids)[0] + 1).ok());  // not \Recent
  }
  // Runs a session over a TailTransport inside an AllocationProbe; returns the largest
  // allocation and the tail of the output.
  size_t Probe(const std::string& commands, std::string* tail, size_t* sent = nullptr) {
    TailTransport transport(kLogin + "s SELECT INBOX\r\n" + commands + "z LOGOUT\r\n");
    ImapServices services{config_, *store_, failures_, user_connections_};
    net::LineConnection conn(transport, static_cast<size_t>(config_.imap.max_line_length));
    net::ConnectionInfo info = Info("imap", "127.0.0.1");
    size_t largest = 0;
    {
      AllocationProbe probe;
      ImapSession(services, conn, info).Run();
      largest = probe.largest();
    }
    *tail = transport.tail();
    if (sent) *sent = transport.total();
    return largest;
  }
  // Octets of the text between `from` and `to` (both found after `start`).
  std::string Between(const std::string& from, const std::string& to, size_t start = 0) {
    size_t a = whole_.find(from, start) + from.size();
    return whole_.substr(a, whole_.find(to, a) - a);
  }

  const std::string kPrefix =
      "Return-Path: <carol@example.org>\r\nDelivered-To: bob@example.test\r\n";
  std::string body_, whole_;
};

TEST_F(BigMessageTest, WholePartialPartsAndHeaderFieldsAreByteExact) {
  for (bool with_metadata : {true, false}) {
    SCOPED_TRACE(with_metadata ? "with metadata" : "without metadata (parsed)");
    store_->Expunge(BoxId("INBOX"), {1, 2});
    DeliverBig(with_metadata);
    uint32_t uid = with_metadata ? 1 : 2;
    std::string out =
        TalkRaw(kLogin + "s EXAMINE INBOX\r\n" + "a UID FETCH " + std::to_string(uid) +
                " (RFC822.SIZE BODY.PEEK[HEADER.FIELDS (Subject From)] "
                "BODY.PEEK[]<262100.300> BODY.PEEK[2]<100.50> BODY.PEEK[TEXT]<0.60> "
                "BODY.PEEK[HEADER] RFC822.HEADER BODY.PEEK[1] BODY.PEEK[2.MIME] "
                "BODY.PEEK[HEADER.FIELDS.NOT (X-Tag)]<10.20>)\r\n" +
                "b UID FETCH " + std::to_string(uid) + " BODY.PEEK[]\r\n" + "c UID FETCH " +
                std::to_string(uid) + " RFC822\r\n" + "d UID FETCH " + std::to_string(uid) +
                " BODY.PEEK[2]\r\n");
    ASSERT_NE(out.find("d OK"), std::string::npos) << out.substr(0, 2000);
    EXPECT_NE(out.find("RFC822.SIZE " + std::to_string(whole_.size())), std::string::npos);
    std::vector<std::string> got = Literals(out);
    ASSERT_EQ(got.size(), 12u);
    const std::string header = whole_.substr(0, whole_.find("\r\n\r\n") + 4);
    const std::string attachment = Between("base64\r\n\r\n", "\r\n--b1--");
    EXPECT_EQ(got[0], "From: Carol <carol@example.org>\r\nSubject: big one\r\n\r\n");
    EXPECT_TRUE(got[1] == whole_.substr(262100, 300));
    EXPECT_EQ(got[2], attachment.substr(100, 50));
    EXPECT_EQ(got[3], whole_.substr(header.size(), 60));
    EXPECT_EQ(got[4], header);
    EXPECT_EQ(got[5], header);
    EXPECT_EQ(got[6], "See the attachment.");
    EXPECT_EQ(
        got[7],
        "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n");
    std::string not_tag = header;
    not_tag.erase(not_tag.find("X-Tag:"), std::string("X-Tag: needle-in-header\r\n").size());
    EXPECT_EQ(got[8], not_tag.substr(10, 20));
    EXPECT_TRUE(got[9] == whole_) << "BODY[] differs";
    EXPECT_TRUE(got[10] == whole_) << "RFC822 differs";
    EXPECT_TRUE(got[11] == attachment) << "BODY[2] differs";
  }
}

TEST_F(BigMessageTest, HeaderReadsPartialsAndSearchNeverHoldTheMessage) {
  DeliverBig(true);
  std::string tail;
  size_t largest =
      Probe("h FETCH 1 (BODY.PEEK[HEADER.FIELDS (From Subject Date)] ENVELOPE)\r\n", &tail);
  EXPECT_NE(tail.find("h OK"), std::string::npos) << tail;
  EXPECT_LT(largest, 64u * 1024) << "a header field fetch allocated " << largest;

  largest = Probe("p FETCH 1 (BODY.PEEK[]<1000.1024> BODY.PEEK[2]<3000000.1024>)\r\n", &tail);
  EXPECT_NE(tail.find("p OK"), std::string::npos) << tail;
  EXPECT_LT(largest, 64u * 1024) << "a partial fetch allocated " << largest;

  largest = Probe(
      "a SEARCH SUBJECT \"big one\"\r\nb SEARCH HEADER X-Tag needle\r\n"
      "c SEARCH FROM nobody\r\nd SEARCH SENTSINCE 1-Jan-2000\r\n",
      &tail);
  EXPECT_NE(tail.find("d OK"), std::string::npos) << tail;
  EXPECT_LT(largest, 64u * 1024) << "a header SEARCH allocated " << largest;

  largest = Probe("e SEARCH BODY needle-at-the-end\r\nf SEARCH TEXT needle-in-header\r\n", &tail);
  EXPECT_NE(tail.find("* SEARCH 1\r\nf OK"), std::string::npos) << tail;
  EXPECT_LT(largest, 1u << 20) << "a BODY SEARCH allocated " << largest;
}

TEST_F(BigMessageTest, WholeBodyFetchIsStreamed) {
  DeliverBig(true);
  std::string tail;
  size_t sent = 0;
  size_t largest = Probe("b FETCH 1 (BODY[] BODY.PEEK[2])\r\n", &tail, &sent);
  EXPECT_NE(tail.find("FLAGS (\\Seen))\r\nb OK"), std::string::npos) << tail;
  EXPECT_GT(sent, 2 * whole_.size());
  EXPECT_LT(largest, 1u << 20) << "a streamed FETCH allocated " << largest;
}

TEST_F(ImapSessionTest, FetchOfManyMessagesSetsSeenInOneTransaction) {
  for (int i = 0; i < 4; ++i) Deliver("Subject: m" + std::to_string(i) + "\r\n\r\nbody\r\n");
  store::Flags seen;
  seen.system = store::kFlagSeen;
  ASSERT_TRUE(store_->UpdateFlags(BoxId(), {3}, store::FlagOperation::kAdd, seen).ok());
  uint64_t before = Messages()[2].modseq;
  std::string out = TalkRaw(kLogin + "s SELECT INBOX\r\nf FETCH 1:* BODY[TEXT]\r\n");
  ASSERT_NE(out.find("f OK"), std::string::npos) << out;
  // One UpdateFlags call: the three that changed share one new MODSEQ; the one already seen
  // keeps its own.
  auto after = Messages();
  ASSERT_EQ(after.size(), 4u);
  EXPECT_EQ(after[0].modseq, after[1].modseq);
  EXPECT_EQ(after[0].modseq, after[3].modseq);
  EXPECT_GT(after[0].modseq, before);
  EXPECT_EQ(after[2].modseq, before);
  for (const auto& m : after) EXPECT_TRUE(m.flags.system & store::kFlagSeen);
  // RFC 3501 6.4.5: the responses of the changed messages carry the new FLAGS.
  for (int seq : {1, 2, 4})
    EXPECT_NE(out.find("* " + std::to_string(seq) +
                       " FETCH (BODY[TEXT] {6}\r\nbody\r\n FLAGS "
                       "(\\Seen))"),
              std::string::npos)
        << seq << "\n"
        << out;
  EXPECT_NE(out.find("* 3 FETCH (BODY[TEXT] {6}\r\nbody\r\n)"), std::string::npos) << out;
}

}  // namespace
}  // namespace mailsuite::imapd
