// DeflateTransport (COMPRESS=DEFLATE) over MemoryTransport, against an independent zlib peer:
// round trips, per-Send flushing, bounded output for a bomb, corrupt input, WaitReadable, and
// LineConnection::PushLayer with pipelined input.
#include "shared/net/deflate_transport.h"

#include <gtest/gtest.h>

#include <iostream>

#include "deflate_peer.h"
#include "shared/net/line_connection.h"
#include "shared/net/memory_transport.h"

namespace mailsuite::net {
namespace {

using testing::DeflatePeer;

// Says whether anything is readable as scripted, and counts how often it was asked.
class ScriptedWaitTransport : public MemoryTransport {
 public:
  using MemoryTransport::MemoryTransport;
  bool WaitReadable(std::chrono::milliseconds) override {
    ++waits;
    return readable;
  }
  bool readable = false;
  int waits = 0;
};

// Input that arrives in parts: ReceiveNow says kNotYet once what has arrived is taken, the way a
// socket with nothing more to read does.
class ArrivingTransport : public MemoryTransport {
 public:
  ArrivingTransport() : MemoryTransport("") {}
  ReceiveStatus ReceiveNow(char* buffer, size_t size, size_t& got) override {
    ReceiveStatus s = Receive(buffer, size, got);
    return s == ReceiveStatus::kClosed ? ReceiveStatus::kNotYet : s;
  }
};

std::string ReceiveAll(Transport& t, size_t buffer_size, ReceiveStatus* last = nullptr) {
  std::string all;
  std::string buf(buffer_size, '\0');
  for (int i = 0; i < 1000000; ++i) {
    size_t got = 0;
    ReceiveStatus s = t.Receive(buf.data(), buf.size(), got);
    if (s != ReceiveStatus::kData) {
      if (last) *last = s;
      return all;
    }
    EXPECT_LE(got, buffer_size);
    all.append(buf, 0, got);
  }
  ADD_FAILURE() << "Receive never ended";
  return all;
}

std::string SampleText(size_t lines) {
  std::string text;
  for (size_t i = 0; i < lines; ++i)
    text += "* " + std::to_string(i + 1) + " FETCH (UID " + std::to_string(i + 100) +
            " FLAGS (\\Seen) RFC822.SIZE 4242)\r\n";
  return text;
}

TEST(DeflateTransportTest, RoundTripsBothWays) {
  DeflatePeer client;
  const std::string up = SampleText(2000);  // ~110 KB: several reads below
  MemoryTransport below(client.Compress(up), 1000);
  auto t = DeflateTransport::Create(below);
  ASSERT_TRUE(t);
  ReceiveStatus last;
  EXPECT_EQ(ReceiveAll(*t, 16 * 1024, &last), up);
  EXPECT_EQ(last, ReceiveStatus::kClosed);

  const std::string down = SampleText(3000) + std::string(70000, 'x');
  ASSERT_TRUE(t->Send(down));
  EXPECT_LT(below.output().size(), down.size() / 5);
  EXPECT_EQ(client.Decompress(below.output()), down);
  EXPECT_EQ(t->stats().plain_out, down.size());
  EXPECT_EQ(t->stats().compressed_out, below.output().size());
  EXPECT_EQ(t->stats().plain_in, up.size());
}

TEST(DeflateTransportTest, EverySendIsReadableAtOnce) {
  MemoryTransport below;
  auto t = DeflateTransport::Create(below);
  ASSERT_TRUE(t);
  DeflatePeer client;
  size_t seen = 0;
  for (int i = 0; i < 500; ++i) {
    std::string line = "* OK line " + std::to_string(i) + "\r\n";
    ASSERT_TRUE(t->Send(line));
    // Only what this Send added: a sync flush means the client gets the whole line now.
    EXPECT_EQ(client.Decompress(std::string_view(below.output()).substr(seen)), line) << i;
    seen = below.output().size();
  }
}

TEST(DeflateTransportTest, ManySmallWritesFromTheClient) {
  DeflatePeer client;
  std::string wire, plain;
  for (int i = 0; i < 300; ++i) {
    std::string cmd = "a" + std::to_string(i) + " NOOP\r\n";
    plain += cmd;
    wire += client.Compress(cmd);
  }
  for (size_t chunk : {1, 3, 64, 4096}) {
    MemoryTransport below(wire, chunk);
    auto t = DeflateTransport::Create(below);
    LineConnection conn(*t, 1000);
    std::string line, got;
    while (conn.ReadLine(line) == ReadStatus::kOk) got += line + "\r\n";
    EXPECT_EQ(got, plain) << "chunk " << chunk;
  }
}

TEST(DeflateTransportTest, BombIsHandedOutInBoundedPiecesAndLineLimited) {
  DeflatePeer client(9);
  // 16 MB of 'a' without a line end compresses to about 16 KB.
  std::string wire;
  const std::string block(1 << 20, 'a');
  for (int i = 0; i < 16; ++i) wire += client.Compress(block);
  wire += client.Compress("\r\nb NOOP\r\n");
  ASSERT_LT(wire.size(), 64u * 1024);

  MemoryTransport below(wire);
  auto t = DeflateTransport::Create(below);
  char buf[16 * 1024];
  size_t got = 0;
  ASSERT_EQ(t->Receive(buf, sizeof buf, got), ReceiveStatus::kData);
  EXPECT_EQ(got, sizeof buf);  // at most the caller's buffer, though far more is pending
  EXPECT_TRUE(t->WaitReadable(std::chrono::milliseconds(0)));

  LineConnection conn(*t, 1000);
  std::string line;
  EXPECT_EQ(conn.ReadLine(line), ReadStatus::kTooLong);
  ASSERT_EQ(conn.ReadLine(line), ReadStatus::kOk);
  EXPECT_EQ(line, "b NOOP");
  EXPECT_LT(t->zlib_bytes(), 100u * 1024);  // zlib state only; nothing grew with the bomb
}

TEST(DeflateTransportTest, CorruptStreamIsAnErrorThatStays) {
  DeflatePeer client;
  std::string wire = client.Compress("a NOOP\r\n");
  MemoryTransport below(wire + "\xff\xff\xff\xff garbage that is not deflate");
  auto t = DeflateTransport::Create(below);
  char buf[100];
  size_t got = 0;
  ASSERT_EQ(t->Receive(buf, sizeof buf, got), ReceiveStatus::kData);
  EXPECT_EQ(std::string(buf, got), "a NOOP\r\n");
  EXPECT_EQ(t->Receive(buf, sizeof buf, got), ReceiveStatus::kError);
  EXPECT_EQ(t->Receive(buf, sizeof buf, got), ReceiveStatus::kError);
  EXPECT_TRUE(t->WaitReadable(std::chrono::milliseconds(0)));  // Receive has news: the error

  // Plaintext where compressed data is due (a client that did not switch) is refused too.
  MemoryTransport plain("a NOOP\r\nb NOOP\r\n");
  auto t2 = DeflateTransport::Create(plain);
  ReceiveStatus last;
  std::string out = ReceiveAll(*t2, 100, &last);
  EXPECT_EQ(last, ReceiveStatus::kError);
  EXPECT_EQ(out.find("NOOP"), std::string::npos);
}

TEST(DeflateTransportTest, EndOfTheDeflateStreamClosesAfterTheData) {
  DeflatePeer client;
  MemoryTransport below(client.Compress("a LOGOUT\r\n", Z_FINISH) + "trailing");
  auto t = DeflateTransport::Create(below);
  ReceiveStatus last;
  EXPECT_EQ(ReceiveAll(*t, 100, &last), "a LOGOUT\r\n");
  EXPECT_EQ(last, ReceiveStatus::kClosed);
}

TEST(DeflateTransportTest, WaitReadableSeesPendingDataWithoutAskingBelow) {
  DeflatePeer client;
  ScriptedWaitTransport below;
  // Pipelined compressed bytes: pending before anything is read from below.
  auto t = DeflateTransport::Create(below, client.Compress("a NOOP\r\nb NOOP\r\n"));
  EXPECT_TRUE(t->WaitReadable(std::chrono::milliseconds(0)));
  EXPECT_EQ(below.waits, 0);
  // A small buffer leaves inflated bytes inside zlib: still pending, still not asking below.
  char buf[5];
  size_t got = 0;
  std::string read;
  ASSERT_EQ(t->Receive(buf, sizeof buf, got), ReceiveStatus::kData);
  read.append(buf, got);
  EXPECT_TRUE(t->WaitReadable(std::chrono::milliseconds(0)));
  EXPECT_EQ(below.waits, 0);
  while (read.size() < 16) {
    ASSERT_EQ(t->Receive(buf, sizeof buf, got), ReceiveStatus::kData);
    read.append(buf, got);
  }
  EXPECT_EQ(read, "a NOOP\r\nb NOOP\r\n");
  // All consumed: the answer comes from below, both ways.
  EXPECT_FALSE(t->WaitReadable(std::chrono::milliseconds(0)));
  EXPECT_EQ(below.waits, 1);
  below.readable = true;
  EXPECT_TRUE(t->WaitReadable(std::chrono::milliseconds(0)));
  EXPECT_EQ(below.waits, 2);
}

TEST(DeflateTransportTest, MemoryPerConnectionIsSmall) {
  MemoryTransport below;
  auto t = DeflateTransport::Create(below);
  const size_t at_start = t->zlib_bytes();
  DeflatePeer client;
  below.AddInput(client.Compress(SampleText(100)));
  std::string all = ReceiveAll(*t, 16 * 1024);
  ASSERT_TRUE(t->Send(SampleText(100)));
  const size_t in_use = t->zlib_bytes();
  std::cout << "[ memory   ] zlib bytes per connection: " << at_start << " at start, " << in_use
            << " after traffic; compressed " << t->stats().plain_out << " -> "
            << t->stats().compressed_out << " bytes\n";
  RecordProperty("zlib_bytes_at_start", static_cast<int>(at_start));
  RecordProperty("zlib_bytes_in_use", static_cast<int>(in_use));
  // The default zlib settings (windowBits 15, memLevel 8) would need about 300 KB.
  EXPECT_LT(in_use, 90u * 1024);
  t.reset();
}

TEST(LineConnectionLayerTest, PushLayerFlushesFirstAndFeedsPipelinedInputToTheLayer) {
  DeflatePeer client;
  // The client pipelined a compressed command right behind COMPRESS (RFC 4978 3 forbids it,
  // but those bytes can only be compressed input, never plaintext commands).
  MemoryTransport below("c COMPRESS DEFLATE\r\n" + client.Compress("n NOOP\r\n"));
  LineConnection conn(below, 1000);
  std::string line;
  ASSERT_EQ(conn.ReadLine(line), ReadStatus::kOk);
  EXPECT_EQ(line, "c COMPRESS DEFLATE");
  conn.WriteLine("c OK DEFLATE active");
  ASSERT_TRUE(conn.PushLayer([](Transport& t, std::string_view pipelined) {
    return DeflateTransport::Create(t, pipelined);
  }));
  EXPECT_EQ(conn.layer_count(), 1u);
  EXPECT_EQ(below.output(), "c OK DEFLATE active\r\n");  // sent before the layer, in plaintext
  EXPECT_TRUE(conn.WaitReadable(std::chrono::milliseconds(0)));
  ASSERT_EQ(conn.ReadLine(line), ReadStatus::kOk);
  EXPECT_EQ(line, "n NOOP");
  conn.WriteLine("n OK NOOP completed");
  ASSERT_TRUE(conn.Flush());
  std::string after = below.output().substr(std::string("c OK DEFLATE active\r\n").size());
  EXPECT_EQ(after.find("NOOP"), std::string::npos);  // compressed on the wire
  EXPECT_EQ(client.Decompress(after), "n OK NOOP completed\r\n");
  EXPECT_FALSE(conn.CanStartTls());
}

TEST(LineConnectionLayerTest, AFailedFactoryChangesNothing) {
  MemoryTransport below("a NOOP\r\nb NOOP\r\n");
  LineConnection conn(below, 1000);
  std::string line;
  ASSERT_EQ(conn.ReadLine(line), ReadStatus::kOk);
  EXPECT_FALSE(conn.PushLayer([](Transport&, std::string_view) { return nullptr; }));
  EXPECT_EQ(conn.layer_count(), 0u);
  ASSERT_EQ(conn.ReadLine(line), ReadStatus::kOk);
  EXPECT_EQ(line, "b NOOP");
}

TEST(DeflateTransportTest, ReceiveNowSaysNotYetForPartOfABlock) {
  DeflatePeer client;
  const std::string wire = client.Compress("a NOOP\r\n");
  ASSERT_GT(wire.size(), 4u);
  ArrivingTransport below;
  below.AddInput(wire.substr(0, 2));  // too little to inflate a byte
  auto t = DeflateTransport::Create(below);
  LineConnection conn(*t, 1000);
  // What a parked session does when its socket turned readable: must not wait for the rest.
  EXPECT_TRUE(conn.ReadAvailable());
  EXPECT_FALSE(conn.HasBufferedLine());
  below.AddInput(wire.substr(2));
  EXPECT_TRUE(conn.ReadAvailable());
  ASSERT_TRUE(conn.HasBufferedLine());
  std::string line;
  ASSERT_EQ(conn.ReadLine(line), ReadStatus::kOk);
  EXPECT_EQ(line, "a NOOP");
}

}  // namespace
}  // namespace mailsuite::net
