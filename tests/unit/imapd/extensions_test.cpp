// Extensions: UIDPLUS (RFC 4315), MOVE (RFC 6851), UNSELECT (RFC 3691), NAMESPACE (RFC 2342),
// ID (RFC 2971), ENABLE (RFC 5161), LIST with SPECIAL-USE options and CREATE-SPECIAL-USE
// (RFC 6154).
#include "imap/sequence_set.h"
#include "session_fixture.h"

namespace mailsuite::imapd {
namespace {

const std::string kMsg = "From: carol@example.org\r\nSubject: s\r\n\r\nbody\r\n";

uint32_t Validity(store::Store& st, store::UserId user, const std::string& box) {
  return (*st.GetMailbox(user, box))->uid_validity;
}

TEST(FormatSetTest, Runs) {
  EXPECT_EQ(FormatSet({}), "");
  EXPECT_EQ(FormatSet({7}), "7");
  EXPECT_EQ(FormatSet({1, 2, 3, 5, 7, 8}), "1:3,5,7:8");
  EXPECT_EQ(FormatSet({9, 4, 5}), "9,4:5");
}

TEST_F(ImapSessionTest, AppendUidAndCopyUid) {
  for (int i = 0; i < 4; ++i) Deliver(kMsg);
  Deliver(kMsg, "Archive");
  const std::string v = std::to_string(Validity(*store_, bob_, "Archive"));
  auto r = Talk(kLogin +
                "a APPEND Archive {5+}\r\nhello\r\ns SELECT INBOX\r\nb COPY 1:2,4 Archive\r\n"
                "c UID COPY 3 Archive\r\nd UID COPY 99 Archive\r\n");
  EXPECT_EQ(Grep(r, "a ")[0], "a OK [APPENDUID " + v + " 2] APPEND completed");
  EXPECT_EQ(Grep(r, "b ")[0], "b OK [COPYUID " + v + " 1:2,4 3:5] COPY completed");
  EXPECT_EQ(Grep(r, "c ")[0], "c OK [COPYUID " + v + " 3 6] UID COPY completed");
  EXPECT_EQ(Grep(r, "d ")[0], "d OK UID COPY completed");
  EXPECT_EQ(Messages("Archive").size(), 6u);
}

TEST_F(ImapSessionTest, UidExpungeOnlyNamedDeleted) {
  for (int i = 0; i < 4; ++i) Deliver(kMsg);
  auto r = Talk(kLogin +
                "s SELECT INBOX\r\na STORE 1:3 +FLAGS.SILENT (\\Deleted)\r\n"
                "b UID EXPUNGE 2:4\r\nc UID EXPUNGE x\r\nt EXAMINE INBOX\r\nd UID EXPUNGE 1\r\n");
  auto b = std::find(r.begin(), r.end(), "b OK UID EXPUNGE completed");
  ASSERT_NE(b, r.end());
  EXPECT_EQ(*(b - 2), "* 3 EXPUNGE");
  EXPECT_EQ(*(b - 1), "* 2 EXPUNGE");
  EXPECT_EQ(Grep(r, "c ")[0], "c BAD Invalid sequence set");
  EXPECT_EQ(Grep(r, "d ")[0], "d NO [READ-ONLY] Mailbox is read-only");
  auto m = Messages();
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].uid, 1u);  // \Deleted but not named: kept
  EXPECT_EQ(m[1].uid, 4u);
}

TEST_F(ImapSessionTest, MoveAndUidMove) {
  for (int i = 0; i < 4; ++i) Deliver(kMsg);
  const std::string v = std::to_string(Validity(*store_, bob_, "Trash"));
  auto r = Talk(kLogin +
                "s SELECT INBOX\r\na MOVE 2:3 Trash\r\nb UID MOVE 4 Trash\r\n"
                "c MOVE 1 Nowhere\r\nd UID MOVE 99 Trash\r\n");
  std::vector<std::string> want = {"* OK [COPYUID " + v + " 2:3 1:2] Moved",
                                   "* 3 EXPUNGE",
                                   "* 2 EXPUNGE",
                                   "a OK MOVE completed",
                                   "* OK [COPYUID " + v + " 4 3] Moved",
                                   "* 2 EXPUNGE",
                                   "b OK UID MOVE completed"};
  auto a = std::find(r.begin(), r.end(), want[0]);
  ASSERT_NE(a, r.end());
  EXPECT_EQ(std::vector<std::string>(a, a + 7), want);
  EXPECT_EQ(Grep(r, "c ")[0], "c NO [TRYCREATE] No such mailbox");
  EXPECT_EQ(Grep(r, "d ")[0], "d OK UID MOVE completed");
  EXPECT_EQ(Messages().size(), 1u);
  EXPECT_EQ(Messages("Trash").size(), 3u);
}

TEST_F(ImapSessionTest, MoveRefusedReadOnly) {
  Deliver(kMsg);
  auto r = Talk(kLogin + "s EXAMINE INBOX\r\na MOVE 1 Trash\r\n");
  EXPECT_EQ(Grep(r, "a ")[0], "a NO [READ-ONLY] Mailbox is read-only");
  EXPECT_EQ(Messages().size(), 1u);
}

TEST_F(ImapSessionTest, UnselectKeepsDeleted) {
  Deliver(kMsg);
  auto r = Talk(kLogin +
                "s SELECT INBOX\r\na STORE 1 +FLAGS.SILENT (\\Deleted)\r\nb UNSELECT\r\n"
                "c UNSELECT\r\nd FETCH 1 FLAGS\r\n");
  EXPECT_EQ(Grep(r, "b ")[0], "b OK UNSELECT completed");
  EXPECT_EQ(Grep(r, "c ")[0], "c BAD Command not valid in this state");
  EXPECT_EQ(Grep(r, "d ")[0], "d BAD Command not valid in this state");
  EXPECT_EQ(Messages().size(), 1u);
}

TEST_F(ImapSessionTest, NamespaceIdEnable) {
  auto r = Talk("a ID (\"name\" \"Thunder\\\"bird\" \"version\" NIL)\r\nb ENABLE CONDSTORE\r\n" +
                kLogin +
                "c NAMESPACE\r\nd ID NIL\r\ne ENABLE CONDSTORE UTF8=ACCEPT\r\nf ENABLE\r\n"
                "g ID (\"name\")\r\nh ID foo\r\n");
  EXPECT_EQ(Grep(r, "* ID").size(), 2u);
  EXPECT_EQ(Grep(r, "* ID")[0], "* ID (\"name\" \"mailsuite\")");
  EXPECT_EQ(Grep(r, "a ")[0], "a OK ID completed");
  EXPECT_EQ(Grep(r, "b ")[0], "b BAD Command not valid in this state");
  EXPECT_EQ(Grep(r, "* NAMESPACE")[0], "* NAMESPACE ((\"\" \"/\")) NIL NIL");
  EXPECT_EQ(Grep(r, "d ")[0], "d OK ID completed");
  EXPECT_EQ(Grep(r, "* ENABLED"), std::vector<std::string>{"* ENABLED CONDSTORE UTF8=ACCEPT"});
  EXPECT_EQ(Grep(r, "e ")[0], "e OK ENABLE completed");
  EXPECT_EQ(Grep(r, "f ")[0].rfind("f BAD", 0), 0u);
  EXPECT_EQ(Grep(r, "g ")[0], "g BAD Invalid ID parameter list");
  EXPECT_EQ(Grep(r, "h ")[0].rfind("h BAD", 0), 0u);
}

TEST_F(ImapSessionTest, ListSpecialUseOptions) {
  auto r = Talk(kLogin +
                "a LIST \"\" \"*\" RETURN (SPECIAL-USE)\r\nb LIST (SPECIAL-USE) \"\" \"*\"\r\n"
                "c LIST (FOO) \"\" \"*\"\r\nd LIST \"\" \"*\" RETURN (STATUS)\r\n");
  auto a = Grep(r, "* LIST");
  auto end_a = std::find(r.begin(), r.end(), "a OK LIST completed");
  auto end_b = std::find(r.begin(), r.end(), "b OK LIST completed");
  ASSERT_NE(end_b, r.end());
  std::vector<std::string> in_b(end_a + 1, end_b);
  EXPECT_NE(std::find(in_b.begin(), in_b.end(), "* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent\""),
            in_b.end());
  EXPECT_EQ(Grep(in_b, "* LIST").size(), 5u);  // Drafts, Sent, Trash, Junk, Archive
  EXPECT_TRUE(Grep(in_b, "* LIST (\\HasNoChildren) \"/\" \"INBOX\"").empty());
  EXPECT_EQ(a.size(), 6u + 5u);
  EXPECT_EQ(Grep(r, "c ")[0], "c BAD Unsupported LIST selection option");
  EXPECT_EQ(Grep(r, "d ")[0], "d BAD Unsupported LIST return option");
}

TEST_F(ImapSessionTest, CreateSpecialUse) {
  auto r = Talk(kLogin +
                "a CREATE Outbox (USE (\\Sent))\r\nb CREATE Stars (USE (\\Flagged))\r\n"
                "c CREATE Plain (USE ())\r\nd CREATE Two (USE (\\Sent \\Junk))\r\n"
                "e LIST \"\" Outbox\r\n");
  EXPECT_EQ(Grep(r, "a ")[0], "a OK CREATE completed");
  EXPECT_EQ(Grep(r, "b ")[0], "b NO [USEATTR] Unsupported special-use attribute");
  EXPECT_EQ(Grep(r, "c ")[0], "c OK CREATE completed");
  EXPECT_EQ(Grep(r, "d ")[0].rfind("d NO [USEATTR]", 0), 0u);
  EXPECT_EQ(Grep(r, "* LIST")[0], "* LIST (\\HasNoChildren \\Sent) \"/\" \"Outbox\"");
  EXPECT_FALSE(*store_->GetMailbox(bob_, "Stars"));
}

}  // namespace
}  // namespace mailsuite::imapd
