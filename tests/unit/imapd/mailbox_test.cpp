// P2: LIST/LSUB patterns and attributes, CREATE/DELETE/RENAME, SUBSCRIBE, STATUS.
#include "imap/mailbox_pattern.h"
#include "session_fixture.h"

namespace mailsuite::imapd {
namespace {

TEST_F(ImapSessionTest, ListPatternsAndAttributes) {
  ASSERT_TRUE(store_->CreateMailbox(bob_, "Work/2024/Q1").ok());
  auto r = Talk(kLogin +
                "a LIST \"\" \"\"\r\nb LIST \"\" %\r\nc LIST Work/ %\r\n"
                "d list \"\" inbox\r\ne LIST \"\" Work/*\r\n");
  EXPECT_EQ(Grep(r, "* LIST (\\Noselect) \"/\" \"\"").size(), 1u);
  auto b = Grep(r, "* LIST");
  EXPECT_NE(std::find(b.begin(), b.end(), "* LIST (\\HasNoChildren) \"/\" \"INBOX\""), b.end());
  EXPECT_NE(std::find(b.begin(), b.end(), "* LIST (\\HasNoChildren \\Trash) \"/\" \"Trash\""),
            b.end());
  // "Work" was created implicitly by the store, so it is selectable.
  EXPECT_NE(std::find(b.begin(), b.end(), "* LIST (\\HasChildren) \"/\" \"Work\""), b.end());
  EXPECT_NE(std::find(b.begin(), b.end(), "* LIST (\\HasChildren) \"/\" \"Work/2024\""), b.end());
  EXPECT_EQ(Grep(r, "* LIST (\\HasNoChildren) \"/\" \"Work/2024/Q1\"").size(), 1u);
  EXPECT_EQ(Grep(r, "* LIST (\\HasNoChildren) \"/\" \"INBOX\"").size(), 2u);
  EXPECT_EQ(r.back(), "e OK LIST completed");
}

TEST_F(ImapSessionTest, CreateRenameDeleteSubscribeStatus) {
  Deliver("Subject: x\r\n\r\ny\r\n");
  auto r = Talk(kLogin +
                "a CREATE Projects/\r\nb CREATE projects\r\nc CREATE INBOX\r\n"
                "d RENAME Projects Done\r\ne SUBSCRIBE Done\r\nf LSUB \"\" *\r\n"
                "g UNSUBSCRIBE Done\r\nh DELETE Done\r\ni DELETE inbox\r\n"
                "j STATUS inbox (MESSAGES UIDNEXT UNSEEN RECENT)\r\nk DELETE Nope\r\n"
                "z RENAME INBOX Old\r\n");
  EXPECT_EQ(Grep(r, "a ")[0], "a OK CREATE completed");
  EXPECT_EQ(Grep(r, "b ")[0], "b OK CREATE completed");  // names are case-sensitive
  EXPECT_EQ(Grep(r, "c ")[0], "c NO [ALREADYEXISTS] Mailbox already exists");
  EXPECT_EQ(Grep(r, "d ")[0], "d OK RENAME completed");
  EXPECT_EQ(Grep(r, "* LSUB () \"/\" \"Done\"").size(), 1u);
  EXPECT_EQ(Grep(r, "h ")[0], "h OK DELETE completed");
  EXPECT_EQ(Grep(r, "i ")[0], "i NO [CANNOT] INBOX cannot be deleted");
  EXPECT_EQ(Grep(r, "* STATUS")[0], "* STATUS \"INBOX\" (MESSAGES 1 UIDNEXT 2 UNSEEN 1 RECENT 0)");
  EXPECT_EQ(Grep(r, "k ")[0], "k NO [NONEXISTENT] No such mailbox");
  EXPECT_EQ(Grep(r, "z ")[0], "z OK RENAME completed");
  EXPECT_EQ(Messages("Old").size(), 1u);
  EXPECT_EQ(Messages("INBOX").size(), 0u);
  EXPECT_FALSE(*store_->GetMailbox(bob_, "Done"));
}

}  // namespace
}  // namespace mailsuite::imapd

namespace mailsuite::imapd {
namespace {

TEST(MailboxPatternTest, Table) {
  struct Case {
    const char* pattern;
    const char* name;
    bool match;
  } cases[] = {{"*", "INBOX", true},
               {"*", "a/b/c", true},
               {"%", "a", true},
               {"%", "a/b", false},
               {"a/%", "a/b", true},
               {"a/%", "a/b/c", false},
               {"a/*", "a/b/c", true},
               {"a*c", "abc", true},
               {"a*c", "ab", false},
               {"inbox", "INBOX", true},
               {"Inbox/%", "INBOX/x", true},
               {"inbox", "Inbox2", false},
               {"work", "Work", false},
               {"%/%", "a/b", true},
               {"", "", true},
               {"a%", "a/", false},
               {"*b", "b", true},
               {"%%*%", "x/y", true}};
  for (const Case& c : cases)
    EXPECT_EQ(MatchMailboxPattern(c.pattern, c.name), c.match) << c.pattern << " " << c.name;
  // A hostile pattern is still quick.
  EXPECT_FALSE(MatchMailboxPattern(std::string(2000, '*') + "x", std::string(2000, 'a')));
}

}  // namespace
}  // namespace mailsuite::imapd
