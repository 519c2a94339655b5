// MilterChain against a scripted filter on a Unix socket: the corners a well-behaved libmilter
// filter does not reach (what is sent for skipped steps, symbol lists, progress, protocol
// breaches, a filter that stops answering). e2e.test_milter covers the usual paths against
// libmilter itself.
#include "milter/milter_chain.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <thread>

namespace mailsuite::mta::milter {
namespace {

using namespace std::string_literals;

// One filter connection, scripted: `script` reads packets and writes replies.
class ScriptedFilter {
 public:
  using Script = std::function<void(ScriptedFilter&)>;

  explicit ScriptedFilter(Script script) : script_(std::move(script)) {
    char tmpl[] = "/tmp/milter-test-XXXXXX";  // short: a socket path has ~100 octets
    EXPECT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/f.sock";
    listener_ = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path_.c_str());
    EXPECT_EQ(bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(listen(listener_, 4), 0);
    thread_ = std::thread([this] {
      fd_ = accept(listener_, nullptr, nullptr);
      if (fd_ >= 0) script_(*this);
    });
  }
  ~ScriptedFilter() {
    Finish();
    if (fd_ >= 0) close(fd_);
    std::filesystem::remove_all(dir_);
  }

  // Waits for the script to end (the MTA hung up or said QUIT): what it recorded may be read.
  void Finish() {
    if (!thread_.joinable()) return;
    shutdown(listener_, SHUT_RDWR);  // a script that was never connected to ends too
    close(listener_);
    thread_.join();
  }

  MilterSpec Spec(const std::string& options = "") const {
    auto specs = ParseMilters("unix:" + path_ + (options.empty() ? "" : " " + options));
    EXPECT_TRUE(specs.ok());
    return specs->front();
  }

  // The next packet from the MTA; command 0 when the connection ended.
  Packet Read() {
    Packet p;
    for (;;) {
      if (reader_.Next(&p) == PacketReader::Outcome::kPacket) return p;
      char buf[4096];
      ssize_t n = read(fd_, buf, sizeof buf);
      if (n <= 0) return Packet{};
      reader_.Feed(std::string_view(buf, static_cast<size_t>(n)));
    }
  }
  // Reads until a packet with `command`; records every command seen on the way.
  Packet ReadUntil(char command) {
    for (;;) {
      Packet p = Read();
      seen += p.command;
      if (p.command == command || p.command == 0) return p;
      if (p.command == command::kMacro) macros.push_back(p.data);
    }
  }
  // MSG_NOSIGNAL: the MTA may have hung up already.
  void Write(const std::string& bytes) {
    (void)send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  }
  void Reply(char command, const std::string& data = "") { Write(EncodePacket(command, data)); }
  // Negotiates: version 6 with these actions and steps, and optional symbol lists.
  void Negotiate(uint32_t actions, uint32_t steps, const std::string& lists = "") {
    Packet p = ReadUntil(command::kOptionNegotiation);
    EXPECT_EQ(p.data.size(), 12u);
    std::string data;
    for (uint32_t v : {6u, actions, steps})
      for (int shift : {24, 16, 8, 0}) data += static_cast<char>((v >> shift) & 0xff);
    Reply(command::kOptionNegotiation, data + lists);
  }

  std::string seen;                 // commands in the order they came
  std::vector<std::string> macros;  // the data of every macro packet

 private:
  std::string dir_, path_;
  Script script_;
  int listener_ = -1;
  std::atomic<int> fd_{-1};
  std::thread thread_;
  PacketReader reader_;
};

class MilterChainTest : public ::testing::Test {
 protected:
  MilterChainTest() : log_("test", "192.0.2.7") {
    config_.max_message_size = 1 << 20;
    config_.milter_default_action = "tempfail";
    config_.milter_connect_timeout = 2;
    config_.milter_command_timeout = 2;
    config_.milter_content_timeout = 2;
  }
  SmtpConfig config_;
  SessionLog log_;
};

TEST_F(MilterChainTest, MacrosGoEvenForStepsTheFilterSkips) {
  ScriptedFilter f([](ScriptedFilter& s) {
    s.Negotiate(0, step::kNoConnect | step::kNoHelo | step::kNoMail);
    s.ReadUntil(command::kRcpt);
    s.Reply('c');
    s.ReadUntil(command::kQuit);
  });
  MilterChain chain({f.Spec()}, config_, log_);
  EXPECT_EQ(chain.Connect({{"{client_addr}", "192.0.2.7"}}, "[192.0.2.7]", "192.0.2.7").kind,
            Verdict::Kind::kContinue);
  EXPECT_EQ(chain.Helo({}, "client.test").kind, Verdict::Kind::kContinue);
  EXPECT_EQ(chain.Mail({{"{auth_authen}", "bob"}}, {"<a@b.test>"}).kind, Verdict::Kind::kContinue);
  EXPECT_EQ(chain.Rcpt({}, {"<c@d.test>"}).kind, Verdict::Kind::kContinue);
  chain.Quit();
  f.Finish();
  // Neither connect nor MAIL was sent, but their macros were.
  EXPECT_EQ(f.seen.find('C'), std::string::npos);
  EXPECT_EQ(f.seen.find('M'), std::string::npos);
  ASSERT_GE(f.macros.size(), 2u);
  EXPECT_EQ(f.macros[0],
            "C{client_addr}\0"
            "192.0.2.7\0"s);
  EXPECT_EQ(f.macros[1], "M{auth_authen}\0bob\0"s);
}

TEST_F(MilterChainTest, SymbolListsAreServedFromEveryStageSoFar) {
  // At RCPT it wants {client_addr} (a connect macro), and "auth_authen" without braces.
  std::string lists = "\0\0\0\x03{client_addr} auth_authen {nothing}\0"s;
  ScriptedFilter f([&](ScriptedFilter& s) {
    s.Negotiate(0, step::kNoReplyConnect | step::kNoReplyHelo | step::kNoReplyMail, lists);
    s.ReadUntil(command::kRcpt);
    s.Reply('c');
    s.ReadUntil(command::kQuit);
  });
  MilterChain chain({f.Spec()}, config_, log_);
  chain.Connect({{"{client_addr}", "192.0.2.7"}, {"j", "mx.test"}}, "[192.0.2.7]", "192.0.2.7");
  chain.Helo({}, "client.test");
  chain.Mail({{"{auth_authen}", "bob"}}, {"<a@b.test>"});
  chain.Rcpt({{"{rcpt_addr}", "c@d.test"}}, {"<c@d.test>"});
  chain.Quit();
  f.Finish();
  ASSERT_FALSE(f.macros.empty());
  EXPECT_EQ(f.macros.back(),
            "R{client_addr}\0"
            "192.0.2.7\0auth_authen\0bob\0"s);
}

TEST_F(MilterChainTest, ProgressDoesNotOutlastTheContentTimeout) {
  std::atomic<bool> done{false};
  ScriptedFilter f([&](ScriptedFilter& s) {
    s.Negotiate(0, step::kNoConnect | step::kNoHelo | step::kNoMail | step::kNoRcpt |
                       step::kNoData | step::kNoHeaders | step::kNoEndOfHeaders | step::kNoBody);
    s.ReadUntil(command::kEndOfBody);
    while (!done) {  // "still working", forever
      s.Reply('p');
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  config_.milter_content_timeout = 1;
  MilterChain chain({f.Spec()}, config_, log_);
  chain.Connect({}, "[192.0.2.7]", "192.0.2.7");
  chain.Mail({}, {"<a@b.test>"});
  chain.Rcpt({}, {"<c@d.test>"});
  auto started = std::chrono::steady_clock::now();
  MessageOutcome out = chain.Message({}, "Subject: s\r\n\r\nbody\r\n");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_EQ(out.verdict.kind, Verdict::Kind::kTempfail);
  EXPECT_EQ(out.verdict.reply, (std::vector<std::string>{"451 4.7.1 Service unavailable - try "
                                                         "again later"}));
  done = true;
  chain.Quit();
}

TEST_F(MilterChainTest, AChangeItDidNotNegotiateFailsTheFilter) {
  ScriptedFilter f([](ScriptedFilter& s) {
    s.Negotiate(action::kAddHeaders, step::kNoConnect | step::kNoHelo | step::kNoMail |
                                         step::kNoRcpt | step::kNoData | step::kNoHeaders |
                                         step::kNoEndOfHeaders | step::kNoBody);
    s.ReadUntil(command::kEndOfBody);
    s.Reply('+', "<extra@d.test>\0"s);  // adding a recipient was not negotiated
    s.Reply('a');
    s.ReadUntil(command::kQuit);
  });
  MilterChain chain({f.Spec("default_action=accept")}, config_, log_);
  chain.Connect({}, "[192.0.2.7]", "192.0.2.7");
  chain.Mail({}, {"<a@b.test>"});
  MessageOutcome out = chain.Message({}, "Subject: s\r\n\r\nbody\r\n");
  EXPECT_EQ(out.verdict.kind, Verdict::Kind::kContinue) << "default_action=accept";
  EXPECT_TRUE(out.added_recipients.empty());
  EXPECT_EQ(out.content, "Subject: s\r\n\r\nbody\r\n");
}

TEST_F(MilterChainTest, GarbageFromTheFilterGetsTheDefaultAction) {
  ScriptedFilter f([](ScriptedFilter& s) {
    s.Negotiate(0, 0);
    s.ReadUntil(command::kConnect);
    s.Write(
        "\xff\xff\xff\xff"
        "garbage"s);
  });
  MilterChain chain({f.Spec("default_action=reject")}, config_, log_);
  Verdict v = chain.Connect({}, "[192.0.2.7]", "192.0.2.7");
  EXPECT_EQ(v.kind, Verdict::Kind::kReject);
  EXPECT_EQ(v.reply, (std::vector<std::string>{"550 5.7.1 Command rejected"}));
  // The refusal holds for the session: MAIL gets it without asking anyone.
  EXPECT_EQ(chain.Mail({}, {"<a@b.test>"}).reply, v.reply);
}

TEST_F(MilterChainTest, HeadersBodyChunksAndChangesInOrder) {
  std::string body(70000, 'x');
  body += "\r\n";
  std::vector<size_t> chunks;
  ScriptedFilter f([&](ScriptedFilter& s) {
    s.Negotiate(action::kAll, step::kNoConnect | step::kNoHelo | step::kNoMail | step::kNoRcpt);
    s.ReadUntil(command::kData);
    s.Reply('c');
    for (;;) {
      Packet p = s.Read();
      if (p.command == command::kMacro) continue;  // macros get no reply
      if (p.command == command::kBody) chunks.push_back(p.data.size());
      if (p.command == command::kEndOfBody || p.command == 0) break;
      s.Reply('c');
    }
    s.Reply('h', "X-Filter\0one\0"s);
    s.Reply('m', "\0\0\0\x01Subject\0\0"s);
    s.Reply('-', "<c@d.test>\0"s);
    s.Reply('e', "<bounce@b.test>\0"s);
    s.Reply('q', "looks odd\0"s);
    s.Reply('c');
    s.ReadUntil(command::kQuit);
  });
  MilterChain chain({f.Spec()}, config_, log_);
  chain.Connect({}, "[192.0.2.7]", "192.0.2.7");
  chain.Mail({}, {"<a@b.test>"});
  MessageOutcome out = chain.Message({{"i", "q1"}}, "Subject: s\r\nTo: c@d.test\r\n\r\n" + body);
  chain.Quit();
  f.Finish();
  EXPECT_EQ(chunks, (std::vector<size_t>{65535, 70002 - 65535}));
  EXPECT_EQ(out.verdict.kind, Verdict::Kind::kContinue);
  EXPECT_EQ(out.content, "To: c@d.test\r\nX-Filter: one\r\n\r\n" + body);
  EXPECT_EQ(out.deleted_recipients, (std::vector<std::string>{"c@d.test"}));
  EXPECT_EQ(out.sender, "bounce@b.test");
  EXPECT_EQ(out.quarantine, "looks odd");
}

}  // namespace
}  // namespace mailsuite::mta::milter
