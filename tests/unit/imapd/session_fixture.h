// An ImapSession driven over an in-memory transport with a real temporary store: whole
// transcripts in, reply lines and stored state out. Shared by the imapd session tests.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "imap/session.h"
#include "shared/auth/password.h"
#include "shared/net/memory_transport.h"

namespace mailsuite::imapd {

inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t e = text.find("\r\n", pos);
    if (e == std::string::npos) e = text.size();
    out.push_back(text.substr(pos, e - pos));
    pos = e + 2;
  }
  return out;
}

// The reply lines that start with `prefix`.
inline std::vector<std::string> Grep(const std::vector<std::string>& lines,
                                     const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& l : lines)
    if (l.compare(0, prefix.size(), prefix) == 0) out.push_back(l);
  return out;
}

struct TalkOptions {
  std::string peer = "127.0.0.1";
  std::string after_tls;
  size_t chunk = 1 << 20;
  bool tls_available = true;
};

class ImapSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ms-imap-XXXXXX").string();
    ASSERT_TRUE(mkdtemp(tmpl.data()));
    dir_ = tmpl;
    auto store = store::OpenStore(dir_ + "/m.db", 30000, true);
    ASSERT_TRUE(store.ok()) << store.error();
    store_ = std::move(store).value();
    ASSERT_TRUE(store_->AddDomain("example.test").ok());
    bob_ =
        store_->AddUser("bob@example.test", auth::HashPassword("hungry", auth::kTestPasswordCost))
            ->id;
    auto config = ParseConfig("", "test", "", {});
    ASSERT_TRUE(config.ok());
    config_ = *config;
    config_.imap.max_literal_size = 4096;
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Delivers `content` to one of bob's mailboxes; returns the UID.
  uint32_t Deliver(const std::string& content, const std::string& box = "INBOX",
                   const std::string& prefix = "") {
    auto uids = store_->Deliver({store::DeliveryTarget(BoxId(box), prefix)}, content, 1700000000);
    EXPECT_TRUE(uids.ok()) << uids.error();
    return uids.ok() ? (*uids)[0] : 0;
  }
  store::MailboxId BoxId(const std::string& name = "INBOX") {
    auto m = store_->GetMailbox(bob_, name);
    return m.ok() && m->has_value() ? (**m).id : 0;
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
    ImapServices services{config_, *store_, failures_};
    net::LineConnection conn(transport, static_cast<size_t>(config_.imap.max_line_length));
    net::ConnectionInfo info;
    info.session_id = "test";
    info.listener = "imap";
    info.peer_address = o.peer;
    info.peer_is_loopback = o.peer == "127.0.0.1";
    ImapSession(services, conn, info).Run();
    return transport.output();
  }
  std::vector<std::string> Talk(const std::string& input, const TalkOptions& o = {}) {
    return Lines(TalkRaw(input, o));
  }

  std::string dir_;
  std::unique_ptr<store::Store> store_;
  Config config_;
  auth::AuthFailureTracker failures_{std::chrono::milliseconds(1)};
  store::UserId bob_ = 0;
};

inline const std::string kLogin = "l LOGIN bob@example.test hungry\r\n";

}  // namespace mailsuite::imapd
