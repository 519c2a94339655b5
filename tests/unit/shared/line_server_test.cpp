// LineServer over real loopback sockets: STARTTLS upgrades in place and drops what the client
// pipelined in plaintext after the command (CVE-2011-0411), and Stop() ends lingering sessions.
#include "shared/net/line_server.h"

#include <gtest/gtest.h>

#include <filesystem>

#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/StreamSocket.h>

#include "shared/tls.h"

namespace mailsuite::net {
namespace {

class LineServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ms-line-server-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    TlsConfig tls{(dir_ / "cert.pem").string(), (dir_ / "key.pem").string()};
    ASSERT_TRUE(WriteSelfSignedCertificate("localhost", tls.certificate, tls.private_key).ok());
    auto ctx = MakeServerTlsContext(tls);
    ASSERT_TRUE(ctx.ok()) << ctx.error();
    server_ctx_ = *ctx;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // An echo protocol: "STARTTLS" upgrades, "QUIT" ends, anything else is echoed back.
  static void Echo(LineConnection& conn, const ConnectionInfo&) {
    conn.WriteLine("220 hello");
    std::string line;
    while (conn.ReadLine(line) == ReadStatus::kOk) {
      if (line == "QUIT") return;
      if (line == "STARTTLS") {
        conn.WriteLine("220 go ahead");
        if (!conn.StartTls()) return;
        continue;
      }
      conn.WriteLine("echo: " + line + (conn.IsTls() ? " (tls)" : ""));
    }
  }

  static std::string ReadLine(Poco::Net::StreamSocket& s) {
    std::string line;
    char c;
    while (s.receiveBytes(&c, 1) == 1) {
      line += c;
      if (line.size() >= 2 && line.compare(line.size() - 2, 2, "\r\n") == 0)
        return line.substr(0, line.size() - 2);
    }
    return line.empty() ? "<closed>" : line;
  }

  std::filesystem::path dir_;
  Poco::Net::Context::Ptr server_ctx_;
};

TEST_F(LineServerTest, StartTlsDropsPipelinedPlaintext) {
  LineServer server(ServerOptions{}, server_ctx_, Echo);
  ASSERT_TRUE(server.Start({{"test", Endpoint{"127.0.0.1", 0}, false}}).ok());
  uint16_t port = server.bound()[0].endpoint.port;
  ASSERT_NE(port, 0);

  Poco::Net::StreamSocket client(Poco::Net::SocketAddress("127.0.0.1", port));
  client.setReceiveTimeout(Poco::Timespan(10, 0));
  EXPECT_EQ(ReadLine(client), "220 hello");
  const std::string burst = "STARTTLS\r\nINJECTED\r\n";  // one write: one segment
  client.sendBytes(burst.data(), static_cast<int>(burst.size()));
  EXPECT_EQ(ReadLine(client), "220 go ahead");

  Poco::Net::SecureStreamSocket tls =
      Poco::Net::SecureStreamSocket::attach(client, MakeClientTlsContext());
  tls.setReceiveTimeout(Poco::Timespan(10, 0));
  const std::string hello = "HELLO\r\n";
  tls.sendBytes(hello.data(), static_cast<int>(hello.size()));
  EXPECT_EQ(ReadLine(tls), "echo: HELLO (tls)") << "the injected line must never be executed";
  tls.sendBytes("QUIT\r\n", 6);
  EXPECT_EQ(ReadLine(tls), "<closed>");
  server.Stop(std::chrono::seconds(5));
}

TEST_F(LineServerTest, ImplicitTlsListenerHandshakesFirst) {
  LineServer server(ServerOptions{}, server_ctx_, Echo);
  ASSERT_TRUE(server.Start({{"tls", Endpoint{"127.0.0.1", 0}, true}}).ok());
  Poco::Net::SecureStreamSocket tls(
      Poco::Net::SocketAddress("127.0.0.1", server.bound()[0].endpoint.port),
      MakeClientTlsContext());
  tls.setReceiveTimeout(Poco::Timespan(10, 0));
  EXPECT_EQ(ReadLine(tls), "220 hello");
  tls.sendBytes("STARTTLS\r\n", 10);  // already TLS: the upgrade is refused, session ends
  EXPECT_EQ(ReadLine(tls), "220 go ahead");
  EXPECT_EQ(ReadLine(tls), "<closed>");
  server.Stop(std::chrono::seconds(5));
}

TEST_F(LineServerTest, StopCutsSessionsAfterTheGracePeriod) {
  LineServer server(ServerOptions{}, server_ctx_, Echo);
  ASSERT_TRUE(server.Start({{"test", Endpoint{"127.0.0.1", 0}, false}}).ok());
  Poco::Net::StreamSocket client(
      Poco::Net::SocketAddress("127.0.0.1", server.bound()[0].endpoint.port));
  client.setReceiveTimeout(Poco::Timespan(10, 0));
  EXPECT_EQ(ReadLine(client), "220 hello");
  EXPECT_EQ(server.active_connections(), 1);
  auto started = std::chrono::steady_clock::now();
  server.Stop(std::chrono::seconds(1));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(8));
  EXPECT_EQ(server.active_connections(), 0);
  EXPECT_EQ(ReadLine(client), "<closed>");
}

TEST_F(LineServerTest, PerIpCapSendsTheBusyReply) {
  ServerOptions options;
  options.max_connections_per_ip = 1;
  options.busy_reply = "421 busy";
  LineServer server(options, server_ctx_, Echo);
  ASSERT_TRUE(server.Start({{"test", Endpoint{"127.0.0.1", 0}, false}}).ok());
  Poco::Net::SocketAddress addr("127.0.0.1", server.bound()[0].endpoint.port);
  Poco::Net::StreamSocket first(addr);
  first.setReceiveTimeout(Poco::Timespan(10, 0));
  EXPECT_EQ(ReadLine(first), "220 hello");
  Poco::Net::StreamSocket second(addr);
  second.setReceiveTimeout(Poco::Timespan(10, 0));
  EXPECT_EQ(ReadLine(second), "421 busy");
  EXPECT_EQ(ReadLine(second), "<closed>");
  first.sendBytes("QUIT\r\n", 6);
  EXPECT_EQ(ReadLine(first), "<closed>");
  server.Stop(std::chrono::seconds(5));
}

}  // namespace
}  // namespace mailsuite::net
