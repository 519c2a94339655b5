#include "shared/net/line_connection.h"

#include <gtest/gtest.h>

#include "shared/net/memory_transport.h"

namespace mailsuite::net {
namespace {

std::vector<std::string> ReadAllLines(const std::string& input, size_t chunk, size_t max,
                                      std::vector<ReadStatus>* statuses = nullptr) {
  MemoryTransport t(input, chunk);
  LineConnection conn(t, max);
  std::vector<std::string> lines;
  std::string line;
  for (;;) {
    ReadStatus s = conn.ReadLine(line);
    if (s == ReadStatus::kClosed) break;
    if (statuses) statuses->push_back(s);
    lines.push_back(s == ReadStatus::kOk ? line : "<too long>");
  }
  return lines;
}

TEST(LineConnectionTest, SplitsCrlfLinesForEveryChunkSize) {
  const std::string input = "EHLO a\r\nMAIL FROM:<x@y>\r\n\r\nQUIT\r\n";
  const std::vector<std::string> expected = {"EHLO a", "MAIL FROM:<x@y>", "", "QUIT"};
  for (size_t chunk = 1; chunk <= 512; chunk *= 2)
    EXPECT_EQ(ReadAllLines(input, chunk, 1000), expected) << "chunk " << chunk;
}

TEST(LineConnectionTest, ReportsBareLfAndKeepsBareCr) {
  MemoryTransport t("one\ntwo\rthree\r\n");
  LineConnection conn(t, 100);
  std::string line;
  LineEnd end;
  ASSERT_EQ(conn.ReadLine(line, &end), ReadStatus::kOk);
  EXPECT_EQ(line, "one");
  EXPECT_EQ(end, LineEnd::kBareLf);
  ASSERT_EQ(conn.ReadLine(line, &end), ReadStatus::kOk);
  EXPECT_EQ(line, "two\rthree");
  EXPECT_EQ(end, LineEnd::kCrlf);
}

TEST(LineConnectionTest, OverlongLineIsConsumedAndReported) {
  const std::string big(5000, 'x');
  for (size_t chunk : {1, 7, 100, 4096, 1 << 20}) {
    std::vector<ReadStatus> st;
    auto lines = ReadAllLines("short\r\n" + big + "\r\nnext\r\n", chunk, 1000, &st);
    ASSERT_EQ(lines.size(), 3u) << "chunk " << chunk;
    EXPECT_EQ(lines[0], "short");
    EXPECT_EQ(st[1], ReadStatus::kTooLong);
    EXPECT_EQ(lines[2], "next");
  }
}

// The end of a dropped line is kept, however the line arrived, so a protocol can see a literal
// marker it ended with (IMAP drains the literal instead of reading it as commands).
TEST(LineConnectionTest, OverlongLineKeepsItsTail) {
  for (size_t chunk : {1, 7, 100, 4096, 1 << 20}) {
    MemoryTransport t(std::string(5000, 'x') + " {12+}\r\nnext\r\n", chunk);
    LineConnection conn(t, 1000);
    std::string line;
    while (!conn.HasBufferedLine()) ASSERT_TRUE(conn.ReadAvailable());
    ASSERT_EQ(conn.ReadLine(line), ReadStatus::kTooLong) << "chunk " << chunk;
    EXPECT_EQ(conn.dropped_line_tail(), std::string(26, 'x') + " {12+}") << "chunk " << chunk;
    ASSERT_EQ(conn.ReadLine(line), ReadStatus::kOk);
    EXPECT_EQ(line, "next");
  }
  MemoryTransport t(std::string(2000, 'y') + "\r\n", 64);  // read by ReadLine alone
  LineConnection conn(t, 1000);
  std::string line;
  ASSERT_EQ(conn.ReadLine(line), ReadStatus::kTooLong);
  EXPECT_EQ(conn.dropped_line_tail(), std::string(32, 'y'));
}

TEST(LineConnectionTest, LimitCountsTheCrlf) {
  std::vector<ReadStatus> st;
  std::string exact(998, 'a');  // 998 + CRLF = 1000 octets: allowed
  ReadAllLines(exact + "\r\n" + exact + "a\r\n", 3, 1000, &st);
  ASSERT_EQ(st.size(), 2u);
  EXPECT_EQ(st[0], ReadStatus::kOk);
  EXPECT_EQ(st[1], ReadStatus::kTooLong);
}

// A session waiting for its client's next line takes what arrives with ReadAvailable and
// gives its thread back until the line is whole (QuietClient): the part waits in the buffer.
TEST(LineConnectionTest, PartOfALineWaitsInTheBufferUntilItsEnd) {
  MemoryTransport t("EHLO ha", 3);
  LineConnection conn(t, 100);
  ASSERT_TRUE(conn.ReadAvailable());
  ASSERT_TRUE(conn.ReadAvailable());
  ASSERT_TRUE(conn.ReadAvailable());
  EXPECT_FALSE(conn.HasBufferedLine());
  EXPECT_FALSE(conn.ReadAvailable());  // nothing more yet: the memory transport says closed
  conn.ReleaseIdleBuffers();           // parked: the part is kept
  t.AddInput("lf\r\nQUIT\r\n");
  while (!conn.HasBufferedLine()) ASSERT_TRUE(conn.ReadAvailable());
  std::string line;
  ASSERT_EQ(conn.ReadLine(line), ReadStatus::kOk);
  EXPECT_EQ(line, "EHLO half");
  ASSERT_EQ(conn.ReadLine(line), ReadStatus::kOk);
  EXPECT_EQ(line, "QUIT");
}

TEST(LineConnectionTest, OverlongPartIsDroppedWhileWaitingAndReported) {
  for (size_t chunk : {1, 7, 300, 4096}) {
    MemoryTransport t(std::string(250, 'x'), chunk);
    LineConnection conn(t, 100);
    while (conn.ReadAvailable()) EXPECT_FALSE(conn.HasBufferedLine());
    conn.ReleaseIdleBuffers();
    t.AddInput(std::string(50, 'y') + "\r\nNOOP\r\n");
    while (!conn.HasBufferedLine()) ASSERT_TRUE(conn.ReadAvailable());
    std::string line;
    EXPECT_EQ(conn.ReadLine(line), ReadStatus::kTooLong) << "chunk " << chunk;
    ASSERT_EQ(conn.ReadLine(line), ReadStatus::kOk) << "chunk " << chunk;
    EXPECT_EQ(line, "NOOP");
  }
}

TEST(LineConnectionTest, UnterminatedLineAtCloseIsNotALine) {
  MemoryTransport t("partial");
  LineConnection conn(t, 100);
  std::string line;
  EXPECT_EQ(conn.ReadLine(line), ReadStatus::kClosed);
}

TEST(LineConnectionTest, ReadsExactLiteralBetweenLines) {
  for (size_t chunk : {1, 3, 64}) {
    MemoryTransport t("A1 APPEND x {11}\r\nhello\r\nbye rest\r\n", chunk);
    LineConnection conn(t, 100);
    std::string line, literal;
    ASSERT_EQ(conn.ReadLine(line), ReadStatus::kOk);
    ASSERT_EQ(conn.ReadExact(11, literal), ReadStatus::kOk);
    EXPECT_EQ(literal, "hello\r\nbye ");
    ASSERT_EQ(conn.ReadLine(line), ReadStatus::kOk);
    EXPECT_EQ(line, "rest");
  }
}

TEST(LineConnectionTest, SkipExactDropsRefusedLiteral) {
  MemoryTransport t("{5+}\r\nA2 NOOPA3 NOOP\r\n", 2);
  LineConnection conn(t, 100);
  std::string line;
  ASSERT_EQ(conn.ReadLine(line), ReadStatus::kOk);
  ASSERT_EQ(conn.SkipExact(7), ReadStatus::kOk);  // "A2 NOOP" never becomes a command
  ASSERT_EQ(conn.ReadLine(line), ReadStatus::kOk);
  EXPECT_EQ(line, "A3 NOOP");
}

TEST(LineConnectionTest, ShortLiteralAtCloseReportsClosed) {
  MemoryTransport t("abc");
  LineConnection conn(t, 100);
  std::string out;
  EXPECT_EQ(conn.ReadExact(10, out), ReadStatus::kClosed);
}

TEST(LineConnectionTest, StartTlsDiscardsPipelinedPlaintext) {
  // The client pipelined a command after STARTTLS; it must not survive the upgrade.
  MemoryTransport t("STARTTLS\r\nRCPT TO:<evil@x>\r\n");
  LineConnection conn(t, 100);
  std::string line;
  ASSERT_EQ(conn.ReadLine(line), ReadStatus::kOk);
  conn.WriteLine("220 2.0.0 Ready to start TLS");
  size_t discarded = 0;
  ASSERT_TRUE(conn.StartTls(&discarded));
  EXPECT_EQ(discarded, std::string("RCPT TO:<evil@x>\r\n").size());
  EXPECT_EQ(t.output(), "220 2.0.0 Ready to start TLS\r\n");
  EXPECT_TRUE(conn.IsTls());
  EXPECT_EQ(conn.ReadLine(line), ReadStatus::kClosed);
}

TEST(LineConnectionTest, WritesAreBufferedUntilARead) {
  MemoryTransport t("x\r\n");
  LineConnection conn(t, 100);
  conn.WriteLine("250-first");
  conn.WriteLine("250 second");
  EXPECT_EQ(t.output(), "");
  std::string line;
  ASSERT_EQ(conn.ReadLine(line), ReadStatus::kOk);
  EXPECT_EQ(t.output(), "250-first\r\n250 second\r\n");
}

// A streamed message: each large chunk reaches the transport at once, in order with the
// buffered text around it, and nothing is sent in pieces larger than what was written.
TEST(LineConnectionTest, LargeWritesGoStraightToTheTransport) {
  struct CountingTransport : MemoryTransport {
    bool Send(std::string_view data) override {
      largest = std::max(largest, data.size());
      ++sends;
      return MemoryTransport::Send(data);
    }
    size_t largest = 0;
    int sends = 0;
  } t;
  LineConnection conn(t, 1000);
  const std::string chunk(256 * 1024, 'x');
  conn.Write("* 1 FETCH (BODY[] {786432}\r\n");
  std::string expected = "* 1 FETCH (BODY[] {786432}\r\n";
  for (int i = 0; i < 3; ++i) {
    conn.Write(chunk);
    expected += chunk;
    EXPECT_EQ(t.output(), expected) << "chunk " << i << " was held back";
  }
  conn.Write(")\r\n");
  conn.Flush();
  EXPECT_EQ(t.output(), expected + ")\r\n");
  EXPECT_EQ(t.largest, chunk.size());
  EXPECT_EQ(t.sends, 5);
}

}  // namespace
}  // namespace mailsuite::net
