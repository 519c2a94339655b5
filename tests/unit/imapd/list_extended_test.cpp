// LIST-EXTENDED (RFC 5258), LIST-STATUS (RFC 5819), STATUS=SIZE (RFC 8438), APPENDLIMIT
// (RFC 7889), UTF8=ACCEPT (RFC 6855) and the per-user connection limit.
#include "imap/list_request.h"
#include "imap/mailbox_utf7.h"
#include "imap/user_connections.h"
#include "session_fixture.h"

namespace mailsuite::imapd {
namespace {

// The lines between the previous tagged reply and "tag OK/NO/BAD …", and that reply.
std::vector<std::string> Reply(const std::vector<std::string>& r, const std::string& tag) {
  std::vector<std::string> out;
  for (const std::string& l : r) {
    if (l.rfind("* ", 0) == 0 || l.rfind("+ ", 0) == 0) {
      out.push_back(l);
      continue;
    }
    if (l.rfind(tag + " ", 0) == 0) {
      out.push_back(l);
      return out;
    }
    out.clear();  // another command's tagged reply
  }
  return {"(no reply tagged " + tag + ")"};
}

// ---- pure parts ----------------------------------------------------------------------------

TEST(MailboxUtf7Test, RoundTrips) {
  struct Case {
    const char* utf8;
    const char* utf7;
  } cases[] = {{"INBOX", "INBOX"},
               {"Entwürfe", "Entw&APw-rfe"},
               {"Büro/Ärger", "B&APw-ro/&AMQ-rger"},
               {"Grüße", "Gr&APwA3w-e"},
               {"R&D", "R&-D"},
               {"\xF0\x9F\x98\x80", "&2D3eAA-"},  // U+1F600: a surrogate pair
               {"日本語", "&ZeVnLIqe-"},
               {"", ""}};
  for (const Case& c : cases) {
    EXPECT_EQ(Utf8ToMailboxUtf7(c.utf8), std::optional<std::string>(c.utf7)) << c.utf8;
    EXPECT_EQ(MailboxUtf7ToUtf8(c.utf7), std::optional<std::string>(c.utf8)) << c.utf7;
  }
}

TEST(MailboxUtf7Test, RefusesMalformed) {
  for (const char* bad : {"\xC3", "\xC0\xAF", "\xED\xA0\x80", "\xFF", "a\xE2\x82"})
    EXPECT_FALSE(Utf8ToMailboxUtf7(bad)) << bad;
  for (const char* bad : {"&APw", "&A-", "&AGE-", "&2D0-", "B\xC3\xBC", "&AP?-", "&3gA-"})
    EXPECT_FALSE(MailboxUtf7ToUtf8(bad)) << bad;
}

std::vector<Arg> Args(const std::string& line) {
  auto parsed = ParseCommand(RawCommand{{"t LIST " + line}, {}});
  EXPECT_TRUE(std::holds_alternative<Command>(parsed)) << line;
  return std::holds_alternative<Command>(parsed) ? std::get<Command>(parsed).args
                                                 : std::vector<Arg>{};
}

TEST(ListRequestTest, Forms) {
  std::string error;
  auto r = ParseListRequest(Args("(SUBSCRIBED) \"\" \"*\" RETURN (SPECIAL-USE)"), error);
  ASSERT_TRUE(r) << error;
  EXPECT_TRUE(r->select_subscribed);
  EXPECT_TRUE(r->return_subscribed);  // implied (RFC 5258 3)
  EXPECT_EQ(r->patterns, std::vector<std::string>{"*"});

  r = ParseListRequest(Args("\"\" (\"INBOX\" Sent*) RETURN (CHILDREN STATUS (MESSAGES SIZE))"),
                       error);
  ASSERT_TRUE(r) << error;
  EXPECT_FALSE(r->HasSelection());
  EXPECT_FALSE(r->return_subscribed);
  EXPECT_EQ(r->patterns, (std::vector<std::string>{"INBOX", "Sent*"}));
  ASSERT_TRUE(r->status_items);
  EXPECT_EQ(*r->status_items, (std::vector<std::string>{"MESSAGES", "SIZE"}));

  r = ParseListRequest(Args("(REMOTE SPECIAL-USE RECURSIVEMATCH) Work/ % RETURN ()"), error);
  ASSERT_TRUE(r) << error;
  EXPECT_TRUE(r->select_special_use && r->recursive_match);
  EXPECT_EQ(r->reference, "Work/");
}

TEST(ListRequestTest, MustReject) {
  for (const char* bad :
       {"(RECURSIVEMATCH) \"\" *", "(REMOTE RECURSIVEMATCH) \"\" *", "(FOO) \"\" *",
        "(CHILDREN) \"\" *", "\"\" * RETURN (FOO)", "\"\" * RETURN (STATUS)",
        "\"\" * RETURN (STATUS ())", "\"\" * RETURN (STATUS (BOGUS))", "\"\" ()", "\"\" * RETURN",
        "\"\" * FOO (CHILDREN)", "\"\"", "(SUBSCRIBED)", "\"\" (a (b))"}) {
    std::string error;
    EXPECT_FALSE(ParseListRequest(Args(bad), error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(ImapParserTest, Literal8InAppendUtf8) {
  auto parsed =
      ParseCommand(RawCommand{{"a APPEND x UTF8 (~{4}", ")"}, {std::string("\xC3\xBC\0!", 4)}});
  ASSERT_TRUE(std::holds_alternative<Command>(parsed));
  const Command& c = std::get<Command>(parsed);
  ASSERT_EQ(c.args.size(), 3u);
  ASSERT_EQ(c.args[2].items.size(), 1u);
  EXPECT_TRUE(c.args[2].items[0].literal8);
  EXPECT_EQ(c.args[2].items[0].text, std::string("\xC3\xBC\0!", 4));
  // "~" without "{" is an atom character as before.
  auto atom = ParseCommand(RawCommand{{"a LIST ~ ~x"}, {}});
  ASSERT_TRUE(std::holds_alternative<Command>(atom));
  EXPECT_EQ(std::get<Command>(atom).args[1].text, "~x");
  EXPECT_FALSE(std::get<Command>(atom).args[1].literal8);
}

TEST(UserConnectionsTest, CountsAndReleases) {
  UserConnections uc;
  auto a = uc.TryAcquire(7, 2);
  auto b = uc.TryAcquire(7, 2);
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(uc.TryAcquire(7, 2));
  EXPECT_TRUE(uc.TryAcquire(8, 2));  // another user; released at once (temporary)
  EXPECT_EQ(uc.Count(8), 0);
  EXPECT_EQ(uc.Count(7), 2);
  std::optional<UserConnections::Slot> moved = std::move(a);
  a.reset();  // the moved-from slot releases nothing
  EXPECT_EQ(uc.Count(7), 2);
  moved.reset();
  EXPECT_EQ(uc.Count(7), 1);
  EXPECT_TRUE(uc.TryAcquire(7, 2));
  b.reset();
  EXPECT_EQ(uc.Count(7), 0);
}

// ---- sessions ------------------------------------------------------------------------------

TEST_F(ImapSessionTest, ThunderbirdAndK9Discovery) {
  ASSERT_TRUE(store_->CreateMailbox(bob_, "Work/Q1").ok());  // not subscribed
  auto r = Talk(kLogin + "a LIST (SUBSCRIBED) \"\" \"*\" RETURN (SPECIAL-USE)\r\n" +
                "b LIST \"\" \"*\" RETURN (SPECIAL-USE)\r\n");
  EXPECT_EQ(Reply(r, "a"), (std::vector<std::string>{
                               "* LIST (\\HasNoChildren \\Archive \\Subscribed) \"/\" \"Archive\"",
                               "* LIST (\\HasNoChildren \\Drafts \\Subscribed) \"/\" \"Drafts\"",
                               "* LIST (\\HasNoChildren \\Subscribed) \"/\" \"INBOX\"",
                               "* LIST (\\HasNoChildren \\Junk \\Subscribed) \"/\" \"Junk\"",
                               "* LIST (\\HasNoChildren \\Sent \\Subscribed) \"/\" \"Sent\"",
                               "* LIST (\\HasNoChildren \\Trash \\Subscribed) \"/\" \"Trash\"",
                               "a OK LIST completed"}));
  EXPECT_EQ(Reply(r, "b"),
            (std::vector<std::string>{"* LIST (\\HasNoChildren \\Archive) \"/\" \"Archive\"",
                                      "* LIST (\\HasNoChildren \\Drafts) \"/\" \"Drafts\"",
                                      "* LIST (\\HasNoChildren) \"/\" \"INBOX\"",
                                      "* LIST (\\HasNoChildren \\Junk) \"/\" \"Junk\"",
                                      "* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent\"",
                                      "* LIST (\\HasNoChildren \\Trash) \"/\" \"Trash\"",
                                      "* LIST (\\HasChildren) \"/\" \"Work\"",
                                      "* LIST (\\HasNoChildren) \"/\" \"Work/Q1\"",
                                      "b OK LIST completed"}));
}

TEST_F(ImapSessionTest, ListSeveralPatternsSubscribedReturnAndRemote) {
  ASSERT_TRUE(store_->CreateMailbox(bob_, "Sent/2023").ok());
  ASSERT_TRUE(store_->CreateMailbox(bob_, "Work").ok());
  auto r = Talk(kLogin + "a LIST \"\" (\"INBOX\" \"Sent*\" \"IN*\")\r\n" +
                "b LIST \"\" (Work inbox) RETURN (SUBSCRIBED CHILDREN)\r\n" +
                "c LIST (REMOTE) \"\" Work\r\nd LIST (RECURSIVEMATCH) \"\" *\r\n");
  EXPECT_EQ(Reply(r, "a"), (std::vector<std::string>{"* LIST (\\HasNoChildren) \"/\" \"INBOX\"",
                                                     "* LIST (\\HasChildren \\Sent) \"/\" \"Sent\"",
                                                     "* LIST (\\HasNoChildren) \"/\" \"Sent/2023\"",
                                                     "a OK LIST completed"}));
  EXPECT_EQ(Reply(r, "b"), (std::vector<std::string>{
                               "* LIST (\\HasNoChildren \\Subscribed) \"/\" \"INBOX\"",
                               "* LIST (\\HasNoChildren) \"/\" \"Work\"", "b OK LIST completed"}));
  EXPECT_EQ(Reply(r, "c"), (std::vector<std::string>{"* LIST (\\HasNoChildren) \"/\" \"Work\"",
                                                     "c OK LIST completed"}));
  EXPECT_EQ(Reply(r, "d"),
            std::vector<std::string>{"d BAD RECURSIVEMATCH needs another selection option"});
}

TEST_F(ImapSessionTest, RecursiveMatchGivesChildInfo) {
  ASSERT_TRUE(store_->CreateMailbox(bob_, "Work/Q1").ok());
  ASSERT_TRUE(store_->SetSubscribed(bob_, "Work/Q1", true).ok());
  auto r = Talk(kLogin + "a LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"W%\"\r\n" +
                "b LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"W*\"\r\n" +
                "c LIST (SUBSCRIBED) \"\" \"W%\"\r\n" +
                "d LIST (SPECIAL-USE RECURSIVEMATCH) \"\" \"%\" RETURN (SUBSCRIBED)\r\n");
  EXPECT_EQ(Reply(r, "a"),
            (std::vector<std::string>{
                "* LIST (\\HasChildren) \"/\" \"Work\" (\"CHILDINFO\" (\"SUBSCRIBED\"))",
                "a OK LIST completed"}));
  // The subscribed child matches "W*" itself, so its parent is not listed for it.
  EXPECT_EQ(Reply(r, "b"),
            (std::vector<std::string>{"* LIST (\\HasNoChildren \\Subscribed) \"/\" \"Work/Q1\"",
                                      "b OK LIST completed"}));
  EXPECT_EQ(Reply(r, "c"), std::vector<std::string>{"c OK LIST completed"});
  auto d = Reply(r, "d");
  EXPECT_EQ(d.size(), 6u);  // the five special-use mailboxes; Work has no such child
  EXPECT_EQ(d[0], "* LIST (\\HasNoChildren \\Archive \\Subscribed) \"/\" \"Archive\"");
}

// RFC 3501 6.3.9: "%" stopping above a subscribed child lists the unsubscribed level it stops
// at as \Noselect (whether or not a mailbox has that name); "*" lists the child itself.
TEST_F(ImapSessionTest, LsubPercentShowsUnsubscribedParentAsNoselect) {
  for (const char* name : {"Box", "Box/a", "Box/b", "Box/b/x", "Box/c/y"})
    ASSERT_TRUE(store_->CreateMailbox(bob_, name).ok());
  for (const char* name : {"Box/a", "Box/b/x", "Box/c/y"})
    ASSERT_TRUE(store_->SetSubscribed(bob_, name, true).ok());
  auto r = Talk(kLogin + "a LSUB \"\" Box/%\r\n" + "b LSUB \"\" Box/*\r\n" + "c LSUB \"\" B%\r\n");
  EXPECT_EQ(Reply(r, "a"), (std::vector<std::string>{
                               "* LSUB () \"/\" \"Box/a\"", "* LSUB (\\Noselect) \"/\" \"Box/b\"",
                               "* LSUB (\\Noselect) \"/\" \"Box/c\"", "a OK LSUB completed"}));
  EXPECT_EQ(Reply(r, "b"),
            (std::vector<std::string>{"* LSUB () \"/\" \"Box/a\"", "* LSUB () \"/\" \"Box/b/x\"",
                                      "* LSUB () \"/\" \"Box/c/y\"", "b OK LSUB completed"}));
  EXPECT_EQ(Reply(r, "c"),
            (std::vector<std::string>{"* LSUB (\\Noselect) \"/\" \"Box\"", "c OK LSUB completed"}));
}

TEST_F(ImapSessionTest, DeletedButSubscribedIsNonExistent) {
  ASSERT_TRUE(store_->CreateMailbox(bob_, "Gone").ok());
  ASSERT_TRUE(store_->SetSubscribed(bob_, "Gone", true).ok());
  auto r = Talk(kLogin + "a DELETE Gone\r\n" + "b LIST (SUBSCRIBED) \"\" \"G*\"\r\n" +
                "c LIST \"\" \"G*\" RETURN (SUBSCRIBED)\r\n" + "d LIST \"\" \"G*\"\r\n" +
                "e LSUB \"\" \"G*\"\r\n" + "f UNSUBSCRIBE Gone\r\n" + "g LSUB \"\" \"G*\"\r\n");
  EXPECT_EQ(Reply(r, "a"), std::vector<std::string>{"a OK DELETE completed"});
  // RFC 5258 5: the subscription stays, listed as \NonExistent only when asked for.
  EXPECT_EQ(Reply(r, "b"), (std::vector<std::string>{
                               "* LIST (\\NonExistent \\HasNoChildren \\Subscribed) \"/\" \"Gone\"",
                               "b OK LIST completed"}));
  EXPECT_EQ(Reply(r, "c"), std::vector<std::string>{"c OK LIST completed"});
  EXPECT_EQ(Reply(r, "d"), std::vector<std::string>{"d OK LIST completed"});
  EXPECT_EQ(Reply(r, "e"), (std::vector<std::string>{"* LSUB (\\Noselect) \"/\" \"Gone\"",
                                                     "e OK LSUB completed"}));
  EXPECT_EQ(Reply(r, "f"), std::vector<std::string>{"f OK UNSUBSCRIBE completed"});
  EXPECT_EQ(Reply(r, "g"), std::vector<std::string>{"g OK LSUB completed"});
}

TEST_F(ImapSessionTest, ListStatusAfterEachSelectableMailbox) {
  Deliver("Subject: a\r\n\r\nbody\r\n");          // 20 octets
  Deliver("Subject: bb\r\n\r\nlonger body\r\n");  // 28 octets
  ASSERT_TRUE(store_->CreateMailbox(bob_, "Work").ok());
  auto r = Talk(kLogin +
                "a LIST \"\" (INBOX Work) RETURN (STATUS (MESSAGES UNSEEN SIZE UIDNEXT))\r\n"
                "b LIST \"\" INBOX RETURN (STATUS (MESSAGES FOO))\r\n"
                "c LIST (SUBSCRIBED) \"\" \"*\" RETURN (STATUS (MESSAGES))\r\n");
  EXPECT_EQ(Reply(r, "a"),
            (std::vector<std::string>{"* LIST (\\HasNoChildren) \"/\" \"INBOX\"",
                                      "* STATUS \"INBOX\" (MESSAGES 2 UNSEEN 2 SIZE 48 UIDNEXT 3)",
                                      "* LIST (\\HasNoChildren) \"/\" \"Work\"",
                                      "* STATUS \"Work\" (MESSAGES 0 UNSEEN 0 SIZE 0 UIDNEXT 1)",
                                      "a OK LIST completed"}));
  EXPECT_EQ(Reply(r, "b"), std::vector<std::string>{"b BAD Bad STATUS return option"});
  EXPECT_EQ(Grep(Reply(r, "c"), "* STATUS").size(), 6u);  // the six subscribed defaults
}

TEST_F(ImapSessionTest, StatusSizeAndAppendLimit) {
  Deliver("Subject: a\r\n\r\nbody\r\n");
  auto r = Talk(kLogin + "a STATUS INBOX (SIZE APPENDLIMIT MESSAGES)\r\n" +
                "b STATUS INBOX (SIZE BOGUS)\r\nc STATUS Nope (SIZE)\r\n");
  EXPECT_EQ(Reply(r, "a"),
            (std::vector<std::string>{"* STATUS \"INBOX\" (SIZE 20 APPENDLIMIT 4096 MESSAGES 1)",
                                      "a OK STATUS completed"}));
  EXPECT_EQ(Reply(r, "b"), std::vector<std::string>{"b BAD Unknown STATUS item"});
  EXPECT_EQ(Reply(r, "c"), std::vector<std::string>{"c NO [NONEXISTENT] No such mailbox"});
}

TEST_F(ImapSessionTest, AppendAboveLimitRefusedBeforeContinuation) {
  // The fixture's literal limit is 4096: a message of exactly 4096 octets fits, also when the
  // mailbox name is a literal too; one octet more is refused before any "+".
  std::string msg = "Subject: big\r\n\r\n";
  msg += std::string(4096 - msg.size() - 2, 'x') + "\r\n";
  ASSERT_EQ(msg.size(), 4096u);
  auto r = Talk(kLogin + "a APPEND INBOX {4097}\r\nb NOOP\r\n" +
                "c APPEND {5}\r\nINBOX {4096}\r\n" + msg + "\r\n");
  EXPECT_EQ(r[2], "a NO [TOOBIG] Message too large (APPENDLIMIT=4096)");
  EXPECT_EQ(r[3], "b OK NOOP completed");
  EXPECT_EQ(r[4], "+ Ready for literal data");
  EXPECT_EQ(r[5], "+ Ready for literal data");
  EXPECT_EQ(r[6].rfind("c OK [APPENDUID ", 0), 0u) << r[6];
  ASSERT_EQ(Messages().size(), 1u);
  EXPECT_EQ(Messages()[0].size, 4096);
}

TEST_F(ImapSessionTest, Utf8AcceptMailboxNames) {
  auto r = Talk(kLogin +
                "a CREATE \"Entwürfe\"\r\nb CREATE \"Entw&APw-rfe\"\r\nc LIST \"\" \"Entw*\"\r\n"
                "d ENABLE UTF8=ACCEPT\r\ne LIST \"\" \"Entw*\"\r\nf CREATE \"Büro/Ärger\"\r\n"
                "g STATUS \"Büro/Ärger\" (MESSAGES)\r\nh LIST \"\" \"*ü*\"\r\n"
                "i CREATE \"R&D\"\r\nj RENAME \"R&D\" \"F&E\"\r\nk LSUB \"\" \"*\"\r\n"
                "o ENABLE UTF8=ACCEPT\r\n"  // authenticated state only (RFC 5161 3.1)
                "p SELECT \"Entwürfe\"\r\nm SEARCH CHARSET UTF-8 ALL\r\nn SEARCH ALL\r\n");
  EXPECT_EQ(Reply(r, "a"), std::vector<std::string>{"a NO [CANNOT] Invalid mailbox name"});
  EXPECT_EQ(Reply(r, "b"), std::vector<std::string>{"b OK CREATE completed"});
  EXPECT_EQ(Reply(r, "c"),
            (std::vector<std::string>{"* LIST (\\HasNoChildren) \"/\" \"Entw&APw-rfe\"",
                                      "c OK LIST completed"}));
  EXPECT_EQ(Reply(r, "d"),
            (std::vector<std::string>{"* ENABLED UTF8=ACCEPT", "d OK ENABLE completed"}));
  EXPECT_EQ(Reply(r, "e"), (std::vector<std::string>{"* LIST (\\HasNoChildren) \"/\" \"Entwürfe\"",
                                                     "e OK LIST completed"}));
  EXPECT_EQ(Reply(r, "g"), (std::vector<std::string>{"* STATUS \"Büro/Ärger\" (MESSAGES 0)",
                                                     "g OK STATUS completed"}));
  EXPECT_EQ(
      Reply(r, "h"),
      (std::vector<std::string>{
          "* LIST (\\HasChildren) \"/\" \"Büro\"", "* LIST (\\HasNoChildren) \"/\" \"Büro/Ärger\"",
          "* LIST (\\HasNoChildren) \"/\" \"Entwürfe\"", "h OK LIST completed"}));
  EXPECT_EQ(Reply(r, "j"), std::vector<std::string>{"j OK RENAME completed"});
  EXPECT_EQ(Reply(r, "p").back(), "p OK [READ-WRITE] SELECT completed");
  EXPECT_EQ(Reply(r, "m"), std::vector<std::string>{"m BAD No CHARSET after ENABLE UTF8=ACCEPT"});
  EXPECT_EQ(Reply(r, "n").back(), "n OK SEARCH completed");
  EXPECT_EQ(Reply(r, "o"), (std::vector<std::string>{"* ENABLED", "o OK ENABLE completed"}));
  // The store keeps modified UTF-7.
  EXPECT_TRUE(*store_->GetMailbox(bob_, "B&APw-ro/&AMQ-rger"));
  EXPECT_TRUE(*store_->GetMailbox(bob_, "F&-E"));
  EXPECT_FALSE(*store_->GetMailbox(bob_, "R&-D"));
}

TEST_F(ImapSessionTest, CreateNeedsValidModifiedUtf7) {
  auto r = Talk(kLogin +
                "a CREATE \"R&D\"\r\nb CREATE \"R&-D\"\r\nc CREATE \"x&AAE-\"\r\n"
                "d CREATE \"Entw&APw-rfe/&AGE-\"\r\ne RENAME \"R&-D\" \"F&E\"\r\n"
                "f LIST \"\" \"*&*\"\r\n");
  EXPECT_EQ(Reply(r, "a"), std::vector<std::string>{"a NO [CANNOT] Invalid mailbox name"});
  EXPECT_EQ(Reply(r, "b"), std::vector<std::string>{"b OK CREATE completed"});
  EXPECT_EQ(Reply(r, "c"), std::vector<std::string>{"c NO [CANNOT] Invalid mailbox name"});
  EXPECT_EQ(Reply(r, "d"), std::vector<std::string>{"d NO [CANNOT] Invalid mailbox name"});
  EXPECT_EQ(Reply(r, "e"), std::vector<std::string>{"e NO [CANNOT] Invalid mailbox name"});
  EXPECT_EQ(Reply(r, "f"), (std::vector<std::string>{"* LIST (\\HasNoChildren) \"/\" \"R&-D\"",
                                                     "f OK LIST completed"}));
}

TEST_F(ImapSessionTest, Utf8AppendAndEightBitHeaders) {
  const std::string msg = "Subject: Grüße\r\nFrom: jörg@example.test\r\n\r\nHallo\r\n";
  const std::string n = std::to_string(msg.size());
  auto before = Talk(kLogin + "a APPEND INBOX UTF8 (~{" + n + "+}\r\n" + msg + ")\r\n" +
                     "b APPEND INBOX ~{" + n + "+}\r\n" + msg + "\r\n");
  EXPECT_EQ(Reply(before, "a"),
            std::vector<std::string>{"a BAD APPEND UTF8 needs ENABLE UTF8=ACCEPT first"});
  // A bare literal8 is a BINARY APPEND (RFC 3516 4.4), accepted without UTF8=ACCEPT.
  EXPECT_EQ(Reply(before, "b").back().rfind("b OK [APPENDUID ", 0), 0u);
  ASSERT_EQ(Messages().size(), 1u);
  EXPECT_EQ(*store_->ReadContent(BoxId(), Messages()[0].uid), msg);  // no binary part: as sent
  ASSERT_TRUE(store_->Expunge(BoxId(), {Messages()[0].uid}).ok());

  auto r = TalkRaw(kLogin + "e ENABLE UTF8=ACCEPT\r\na APPEND INBOX UTF8 (~{" + n + "}\r\n" + msg +
                   ")\r\nb APPEND INBOX (\\Seen) UTF8 (\"quoted\")\r\ns SELECT INBOX\r\n"
                   "f FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])\r\n");
  auto lines = Lines(r);
  EXPECT_EQ(Reply(lines, "a").back().rfind("a OK [APPENDUID ", 0), 0u);
  EXPECT_EQ(Reply(lines, "b").back().rfind("b BAD Syntax: APPEND mailbox", 0), 0u);
  ASSERT_EQ(Messages().size(), 1u);
  EXPECT_EQ(*store_->ReadContent(BoxId(), Messages()[0].uid), msg);
  // 8-bit header bytes go out as they are, not encoded.
  EXPECT_NE(r.find("* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT)] {20}\r\nSubject: Grüße\r\n\r\n)"),
            std::string::npos)
      << r;
}

TEST_F(ImapSessionTest, PerUserConnectionLimit) {
  config_.imap.max_connections_per_user = 2;
  auto one = user_connections_.TryAcquire(bob_, 2);  // two sessions of bob elsewhere
  auto two = user_connections_.TryAcquire(bob_, 2);
  ASSERT_TRUE(one && two);
  auto r = Talk(kLogin + "a LIST \"\" INBOX\r\n");
  EXPECT_EQ(r[1],
            "l NO [LIMIT] Too many connections for this user; close another client and retry");
  EXPECT_EQ(r[2], "a BAD Command not valid in this state");
  AddUser("alice@example.test", "secret");  // another user is not affected
  r = Talk("l LOGIN alice@example.test secret\r\n");
  EXPECT_EQ(r[1].rfind("l OK [CAPABILITY", 0), 0u);

  two.reset();  // one of them logs out
  r = Talk(kLogin + "a LOGOUT\r\n");
  EXPECT_EQ(r[1].rfind("l OK [CAPABILITY", 0), 0u);
  EXPECT_EQ(user_connections_.Count(bob_), 1);  // the session's slot went with it
  // However the session ends: here the client just goes away, then too many bad commands.
  r = Talk(kLogin);
  EXPECT_EQ(r[1].rfind("l OK [CAPABILITY", 0), 0u);
  std::string bad;
  for (int i = 0; i < kMaxBadCommands + 5; ++i) bad += "x FROB\r\n";
  r = Talk(kLogin + bad);
  EXPECT_EQ(r[1].rfind("l OK [CAPABILITY", 0), 0u);
  EXPECT_EQ(user_connections_.Count(bob_), 1);
}

}  // namespace
}  // namespace mailsuite::imapd
