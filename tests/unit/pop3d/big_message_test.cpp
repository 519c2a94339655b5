// RETR and TOP of a multi-megabyte message: streamed from the store in chunks, never held whole
// (issue #12), and still byte-exact.
#include "allocation_probe.h"  // replaces operator new for this test binary
#include "pop3/message_text.h"
#include "session_fixture.h"

namespace mailsuite::pop3d {
namespace {

using mailsuite::testing::AllocationProbe;

// Counts what the session sends and keeps only its last few KB, so the test's own copy of a
// multi-megabyte reply does not count.
class TailTransport : public net::MemoryTransport {
 public:
  using MemoryTransport::MemoryTransport;
  bool Send(std::string_view data) override {
    total_ += data.size();
    tail_.append(data.substr(data.size() > 4096 ? data.size() - 4096 : 0));
    if (tail_.size() > 8192) tail_.erase(0, tail_.size() - 4096);
    return true;
  }
  const std::string& tail() const { return tail_; }
  size_t total() const { return total_; }

 private:
  std::string tail_;
  size_t total_ = 0;
};

uint64_t Checksum(std::string_view data) {
  uint64_t sum = 0;
  for (unsigned char c : data) sum = sum * 31 + c;
  return sum;
}

TEST_F(Pop3SessionTest, BigRetrAndTopAreStreamed) {
  std::string message = "From: carol@example.org\r\nSubject: big\r\n\r\n";
  for (int line = 0; message.size() < (4u << 20); ++line)
    message += (line % 100 == 0 ? "." : "") + std::to_string(line) + std::string(70, 'q') + "\r\n";
  Deliver(message);
  std::string stuffed;
  AppendMultiline(stuffed, message);  // what RETR must send after its first line

  for (const auto& [command, want_below] : {std::pair<std::string, size_t>{"TOP 1 0", 64 * 1024},
                                            {"TOP 1 3", 64 * 1024},
                                            {"RETR 1", 1 << 20}}) {
    TailTransport transport(kLogin + command + "\r\nQUIT\r\n");
    Pop3Services services{config_, *store_, failures_};
    net::LineConnection conn(transport, 1000);
    net::ConnectionInfo info = Info("pop3", "127.0.0.1");
    size_t largest = 0;
    {
      AllocationProbe probe;
      Pop3Session(services, conn, info).Run();
      largest = probe.largest();
    }
    EXPECT_LT(largest, want_below) << command << " allocated " << largest;
    EXPECT_NE(transport.tail().find("signing off"), std::string::npos) << transport.tail();
    if (command == "RETR 1") {
      // Greeting, +OK to USER and PASS, the RETR reply, the QUIT reply.
      std::string head = "+OK " + std::to_string(message.size()) + " octets\r\n";
      EXPECT_NE(transport.tail().find(stuffed.substr(stuffed.size() - 200)), std::string::npos);
      EXPECT_GT(transport.total(), stuffed.size() + head.size());
    }
  }
  // Byte-exact, through the ordinary transcript.
  std::string out = TalkRaw(kLogin + "RETR 1\r\nQUIT\r\n");
  std::string head = "+OK " + std::to_string(message.size()) + " octets\r\n";
  size_t start = out.find(head);
  ASSERT_NE(start, std::string::npos);
  EXPECT_EQ(Checksum(out.substr(start + head.size(), stuffed.size())), Checksum(stuffed));
}

}  // namespace
}  // namespace mailsuite::pop3d
