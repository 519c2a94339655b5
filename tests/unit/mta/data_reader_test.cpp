#include "smtp/data_reader.h"

#include <gtest/gtest.h>

#include "shared/net/memory_transport.h"

namespace mailsuite::mta {
namespace {

struct Read {
  DataResult result;
  std::string next_line;  // what the session would read as the next command
};

Read ReadBody(const std::string& input, bool normalize = false, int64_t max = 1 << 20,
              size_t chunk = 1 << 20) {
  net::MemoryTransport t(input, chunk);
  net::LineConnection conn(t, 1000);
  Read r;
  r.result = ReadDataBody(conn, max, normalize);
  if (conn.ReadLine(r.next_line) != net::ReadStatus::kOk) r.next_line = "<none>";
  return r;
}

TEST(DataReaderTest, EndsAtCrlfDotCrlfAndUnstuffs) {
  for (size_t chunk : {1, 2, 5, 64, 4096}) {
    Read r = ReadBody("Subject: x\r\n\r\n..dotted\r\n.\r\nQUIT\r\n", false, 1 << 20, chunk);
    EXPECT_EQ(r.result.status, net::ReadStatus::kOk);
    EXPECT_EQ(r.result.content, "Subject: x\r\n\r\n.dotted\r\n") << chunk;
    EXPECT_FALSE(r.result.bare_line_end);
    EXPECT_EQ(r.next_line, "QUIT");
  }
}

// SMTP smuggling (CVE-2023-51764 class): none of these end the message, so the MAIL FROM
// after them is message text, never a second transaction.
TEST(DataReaderTest, SmugglingSequencesNeverEndTheMessage) {
  const char* tricks[] = {"\n.\r\n", "\r\n.\n", "\n.\n", "\r.\r\n", "\r\n.\r"};
  for (const char* trick : tricks) {
    std::string input =
        std::string("Subject: a\r\n\r\nbody") + trick + "MAIL FROM:<evil@x.test>\r\n.\r\nQUIT\r\n";
    Read r = ReadBody(input);
    EXPECT_EQ(r.result.status, net::ReadStatus::kOk);
    EXPECT_TRUE(r.result.bare_line_end) << "trick " << testing::PrintToString(trick);
    EXPECT_NE(r.result.content.find("MAIL FROM:<evil@x.test>"), std::string::npos);
    EXPECT_EQ(r.next_line, "QUIT") << testing::PrintToString(trick);
  }
}

TEST(DataReaderTest, NormalizeTurnsBareLineEndsIntoCrlf) {
  Read r = ReadBody("a\nb\rc\r\n.\r\n", true);
  EXPECT_EQ(r.result.content, "a\r\nb\r\nc\r\n");
  EXPECT_TRUE(r.result.bare_line_end);
}

TEST(DataReaderTest, TooBigIsReadToTheEndButNotKept) {
  std::string body;
  for (int i = 0; i < 100; ++i) body += std::string(98, 'x') + "\r\n";
  Read r = ReadBody(body + ".\r\nQUIT\r\n", false, 5000);
  EXPECT_TRUE(r.result.too_big);
  EXPECT_TRUE(r.result.content.empty());
  EXPECT_EQ(r.next_line, "QUIT");
}

TEST(DataReaderTest, OverlongLineIsFlaggedAndTheSessionStaysInStep) {
  Read r = ReadBody(std::string(3000, 'y') + "\r\nok\r\n.\r\nNOOP\r\n");
  EXPECT_TRUE(r.result.line_too_long);
  EXPECT_EQ(r.next_line, "NOOP");
}

TEST(DataReaderTest, DroppedConnectionIsNotAMessage) {
  Read r = ReadBody("Subject: half\r\n\r\nbody\r\n");
  EXPECT_EQ(r.result.status, net::ReadStatus::kClosed);
  EXPECT_TRUE(r.result.content.empty());
}

TEST(DataReaderTest, EmptyMessage) {
  Read r = ReadBody(".\r\n");
  EXPECT_EQ(r.result.status, net::ReadStatus::kOk);
  EXPECT_EQ(r.result.content, "");
}

// The session feeds DataBody a line at a time between parks; nothing but the lines decides.
TEST(DataBodyTest, LinesFedOneByOneEndAtTheMarker) {
  DataBody body(1 << 20, false);
  EXPECT_FALSE(body.AddLine(net::ReadStatus::kOk, "Subject: x", net::LineEnd::kCrlf));
  EXPECT_FALSE(body.AddLine(net::ReadStatus::kOk, "", net::LineEnd::kCrlf));
  EXPECT_FALSE(body.AddLine(net::ReadStatus::kOk, "..two dots", net::LineEnd::kCrlf));
  EXPECT_FALSE(body.AddLine(net::ReadStatus::kOk, ".", net::LineEnd::kBareLf));  // smuggling
  EXPECT_FALSE(body.AddLine(net::ReadStatus::kOk, ".", net::LineEnd::kCrlf));    // after a bare LF
  EXPECT_TRUE(body.AddLine(net::ReadStatus::kOk, ".", net::LineEnd::kCrlf));
  EXPECT_TRUE(body.result().bare_line_end);
  EXPECT_EQ(body.result().content, "Subject: x\r\n\r\n.two dots\r\n\r\n\r\n");
}

TEST(DataBodyTest, TooBigKeepsNothingButReadsOn) {
  DataBody body(10, false);
  EXPECT_FALSE(body.AddLine(net::ReadStatus::kOk, "0123456789", net::LineEnd::kCrlf));
  EXPECT_TRUE(body.result().too_big);
  EXPECT_TRUE(body.result().content.empty());
  EXPECT_FALSE(body.AddLine(net::ReadStatus::kTooLong, "", net::LineEnd::kCrlf));
  EXPECT_TRUE(body.AddLine(net::ReadStatus::kOk, ".", net::LineEnd::kCrlf));
  EXPECT_TRUE(body.result().line_too_long);
}

}  // namespace
}  // namespace mailsuite::mta
