// An ImapSession driven over an in-memory transport with a real temporary store: whole
// transcripts in, reply lines and stored state out. Shared by the imapd session tests.
#pragma once

#include "imap/session.h"
#include "protocol_test_base.h"
#include "shared/net/memory_transport.h"

namespace mailsuite::imapd {

using testing::Lines;
using testing::TalkOptions;

// The reply lines that start with `prefix`.
inline std::vector<std::string> Grep(const std::vector<std::string>& lines,
                                     const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& l : lines)
    if (l.compare(0, prefix.size(), prefix) == 0) out.push_back(l);
  return out;
}

class ImapSessionTest : public testing::ProtocolTestBase {
 protected:
  void SetUp() override {
    ProtocolTestBase::SetUp();
    config_.imap.max_literal_size = 4096;
  }

  std::vector<store::MessageInfo> Messages(const std::string& box = "INBOX") {
    return *store_->ListMessages(BoxId(box));
  }

  // Runs a whole session on `input`; returns everything the server sent.
  std::string TalkRaw(const std::string& input, const TalkOptions& o = {}) {
    net::MemoryTransport transport(input, o.chunk, o.tls_available);
    transport.SetInputAfterTls(o.after_tls);
    return TalkOver(transport, o);
  }
  std::string TalkOver(net::MemoryTransport& transport, const TalkOptions& o = {}) {
    ImapServices services{config_, *store_, failures_, user_connections_};
    net::LineConnection conn(transport, static_cast<size_t>(config_.imap.max_line_length));
    net::ConnectionInfo info = Info("imap", o.peer);
    ImapSession(services, conn, info).Run();
    return transport.output();
  }
  std::vector<std::string> Talk(const std::string& input, const TalkOptions& o = {}) {
    return Lines(TalkRaw(input, o));
  }

  UserConnections user_connections_;  // shared by the sessions of one test
};

inline const std::string kLogin = "l LOGIN bob@example.test hungry\r\n";

}  // namespace mailsuite::imapd
