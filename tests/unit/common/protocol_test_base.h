// What the protocol session tests of mta, pop3d and imapd share: a temporary store with domain
// example.test and user bob@example.test (password "hungry", cheap hash), the default config,
// and helpers to split a transcript into lines and to deliver a message. Each module's fixture
// adds only how to run its own session over a MemoryTransport.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "shared/auth/password.h"
#include "shared/config.h"
#include "shared/net/line_server.h"
#include "store/store.h"

namespace mailsuite::testing {

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

struct TalkOptions {
  std::string peer = "127.0.0.1";
  std::string after_tls;  // what the client sends once TLS is up
  size_t chunk = 1 << 20;
  bool tls_available = true;
};

class ProtocolTestBase : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ms-session-XXXXXX").string();
    ASSERT_TRUE(mkdtemp(tmpl.data()));
    dir_ = tmpl;
    auto store = store::OpenStore(dir_ + "/m.db", 30000, true);
    ASSERT_TRUE(store.ok()) << store.error();
    store_ = std::move(store).value();
    ASSERT_TRUE(store_->AddDomain("example.test").ok());
    bob_ = AddUser("bob@example.test", "hungry");
    auto config = ParseConfig("", "test", "", {});
    ASSERT_TRUE(config.ok());
    config_ = *config;
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  store::UserId AddUser(const std::string& address, const std::string& password) {
    auto user = store_->AddUser(address, auth::HashPassword(password, auth::kTestPasswordCost));
    EXPECT_TRUE(user.ok()) << user.error();
    return user.ok() ? user->id : 0;
  }
  store::MailboxId BoxId(const std::string& name = "INBOX", store::UserId user = 0) {
    auto m = store_->GetMailbox(user ? user : bob_, name);
    return m.ok() && m->has_value() ? (**m).id : 0;
  }
  // Delivers `content` to one of bob's mailboxes; returns the UID. Unless `recent`, the message
  // is claimed at once, as if another client had seen it, so it is not \Recent in the session
  // under test (the tests of \Recent ask for it).
  uint32_t Deliver(const std::string& content, const std::string& box = "INBOX",
                   const std::string& prefix = "", bool recent = false) {
    store::MailboxId id = BoxId(box);
    auto uids = store_->Deliver({store::DeliveryTarget(id, prefix)}, content, 1700000000);
    EXPECT_TRUE(uids.ok()) << uids.error();
    if (!uids.ok()) return 0;
    if (!recent) {
      EXPECT_TRUE(store_->ClaimRecent(id, (*uids)[0] + 1).ok());
    }
    return (*uids)[0];
  }
  static net::ConnectionInfo Info(const std::string& listener, const std::string& peer) {
    net::ConnectionInfo info;
    info.session_id = "test";
    info.listener = listener;
    info.peer_address = peer;
    info.peer_is_loopback = peer == "127.0.0.1";
    return info;
  }

  std::string dir_;
  std::unique_ptr<store::Store> store_;
  Config config_;
  auth::AuthFailureTracker failures_{std::chrono::milliseconds(1)};
  store::UserId bob_ = 0;
};

}  // namespace mailsuite::testing
