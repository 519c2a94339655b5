// P5/P6: STORE, EXPUNGE, CLOSE, COPY, APPEND, and other sessions' changes reported per
// RFC 3501 7.4.1 (no EXPUNGE during FETCH/STORE/SEARCH).
#include "session_fixture.h"
#include "step_transport.h"

namespace mailsuite::imapd {
namespace {

const std::string kMsg = "From: carol@example.org\r\nSubject: s\r\n\r\nbody\r\n";

TEST_F(ImapSessionTest, StoreFlagsAndSilent) {
  Deliver(kMsg);
  Deliver(kMsg);
  auto r = Talk(kLogin +
                "s SELECT INBOX\r\na STORE 1:2 +FLAGS (\\Flagged $Work)\r\n"
                "b UID STORE 2 -FLAGS.SILENT (\\Flagged)\r\nc store 1 flags \\Seen\r\n"
                "d STORE 1 +FLAGS (\\Bogus)\r\n");
  EXPECT_EQ(Grep(r, "* 1 FETCH")[0], "* 1 FETCH (FLAGS (\\Flagged $Work))");
  EXPECT_EQ(Grep(r, "* 2 FETCH").size(), 1u);
  EXPECT_EQ(Grep(r, "* 1 FETCH")[1], "* 1 FETCH (FLAGS (\\Seen))");
  EXPECT_EQ(Grep(r, "d ")[0], "d BAD Invalid flag");
  auto m = Messages();
  EXPECT_EQ(m[0].flags.system, store::kFlagSeen);
  EXPECT_EQ(m[1].flags.keywords, std::vector<std::string>{"$Work"});
  EXPECT_EQ(m[1].flags.system, 0u);
}

TEST_F(ImapSessionTest, ExpungeReportsHighestFirstAndClose) {
  for (int i = 0; i < 4; ++i) Deliver(kMsg);
  auto r = Talk(kLogin +
                "s SELECT INBOX\r\na STORE 2,4 +FLAGS.SILENT (\\Deleted)\r\n"
                "b EXPUNGE\r\nc STORE 1 +FLAGS.SILENT (\\Deleted)\r\nd CLOSE\r\n");
  std::vector<std::string> want = {"* 4 EXPUNGE", "* 2 EXPUNGE", "b OK EXPUNGE completed"};
  auto it = std::find(r.begin(), r.end(), "* 4 EXPUNGE");
  ASSERT_NE(it, r.end());
  EXPECT_EQ(std::vector<std::string>(it, it + 3), want);
  EXPECT_EQ(r.back(), "d OK CLOSE completed");
  EXPECT_EQ(Messages().size(), 1u);
  EXPECT_EQ(Messages()[0].uid, 3u);
}

TEST_F(ImapSessionTest, CopyAndAppend) {
  Deliver(kMsg);
  const std::string appended = "Subject: appended\r\n\r\nhi\r\n";
  auto r = Talk(kLogin +
                "s SELECT INBOX\r\na COPY 1 Archive\r\nb COPY 1 Nowhere\r\n"
                "c APPEND INBOX (\\Seen) \"05-Jan-2024 10:00:00 +0100\" {" +
                std::to_string(appended.size()) + "+}\r\n" + appended +
                "\r\nd APPEND Nope {1+}\r\nx\r\n");
  EXPECT_EQ(Grep(r, "a ")[0].rfind("a OK [COPYUID ", 0), 0u);
  EXPECT_EQ(Grep(r, "b ")[0], "b NO [TRYCREATE] No such mailbox");
  EXPECT_EQ(Grep(r, "* 2 EXISTS").size(), 1u);  // the append into the selected mailbox
  EXPECT_EQ(Grep(r, "c ")[0].rfind("c OK [APPENDUID ", 0), 0u);
  EXPECT_EQ(Grep(r, "d ")[0], "d NO [TRYCREATE] No such mailbox");
  EXPECT_EQ(Messages("Archive").size(), 1u);
  auto m = Messages();
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[1].flags.system, store::kFlagSeen);
  EXPECT_EQ(m[1].internal_date, 1704445200);
  EXPECT_FALSE(store_->ReadMetadata(BoxId(), m[1].uid)->empty());
}

// .SILENT silences the reply to this STORE, not another session's change to the same message
// that the store's answer carries (the view takes that answer, so no later sync would tell).
TEST_F(ImapSessionTest, SilentStoreStillReportsAChangeMadeElsewhere) {
  Deliver(kMsg);
  Deliver(kMsg);
  auto inbox = BoxId();
  StepTransport t({
      {nullptr, kLogin + "s SELECT INBOX\r\n"},
      {[&] {
         store::Flags f;
         f.system = store::kFlagFlagged;
         store_->UpdateFlags(inbox, {1}, store::FlagOperation::kAdd, f);
       },
       "a STORE 1:2 +FLAGS.SILENT (\\Seen)\r\n"},
      {nullptr, "b NOOP\r\n"},
  });
  auto r = Lines(TalkOver(t));
  auto a = std::find(r.begin(), r.end(), "a OK STORE completed");
  ASSERT_NE(a, r.end());
  EXPECT_EQ(*(a - 1), "* 1 FETCH (FLAGS (\\Flagged \\Seen))");
  EXPECT_TRUE(Grep(r, "* 2 FETCH").empty());  // only our own change: silent
  auto b = std::find(r.begin(), r.end(), "b OK NOOP completed");
  ASSERT_NE(b, r.end());
  EXPECT_EQ(*(b - 1), "a OK STORE completed");  // nothing left to report
}

TEST_F(ImapSessionTest, OtherSessionsChangesFollowRfc3501Section741) {
  Deliver(kMsg);
  Deliver(kMsg);
  Deliver(kMsg);
  auto inbox = BoxId();
  StepTransport t({
      {nullptr, kLogin + "s SELECT INBOX\r\n"},
      // Another session: flags message 1, expunges message 2, delivers a 4th.
      {[&] {
         store::Flags f;
         f.system = store::kFlagFlagged;
         store_->UpdateFlags(inbox, {1}, store::FlagOperation::kAdd, f);
         store_->Expunge(inbox, {2});
         Deliver(kMsg);
       },
       "a FETCH 1:* (UID)\r\n"},
      {nullptr, "b NOOP\r\nc FETCH 2 (UID)\r\n"},
  });
  auto r = Lines(TalkOver(t));
  auto a = std::find(r.begin(), r.end(), "* 1 FETCH (UID 1)");
  ASSERT_NE(a, r.end());
  // During FETCH: flags and EXISTS, no EXPUNGE; message 2 keeps its number.
  std::vector<std::string> during(a, std::find(a, r.end(), "a OK FETCH completed"));
  EXPECT_TRUE(Grep(during, "* 2 EXPUNGE").empty());
  EXPECT_EQ(Grep(during, "* 1 FETCH (FLAGS (\\Flagged))").size(), 1u);
  EXPECT_EQ(Grep(during, "* 4 EXISTS").size(), 1u);
  // NOOP reports the held-back expunge; message 2 is then the old UID 3.
  auto b = std::find(r.begin(), r.end(), "b OK NOOP completed");
  ASSERT_NE(b, r.end());
  EXPECT_EQ(*(b - 1), "* 2 EXPUNGE");
  EXPECT_EQ(*(b + 1), "* 2 FETCH (UID 3)");
}

}  // namespace
}  // namespace mailsuite::imapd
