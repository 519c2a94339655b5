// \Recent (RFC 3501 2.3.2: exactly one session sees a new message as recent; EXAMINE does not
// take it) and keywords in "* FLAGS" (7.2.6: a keyword is announced before a FETCH shows it),
// as imaptest's select, copy and search-flags scripts check them.
#include "session_fixture.h"
#include "step_transport.h"

namespace mailsuite::imapd {
namespace {

const std::string kMsg = "Subject: hi\r\n\r\nbody\r\n";

TEST_F(ImapSessionTest, RecentGoesToTheFirstSelectOnly) {
  Deliver(kMsg, "INBOX", "", /*recent=*/true);
  Deliver(kMsg, "INBOX", "", /*recent=*/true);
  auto r = Talk(kLogin +
                "e EXAMINE INBOX\r\n"
                "f FETCH 1:* (FLAGS)\r\n"
                "g STATUS INBOX (RECENT MESSAGES)\r\n"
                "s SELECT INBOX\r\n"
                "h FETCH 1 (FLAGS)\r\n"
                "i SEARCH RECENT\r\n"
                "j STORE 1 +FLAGS (\\Seen)\r\n"
                "k SEARCH NEW\r\n"
                "l SEARCH OLD\r\n"
                "m STATUS INBOX (RECENT)\r\n"
                "t SELECT INBOX\r\n"
                "n SEARCH RECENT\r\n");
  // EXAMINE shows what nobody has claimed, and claims nothing (STATUS and SELECT still see it).
  auto recent = Grep(r, "* 2 RECENT");
  EXPECT_EQ(recent.size(), 2u);                                   // EXAMINE and the first SELECT
  EXPECT_EQ(Grep(r, "* 1 FETCH (FLAGS (\\Recent))").size(), 2u);  // f, and h
  EXPECT_EQ(Grep(r, "* STATUS \"INBOX\" (RECENT 2 MESSAGES 2)").size(), 1u);
  auto searches = Grep(r, "* SEARCH");
  ASSERT_EQ(searches.size(), 4u);
  EXPECT_EQ(searches[0], "* SEARCH 1 2");  // RECENT
  EXPECT_EQ(searches[1], "* SEARCH 2");    // NEW: recent and unseen
  EXPECT_EQ(searches[2], "* SEARCH");      // OLD
  EXPECT_EQ(searches[3], "* SEARCH");      // RECENT after a second SELECT: already claimed
  EXPECT_EQ(Grep(r, "* 1 FETCH (FLAGS (\\Recent \\Seen))").size(), 1u);
  EXPECT_EQ(Grep(r, "* STATUS \"INBOX\" (RECENT 0)").size(), 1u);
  EXPECT_EQ(Grep(r, "* 0 RECENT").size(), 1u);  // t
}

TEST_F(ImapSessionTest, NewMailIsRecentToTheSessionThatSeesItFirst) {
  auto inbox = BoxId();
  StepTransport t({
      {nullptr, kLogin + "s SELECT INBOX\r\n"},
      {[&] { Deliver(kMsg, "INBOX", "", /*recent=*/true); }, "a NOOP\r\n"},
      {[&] { Deliver(kMsg, "INBOX", "", /*recent=*/false); }, "b NOOP\r\n"},
      {nullptr, "c FETCH 1:* (FLAGS)\r\n"},
  });
  auto r = Lines(TalkOver(t));
  auto a = std::find(r.begin(), r.end(), "a OK NOOP completed");
  ASSERT_NE(a, r.end());
  EXPECT_EQ(*(a - 2), "* 1 EXISTS");
  EXPECT_EQ(*(a - 1), "* 1 RECENT");
  auto b = std::find(r.begin(), r.end(), "b OK NOOP completed");
  ASSERT_NE(b, r.end());
  EXPECT_EQ(*(b - 2), "* 2 EXISTS");
  EXPECT_EQ(*(b - 1), "* 1 RECENT");  // the second was claimed elsewhere first
  EXPECT_EQ(Grep(r, "* 1 FETCH (FLAGS (\\Recent))").size(), 1u);
  EXPECT_EQ(Grep(r, "* 2 FETCH (FLAGS ())").size(), 1u);
  EXPECT_EQ(store_->CountRecent(inbox).value(), 0u);
}

TEST_F(ImapSessionTest, FlagsListKeywordsInUseAndGrowBeforeAFetchShowsANewOne) {
  Deliver(kMsg);
  Deliver(kMsg);
  store::Flags label;
  label.keywords = {"$Label1"};
  ASSERT_TRUE(store_->UpdateFlags(BoxId(), {1}, store::FlagOperation::kAdd, label).ok());
  auto inbox = BoxId();
  StepTransport t({
      {nullptr, kLogin + "s SELECT INBOX\r\n"},
      {nullptr, "a STORE 2 +FLAGS.SILENT (todo)\r\n"},
      {[&] {
         store::Flags other;
         other.keywords = {"$Other"};
         store_->UpdateFlags(inbox, {1}, store::FlagOperation::kAdd, other);
       },
       "b NOOP\r\n"},
      {nullptr, "c STORE 1 +FLAGS ($Label1)\r\n"},
      {nullptr, "x EXAMINE INBOX\r\n"},
  });
  auto r = Lines(TalkOver(t));
  const std::string system = "\\Answered \\Flagged \\Deleted \\Seen \\Draft";
  auto flags = Grep(r, "* FLAGS");
  ASSERT_EQ(flags.size(), 4u);
  EXPECT_EQ(flags[0], "* FLAGS (" + system + " $Label1)");
  EXPECT_EQ(Grep(r, "* OK [PERMANENTFLAGS (" + system + " $Label1 \\*)] Flags permitted").size(),
            1u);
  EXPECT_EQ(flags[1], "* FLAGS (" + system + " $Label1 todo)");  // even for .SILENT
  EXPECT_EQ(flags[2], "* FLAGS (" + system + " $Label1 $Other todo)");
  EXPECT_EQ(flags[3], "* FLAGS (" + system + " $Label1 $Other todo)");  // EXAMINE
  // The announcement comes before the FETCH that shows the keyword.
  auto other = std::find(r.begin(), r.end(), "* FLAGS (" + system + " $Label1 $Other todo)");
  auto fetch = std::find(r.begin(), r.end(), "* 1 FETCH (FLAGS ($Label1 $Other))");
  ASSERT_NE(fetch, r.end());
  EXPECT_LT(other, fetch);
  // Nothing new in c: no FLAGS between b's and c's tagged replies.
  auto b = std::find(r.begin(), r.end(), "b OK NOOP completed");
  auto c = std::find(r.begin(), r.end(), "c OK STORE completed");
  ASSERT_NE(c, r.end());
  EXPECT_TRUE(Grep(std::vector<std::string>(b, c), "* FLAGS").empty());
}

// FETCH BODY[] sets \Seen and reports the flags the store now has, which may hold another
// session's keyword this session has not synced yet: FLAGS comes first.
TEST_F(ImapSessionTest, ImplicitSeenAnnouncesAnotherSessionsKeywordFirst) {
  Deliver(kMsg);
  auto inbox = BoxId();
  StepTransport t({
      {nullptr, kLogin + "s SELECT INBOX\r\n"},
      {[&] {
         store::Flags other;
         other.keywords = {"$Elsewhere"};
         store_->UpdateFlags(inbox, {1}, store::FlagOperation::kAdd, other);
       },
       "f FETCH 1 BODY[]\r\n"},
  });
  auto r = Lines(TalkOver(t));
  auto flags = std::find_if(r.begin(), r.end(), [](const std::string& l) {
    return l.find("* FLAGS (") == 0 && l.find("$Elsewhere") != std::string::npos;
  });
  auto fetch = std::find(r.begin(), r.end(), " FLAGS (\\Seen $Elsewhere))");  // after BODY[]
  ASSERT_NE(flags, r.end());
  ASSERT_NE(fetch, r.end());
  EXPECT_LT(flags, fetch);
}

}  // namespace
}  // namespace mailsuite::imapd
