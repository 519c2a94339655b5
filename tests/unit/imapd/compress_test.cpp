// COMPRESS=DEFLATE (RFC 4978) in a real session over an in-memory transport: the client side is
// an independent zlib peer, so replies are checked after inflating what the server sent.
#include "deflate_peer.h"
#include "session_fixture.h"

namespace mailsuite::imapd {
namespace {

using testing::DeflatePeer;

const std::string kCompress = "c COMPRESS DEFLATE\r\n";
const std::string kActive = "c OK DEFLATE active\r\n";

struct Split {
  std::string plain;  // up to and including the tagged OK of COMPRESS
  std::string after;  // everything the server sent after it, inflated
};

Split SplitAtCompress(const std::string& output) {
  size_t at = output.find(kActive);
  if (at == std::string::npos) return {output, ""};
  at += kActive.size();
  DeflatePeer client;
  return {output.substr(0, at), client.Decompress(std::string_view(output).substr(at))};
}

TEST_F(ImapSessionTest, CompressIsOfferedOnlyAfterLogin) {
  auto r = Talk("a CAPABILITY\r\n" + kLogin + "b CAPABILITY\r\n");
  ASSERT_GE(r.size(), 5u);
  EXPECT_EQ(r[0].find("COMPRESS"), std::string::npos);
  EXPECT_EQ(r[1].find("COMPRESS"), std::string::npos);
  EXPECT_NE(Grep(r, "l OK [CAPABILITY ")[0].find(" COMPRESS=DEFLATE"), std::string::npos);
  EXPECT_NE(Grep(r, "* CAPABILITY ")[1].find(" COMPRESS=DEFLATE"), std::string::npos);
}

TEST_F(ImapSessionTest, CompressRefusalsLeaveTheSessionUncompressed) {
  auto r = Talk(kCompress + kLogin + "d COMPRESS GZIP\r\ne COMPRESS\r\nf COMPRESS (DEFLATE)\r\n" +
                "n NOOP\r\n");
  EXPECT_EQ(Grep(r, "c ")[0], "c BAD Command not valid in this state");
  EXPECT_EQ(Grep(r, "d ")[0], "d BAD Unknown compression mechanism");
  EXPECT_EQ(Grep(r, "e ")[0], "e BAD Syntax: COMPRESS DEFLATE");
  EXPECT_EQ(Grep(r, "f ")[0], "f BAD Syntax: COMPRESS DEFLATE");
  EXPECT_EQ(Grep(r, "n ")[0], "n OK NOOP completed");  // still plaintext
}

// The whole conversation after COMPRESS is compressed both ways, whether the client waited
// for the OK (chunk 1: nothing was buffered) or pipelined compressed bytes right behind it.
TEST_F(ImapSessionTest, EverythingAfterTheOkIsCompressed) {
  const std::string body(200 * 1024, 'z');
  Deliver("From: carol@example.org\r\nSubject: big\r\n\r\n" + body);
  for (size_t chunk : {size_t{1}, size_t{1} << 20}) {
    DeflatePeer client;
    std::string input = kLogin + "s SELECT INBOX\r\n" + kCompress +
                        client.Compress("f FETCH 1 BODY[TEXT]\r\n") +
                        client.Compress("c2 COMPRESS deflate\r\nk CAPABILITY\r\nz LOGOUT\r\n");
    TalkOptions o;
    o.chunk = chunk;
    Split s = SplitAtCompress(TalkRaw(input, o));
    ASSERT_NE(s.plain.find("s OK [READ-WRITE]"), std::string::npos) << s.plain;
    ASSERT_TRUE(s.plain.ends_with(kActive)) << s.plain;
    // Byte-exact literal (the first pass also gets FLAGS (\Seen) after it).
    EXPECT_NE(s.after.find("* 1 FETCH (BODY[TEXT] {" + std::to_string(body.size()) + "}\r\n" +
                           body + (chunk == 1 ? " FLAGS (\\Seen))" : ")") + "\r\nf OK"),
              std::string::npos)
        << "chunk " << chunk;
    auto r = Lines(s.after);
    EXPECT_EQ(Grep(r, "c2 ")[0], "c2 NO [COMPRESSIONACTIVE] DEFLATE is already active");
    ASSERT_EQ(Grep(r, "* CAPABILITY ").size(), 1u);
    EXPECT_EQ(Grep(r, "* CAPABILITY ")[0].find("COMPRESS"), std::string::npos);
    EXPECT_EQ(r.back(), "z OK LOGOUT completed");
  }
}

TEST_F(ImapSessionTest, PlaintextAfterCompressEndsTheSession) {
  // A client that ignores the OK and goes on in plaintext: its bytes are not commands.
  std::string output = TalkRaw(kLogin + kCompress + "n NOOP\r\nz LOGOUT\r\n");
  Split s = SplitAtCompress(output);
  ASSERT_TRUE(s.plain.ends_with(kActive)) << output;
  EXPECT_EQ(s.after, "");
}

}  // namespace
}  // namespace mailsuite::imapd
