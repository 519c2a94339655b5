// A Pop3Session driven over an in-memory transport with a real temporary store: whole
// transcripts in, reply lines and stored state out. Shared by the pop3d session tests.
#pragma once

#include "pop3/session.h"
#include "protocol_test_base.h"
#include "shared/net/memory_transport.h"

namespace mailsuite::pop3d {

using testing::Lines;
using testing::TalkOptions;

class Pop3SessionTest : public testing::ProtocolTestBase {
 protected:
  void SetUp() override {
    ProtocolTestBase::SetUp();
    config_.general.hostname = "pop.example.test";
  }

  // Delivers `content` to bob's INBOX; returns the UID.
  uint32_t Deliver(const std::string& content) { return ProtocolTestBase::Deliver(content); }
  store::MailboxId InboxId() { return BoxId("INBOX"); }
  size_t InboxCount() { return store_->ListMessages(InboxId())->size(); }

  // Runs a whole session on `input`; returns everything the server sent.
  std::string TalkRaw(const std::string& input, const TalkOptions& o = {}) {
    Pop3Services services{config_, *store_, failures_};
    net::MemoryTransport transport(input, o.chunk, o.tls_available);
    transport.SetInputAfterTls(o.after_tls);
    net::LineConnection conn(transport, static_cast<size_t>(config_.pop3.max_line_length));
    net::ConnectionInfo info = Info("pop3", o.peer);
    Pop3Session(services, conn, info).Run();
    return transport.output();
  }
  std::vector<std::string> Talk(const std::string& input, const TalkOptions& o = {}) {
    return Lines(TalkRaw(input, o));
  }
};

inline const std::string kLogin = "USER bob@example.test\r\nPASS hungry\r\n";

}  // namespace mailsuite::pop3d
