// Migration from a database written by the v3 release (tests/unit/store/data/release-v3.db:
// made by that release's daemons: six messages delivered over SMTP to alice and some to bob,
// then over IMAP flags set, two expunges, a COPY into Projects/2026 and an APPEND). Opening
// it upgrades the schema and keeps every UID, UIDVALIDITY, MODSEQ, flag and expunge, and fills
// the new per-mailbox counters from the rows.
#include <gtest/gtest.h>

#include <filesystem>

#include "store_test_util.h"

namespace mailsuite::store::test {
namespace {

using Uids = std::vector<uint32_t>;

TEST(Migration, ReleaseV3DatabaseKeepsEverythingAndGainsCounters) {
  SQLITE_ONLY("a database file left by an older release");
  TempDir dir;
  std::string path = dir.File("mailsuite.db");
  std::filesystem::copy_file(
      std::string(MAILSUITE_SOURCE_DIR) + "/tests/unit/store/data/release-v3.db", path);
  ASSERT_EQ(testing::ReadSchemaVersion(path).value(), 3);
  {
    auto store = MustOpen(path);
    ASSERT_TRUE(store);
    EXPECT_EQ(testing::ReadSchemaVersion(path).value(), testing::CurrentSchemaVersion());
    auto alice = store->FindUser("alice@example.test").value();
    ASSERT_TRUE(alice.has_value());
    auto inbox = store->GetMailbox(alice->id, "INBOX").value();
    ASSERT_TRUE(inbox.has_value());
    EXPECT_EQ(inbox->uid_validity, 1796289170u);
    EXPECT_EQ(inbox->uid_next, 7u);
    EXPECT_EQ(inbox->highest_modseq, 13u);
    EXPECT_EQ(inbox->messages, 4u);
    EXPECT_EQ(inbox->unseen, 3u);
    EXPECT_EQ(inbox->size, 245u + 272 + 272 + 245);
    EXPECT_EQ(inbox->expunge_floor, 0u);
    EXPECT_EQ(inbox->first_recent_uid, 7u);  // v5: nothing is \Recent after the upgrade
    EXPECT_EQ(store->CountRecent(inbox->id).value(), 0u);
    // v9: the user's quota usage is the sum of their mailboxes; no limits of their own.
    uint64_t storage = 0, messages = 0;
    for (const Mailbox& m : store->ListMailboxes(alice->id).value()) {
      storage += m.size;
      messages += m.messages;
    }
    auto usage = store->GetQuota(alice->id).value();
    ASSERT_TRUE(usage.has_value());
    EXPECT_EQ(usage->storage, storage);
    EXPECT_EQ(usage->messages, messages);
    EXPECT_GT(messages, 4u);
    EXPECT_EQ(usage->limits, QuotaLimits{});

    auto list = store->ListMessages(inbox->id).value();
    ASSERT_EQ(list.size(), 4u);
    EXPECT_EQ(list[0].uid, 1u);
    EXPECT_EQ(list[0].modseq, 8u);
    EXPECT_EQ(list[0].flags.system, kFlagSeen);
    EXPECT_EQ(list[0].size, 245);
    EXPECT_EQ(list[1].uid, 2u);
    EXPECT_EQ(list[1].modseq, 9u);
    EXPECT_EQ(list[1].flags.system, kFlagFlagged);
    EXPECT_EQ(list[1].flags.keywords, std::vector<std::string>{"$Label1"});
    EXPECT_EQ(list[2].uid, 4u);
    EXPECT_EQ(list[3].uid, 5u);
    EXPECT_EQ(store->ExpungedSince(inbox->id, 0).value(), (Uids{3, 6}));
    EXPECT_EQ(store->ExpungedSince(inbox->id, 11).value(), Uids{6});
    auto changes = store->ChangesSince(inbox->id, 8).value();
    ASSERT_TRUE(changes.has_value());
    EXPECT_EQ(changes->expunged, (Uids{3, 6}));
    ASSERT_EQ(changes->changed.size(), 1u);
    EXPECT_EQ(changes->changed[0].uid, 2u);
    EXPECT_NE(store->ReadContent(inbox->id, 2).value().find("Subject: m2"), std::string::npos);

    auto projects = store->GetMailbox(alice->id, "Projects/2026").value();
    ASSERT_TRUE(projects.has_value());
    EXPECT_EQ(projects->messages, 3u);
    EXPECT_EQ(projects->unseen, 2u);
    EXPECT_EQ(projects->uid_next, 4u);

    // Life goes on: the next delivery takes the next UID and the counters follow.
    auto uids = store->Deliver({inbox->id}, "Subject: after\r\n\r\n", 1);
    ASSERT_TRUE(uids.ok()) << uids.error();
    EXPECT_EQ(*uids, Uids{7});
    EXPECT_EQ(store->GetMailboxById(inbox->id).value()->messages, 5u);
    EXPECT_EQ(store->GetMailboxById(inbox->id).value()->unseen, 4u);
  }
  Status consistent = testing::CheckConsistency(path);
  EXPECT_TRUE(consistent.ok()) << consistent.message();
}

}  // namespace
}  // namespace mailsuite::store::test
