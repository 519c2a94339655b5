// IMAP4rev2 (RFC 9051) and the extensions it folds in: ESEARCH (RFC 4731), SEARCHRES (RFC 5182),
// BINARY (RFC 3516), STATUS DELETED, HASCHILDREN, and what ENABLE IMAP4rev2 changes.
#include "imap/search_return.h"
#include "session_fixture.h"

namespace mailsuite::imapd {
namespace {

Arg Atom(const char* t) {
  Arg a;
  a.text = t;
  return a;
}

// The first reply line starting with `prefix`, or "" (so a missing line fails, not crashes).
std::string First(const std::vector<std::string>& lines, const std::string& prefix) {
  auto found = Grep(lines, prefix);
  return found.empty() ? "" : found[0];
}

Arg List(std::vector<Arg> items) {
  Arg a;
  a.kind = Arg::Kind::kList;
  a.items = std::move(items);
  return a;
}

TEST(SearchReturnTest, ParsesOptions) {
  std::string err;
  size_t pos = 0;
  std::vector<Arg> none = {Atom("ALL")};
  auto r = ParseSearchReturn(none, &pos, &err);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->extended);
  EXPECT_EQ(pos, 0u);

  std::vector<Arg> empty = {Atom("RETURN"), List({}), Atom("ALL")};
  r = ParseSearchReturn(empty, &pos, &err);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->extended && r->all && !r->min && !r->count);  // RETURN () is ALL
  EXPECT_EQ(pos, 2u);

  pos = 0;
  std::vector<Arg> some = {Atom("return"), List({Atom("min"), Atom("COUNT"), Atom("SAVE")})};
  r = ParseSearchReturn(some, &pos, &err);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->min && r->count && r->save && !r->all && !r->max);

  pos = 0;
  std::vector<Arg> bad = {Atom("RETURN"), List({Atom("PARTIAL")})};
  EXPECT_FALSE(ParseSearchReturn(bad, &pos, &err));
  std::vector<Arg> no_list = {Atom("RETURN"), Atom("MIN")};
  EXPECT_FALSE(ParseSearchReturn(no_list, &pos, &err));
}

TEST(SearchReturnTest, FormatsEsearch) {
  SearchReturn all;
  all.extended = all.all = true;
  std::vector<SearchHit> hits = {{2, 5}, {3, 9}, {4, 7}, {8, 6}};
  EXPECT_EQ(FormatEsearch("A1", false, all, hits, false), "ESEARCH (TAG \"A1\") ALL 2:4,8");
  EXPECT_EQ(FormatEsearch("A1", true, all, hits, true),
            "ESEARCH (TAG \"A1\") UID ALL 2:4,8 MODSEQ 9");
  SearchReturn mm;
  mm.extended = mm.min = mm.max = mm.count = true;
  EXPECT_EQ(FormatEsearch("t", false, mm, hits, false), "ESEARCH (TAG \"t\") MIN 2 MAX 8 COUNT 4");
  // RFC 4731 3.2 / RFC 7162 3.1.5: MIN/MAX alone give their own messages' MODSEQ.
  SearchReturn min;
  min.extended = min.min = true;
  EXPECT_EQ(FormatEsearch("t", false, min, hits, true), "ESEARCH (TAG \"t\") MIN 2 MODSEQ 5");
  SearchReturn minmax;
  minmax.extended = minmax.min = minmax.max = true;
  EXPECT_EQ(FormatEsearch("t", false, minmax, hits, true),
            "ESEARCH (TAG \"t\") MIN 2 MAX 8 MODSEQ 6");
  // Nothing found: only COUNT 0, if asked, and never MODSEQ.
  EXPECT_EQ(FormatEsearch("t", true, mm, {}, true), "ESEARCH (TAG \"t\") UID COUNT 0");
  EXPECT_EQ(FormatEsearch("t", false, all, {}, true), "ESEARCH (TAG \"t\")");
}

TEST(SearchReturnTest, SaveKeepsMinMaxOrAll) {
  SearchReturn r;
  r.save = r.min = true;
  EXPECT_EQ(SavedHits(r, 5), (std::vector<size_t>{0}));
  r.max = true;
  EXPECT_EQ(SavedHits(r, 5), (std::vector<size_t>{0, 4}));
  EXPECT_EQ(SavedHits(r, 1), (std::vector<size_t>{0}));
  r.count = true;  // RFC 5182 2.4: with COUNT (or ALL) every match is saved
  EXPECT_EQ(SavedHits(r, 3), (std::vector<size_t>{0, 1, 2}));
  EXPECT_TRUE(SavedHits(r, 0).empty());
}

class Rev2Test : public ImapSessionTest {
 protected:
  void FiveMessages() {
    for (int i = 1; i <= 5; ++i)
      Deliver("From: a@example.org\r\nSubject: m" + std::to_string(i) + "\r\n\r\nbody " +
              std::to_string(i) + "\r\n");
    store::Flags f;
    f.system = store::kFlagSeen;
    store_->UpdateFlags(BoxId(), {2, 4, 5}, store::FlagOperation::kAdd, f);
  }
};

TEST_F(Rev2Test, EsearchReturnOptions) {
  FiveMessages();
  auto r = Talk(kLogin +
                "s SELECT INBOX\r\n"
                "a SEARCH RETURN (MIN MAX COUNT) SEEN\r\n"
                "b UID SEARCH RETURN () UNSEEN\r\n"
                "c SEARCH RETURN (COUNT) SUBJECT nothing\r\n"
                "d SEARCH RETURN (ALL) 1000\r\n"
                "e SEARCH RETURN (FROB) ALL\r\n"
                "f SEARCH SEEN\r\n");
  EXPECT_EQ(First(r, "* ESEARCH (TAG \"a\")"), "* ESEARCH (TAG \"a\") MIN 2 MAX 5 COUNT 3");
  EXPECT_EQ(First(r, "* ESEARCH (TAG \"b\")"), "* ESEARCH (TAG \"b\") UID ALL 1,3");
  EXPECT_EQ(First(r, "* ESEARCH (TAG \"c\")"), "* ESEARCH (TAG \"c\") COUNT 0");
  EXPECT_EQ(First(r, "* ESEARCH (TAG \"d\")"), "* ESEARCH (TAG \"d\")");
  EXPECT_EQ(First(r, "e ").substr(0, 6), "e BAD ");
  EXPECT_EQ(Grep(r, "* SEARCH"), std::vector<std::string>{"* SEARCH 2 4 5"});  // rev1 default
}

TEST_F(Rev2Test, SearchResultVariable) {
  FiveMessages();
  auto r = Talk(kLogin +
                "s SELECT INBOX\r\n"
                "a SEARCH RETURN (SAVE) SEEN\r\n"
                "b FETCH $ (UID)\r\n"
                "c UID SEARCH UID $ SUBJECT m4\r\n"
                "d STORE $ +FLAGS.SILENT (\\Deleted)\r\n"
                "e UID EXPUNGE 4\r\n"
                "f SEARCH $\r\n"
                "g UID SEARCH RETURN (SAVE MIN) UNSEEN\r\n"
                "h UID FETCH $ (FLAGS)\r\n"
                "i SEARCH RETURN (SAVE) CHARSET KOI8-R ALL\r\n"
                "j FETCH $ (UID)\r\n"
                "k SEARCH RETURN (SAVE ALL) 1:2\r\n"
                "l SELECT INBOX\r\n"
                "m SEARCH $\r\n");
  EXPECT_EQ(First(r, "* ESEARCH (TAG \"a\")"), "");  // SAVE alone answers nothing
  EXPECT_EQ(First(r, "* 2 FETCH"), "* 2 FETCH (UID 2)");
  EXPECT_EQ(First(r, "* 4 FETCH (UID"), "* 4 FETCH (UID 4)");
  EXPECT_EQ(First(r, "* 5 FETCH (UID"), "* 5 FETCH (UID 5)");
  EXPECT_EQ(First(r, "* SEARCH"), "* SEARCH 4");  // c: UIDs of $ with m4
  EXPECT_EQ(First(r, "e "), "e OK UID EXPUNGE completed");
  // f: message 4 is gone; 2 and 5 (now 4) remain in $.
  EXPECT_EQ(Grep(r, "* SEARCH")[1], "* SEARCH 2 4");
  // g/h: only the lowest unseen UID (1) was saved.
  EXPECT_EQ(Grep(r, "* 1 FETCH (UID 1 FLAGS").size(), 1u);
  EXPECT_EQ(Grep(r, "* 3 FETCH (UID 3 FLAGS").size(), 0u);
  // i/j: a failed SEARCH (SAVE) empties $; FETCH $ is then OK with nothing.
  EXPECT_EQ(Grep(r, "i NO [BADCHARSET").size(), 1u);
  EXPECT_EQ(First(r, "j "), "j OK FETCH completed");
  EXPECT_EQ(First(r, "* ESEARCH (TAG \"k\")"), "* ESEARCH (TAG \"k\") ALL 1:2");
  // SELECT empties $ (RFC 5182 2.1).
  EXPECT_EQ(Grep(r, "* SEARCH").back(), "* SEARCH");
}

TEST_F(Rev2Test, EnableImap4rev2) {
  FiveMessages();
  ASSERT_TRUE(store_->CreateMailbox(bob_, "INBOX/Sub").ok());
  ASSERT_TRUE(store_->CreateMailbox(bob_, "Caf&AOk-").ok());
  auto r = Talk(kLogin +
                "c CAPABILITY\r\n"
                "e ENABLE IMAP4rev2\r\n"
                "s SELECT INBOX\r\n"
                "a SEARCH UNSEEN\r\n"
                "b UID SEARCH SEEN\r\n"
                "t SELECT \"Café\"\r\n"
                "l LIST \"\" \"C*\"\r\n");
  EXPECT_NE(First(r, "* CAPABILITY IMAP4rev1 IMAP4rev2 ").find(" ESEARCH SEARCHRES BINARY"),
            std::string::npos);
  EXPECT_EQ(First(r, "* ENABLED"), "* ENABLED IMAP4rev2");
  // RFC 9051 6.3.2: SELECT lists the mailbox; no RECENT, no [UNSEEN n].
  EXPECT_EQ(First(r, "* LIST"), "* LIST (\\HasChildren \\Subscribed) \"/\" \"INBOX\"");
  EXPECT_TRUE(Grep(r, "* 0 RECENT").empty());
  EXPECT_TRUE(Grep(r, "* OK [UNSEEN").empty());
  // 6.4.4: SEARCH answers ESEARCH.
  EXPECT_EQ(First(r, "* ESEARCH (TAG \"a\")"), "* ESEARCH (TAG \"a\") ALL 1,3");
  EXPECT_EQ(First(r, "* ESEARCH (TAG \"b\")"), "* ESEARCH (TAG \"b\") UID ALL 2,4:5");
  EXPECT_TRUE(Grep(r, "* SEARCH").empty());
  // UTF-8 names in and out; [CLOSED] before the second mailbox.
  EXPECT_EQ(Grep(r, "* OK [CLOSED]").size(), 1u);
  EXPECT_EQ(First(r, "t "), "t OK [READ-WRITE] SELECT completed");
  EXPECT_EQ(Grep(r, "* LIST (\\HasNoChildren) \"/\" \"Café\"").size(), 2u);  // SELECT, LIST
}

TEST_F(Rev2Test, NoRecentUnderRev2) {
  Deliver("Subject: new\r\n\r\nx\r\n", "INBOX", "", /*recent=*/true);
  auto rev2 = Talk(kLogin + "e ENABLE IMAP4rev2\r\ns SELECT INBOX\r\nf FETCH 1 FLAGS\r\n");
  EXPECT_EQ(First(rev2, "* 1 FETCH"), "* 1 FETCH (FLAGS ())");
  // A rev2 session claims nothing, so the message is still new to a rev1 session.
  auto rev1 = Talk(kLogin + "s SELECT INBOX\r\n");
  EXPECT_EQ(Grep(rev1, "* 1 RECENT").size(), 1u);
}

TEST_F(Rev2Test, StatusDeletedAndMailboxCodes) {
  FiveMessages();
  store::Flags d;
  d.system = store::kFlagDeleted;
  store_->UpdateFlags(BoxId(), {1, 3}, store::FlagOperation::kAdd, d);
  ASSERT_TRUE(store_->CreateMailbox(bob_, "Work/Q1").ok());
  auto r = Talk(kLogin +
                "a STATUS INBOX (MESSAGES DELETED UNSEEN)\r\n"
                "b DELETE Work\r\n"
                "c UNSUBSCRIBE Work/Q1\r\n"
                "s SELECT INBOX\r\n"
                "d STORE 1 -FLAGS (\\Deleted)\r\n"
                "e STATUS INBOX (DELETED)\r\n");
  EXPECT_EQ(First(r, "* STATUS \"INBOX\" (MESSAGES"),
            "* STATUS \"INBOX\" (MESSAGES 5 DELETED 2 UNSEEN 2)");
  EXPECT_EQ(First(r, "b ").substr(0, 19), "b NO [HASCHILDREN] ");
  EXPECT_EQ(First(r, "c "), "c OK UNSUBSCRIBE completed");
  EXPECT_EQ(First(r, "* STATUS \"INBOX\" (DELETED"), "* STATUS \"INBOX\" (DELETED 1)");
}

TEST_F(Rev2Test, CondstoreEnablingCommandSendsHighestModseq) {
  FiveMessages();
  auto r = Talk(kLogin + "s SELECT INBOX\r\na FETCH 1 (MODSEQ)\r\nb FETCH 2 (MODSEQ)\r\n");
  // RFC 7162 3.1: once, at the first CONDSTORE enabling command.
  EXPECT_EQ(Grep(r, "* OK [HIGHESTMODSEQ").size(), 1u);
}

const char kBinaryMessage[] =
    "From: a@example.org\r\nMime-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
    "--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    "aGVs\r\n bG8gd29y  \r\nbGQ=\r\n"
    "--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
    "caf=C3=A9 =\r\nau lait  \r\n"
    "--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    "AAEC/w==\r\n"
    "--b\r\nContent-Type: application/x-foo\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\n"
    "begin 644 x\r\n"
    "--b--\r\n";

TEST_F(Rev2Test, BinaryFetchDecodes) {
  Deliver(kBinaryMessage);
  auto raw = TalkRaw(kLogin +
                     "s SELECT INBOX\r\n"
                     "a FETCH 1 (BINARY.PEEK[1] BINARY.SIZE[1] BINARY.PEEK[2])\r\n"
                     "b FETCH 1 (BINARY.PEEK[3] BINARY.PEEK[1]<6.100> BINARY.SIZE[3])\r\n"
                     "c FETCH 1 (BINARY.SIZE[4])\r\n"
                     "d FETCH 1 (BINARY.PEEK[1.MIME])\r\n"
                     "e FETCH 1 (FLAGS)\r\n"
                     "f FETCH 1 (BINARY[1])\r\n");
  EXPECT_NE(raw.find("* 1 FETCH (BINARY[1] {11}\r\nhello world BINARY.SIZE[1] 11 "
                     "BINARY[2] {13}\r\ncafé au lait)"),
            std::string::npos)
      << raw;
  // NUL in the decoded content: a literal8 (RFC 3516 4.2).
  EXPECT_NE(raw.find("* 1 FETCH (BINARY[3] ~{4}\r\n" + std::string("\0\1\2\xff", 4) +
                     " BINARY[1]<6> {5}\r\nworld BINARY.SIZE[3] 4)"),
            std::string::npos)
      << raw;
  EXPECT_NE(raw.find("c NO [UNKNOWN-CTE]"), std::string::npos);
  EXPECT_NE(raw.find("d BAD"), std::string::npos);
  EXPECT_NE(raw.find("* 1 FETCH (FLAGS ())"), std::string::npos);  // PEEK left \Seen alone
  EXPECT_NE(raw.find("\\Seen"), std::string::npos);                // BINARY[1] set it
}

TEST_F(Rev2Test, AppendLiteral8StoresBase64) {
  const std::string msg =
      "Subject: bin\r\nContent-Type: application/octet-stream\r\n"
      "Content-Transfer-Encoding: binary\r\n\r\n" +
      std::string("\0\x01zz\r\n", 6);
  auto raw = TalkRaw(kLogin + "a APPEND INBOX ~{" + std::to_string(msg.size()) + "+}\r\n" + msg +
                     "\r\ns SELECT INBOX\r\nb FETCH 1 (BODY.PEEK[1] BINARY.PEEK[1])\r\n"
                     "c FETCH 1 (BODY.PEEK[HEADER])\r\n");
  EXPECT_NE(raw.find("a OK [APPENDUID"), std::string::npos) << raw;
  EXPECT_NE(raw.find("BODY[1] {8}\r\nAAF6eg0K"), std::string::npos) << raw;
  EXPECT_NE(raw.find("BINARY[1] ~{6}\r\n" + std::string("\0\x01zz\r\n)", 7)), std::string::npos);
  // The stored header says base64 now (RFC 3516 4.4 lets the server re-encode).
  EXPECT_NE(raw.find("Content-Transfer-Encoding: base64\r\n\r\n)"), std::string::npos) << raw;
  EXPECT_EQ(raw.find("Content-Transfer-Encoding: binary"), std::string::npos);
}

}  // namespace
}  // namespace mailsuite::imapd

namespace mailsuite::imapd {
namespace {

// RFC 9051 6.4.4: encoded words and transfer encodings are decoded before text is compared,
// and text in another charset is compared as UTF-8; attachments are not searched.
TEST_F(Rev2Test, SearchDecodesWhatAReaderSees) {
  Deliver(
      "From: =?UTF-8?B?SsO2cmc=?= <j@example.org>\r\nSubject: =?ISO-8859-1?Q?caf=E9?=\r\n"
      "\r\nplain\r\n");
  Deliver(
      "Subject: b64\r\nContent-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29ybGQ=\r\n");
  Deliver(
      "Subject: qp\r\nMime-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n"
      "--x\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n\r\nna=EFve =\r\nsoup\r\n"
      "--x\r\nContent-Type: application/octet-stream; name=blob.bin\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\nc2VjcmV0\r\n--x--\r\n");
  auto r = Talk(kLogin +
                "s SELECT INBOX\r\n"
                "a SEARCH SUBJECT \"café\"\r\n"
                "b SEARCH BODY world\r\n"
                "c SEARCH CHARSET UTF-8 BODY \"naïve soup\"\r\n"
                "d SEARCH TEXT \"Jörg\"\r\n"
                "e SEARCH FROM \"jörg\"\r\n"
                "f SEARCH BODY secret\r\n"
                "g SEARCH BODY blob.bin\r\n"
                "h SEARCH TEXT aGVsbG8\r\n");
  auto searches = Grep(r, "* SEARCH");
  ASSERT_EQ(searches.size(), 8u);
  EXPECT_EQ(searches[0], "* SEARCH 1");
  EXPECT_EQ(searches[1], "* SEARCH 2");
  EXPECT_EQ(searches[2], "* SEARCH 3");
  EXPECT_EQ(searches[3], "* SEARCH 1");
  EXPECT_EQ(searches[4], "* SEARCH 1");
  EXPECT_EQ(searches[5], "* SEARCH");    // an attachment is not text
  EXPECT_EQ(searches[6], "* SEARCH 3");  // MIME headers are still searched as they are
  EXPECT_EQ(searches[7], "* SEARCH 2");  // and so are the raw octets
}

}  // namespace
}  // namespace mailsuite::imapd

namespace mailsuite::imapd {
namespace {

TEST_F(Rev2Test, ListExtendedSyntaxDetails) {
  auto r = Talk(kLogin +
                "a LIST \"\" \"\" RETURN (CHILDREN)\r\n"
                "b LIST \"\" \"\"\r\n"
                "c LIST \"\" INBOX RETURN (STATUS (MESSAGES) STATUS (UNSEEN))\r\n"
                "e ENABLE IMAP4rev2\r\n"
                "d CREATE \"bad\xc2\x85name\"\r\n"
                "f CREATE \"ok\xc2\xa0name\"\r\n");
  // RFC 9051 6.3.9: an empty pattern means the delimiter only in the basic syntax.
  EXPECT_EQ(Grep(r, "* LIST").size(), 2u);  // b's delimiter and c's INBOX; none for a
  EXPECT_EQ(First(r, "a "), "a OK LIST completed");
  EXPECT_EQ(First(r, "* LIST (\\Noselect)"), "* LIST (\\Noselect) \"/\" \"\"");
  // An option given twice counts once.
  EXPECT_EQ(First(r, "* STATUS"), "* STATUS \"INBOX\" (MESSAGES 0)");
  EXPECT_EQ(First(r, "c "), "c OK LIST completed");
  // Net-Unicode (RFC 5198 2): no C1 controls in a name; a no-break space is fine.
  EXPECT_EQ(First(r, "d "), "d NO [CANNOT] Invalid mailbox name");
  EXPECT_EQ(First(r, "f "), "f OK CREATE completed");
}

}  // namespace
}  // namespace mailsuite::imapd

namespace mailsuite::imapd {
namespace {

TEST_F(Rev2Test, SavedResultAcrossCommandsAndFailures) {
  FiveMessages();  // 2, 4, 5 are \Seen
  ASSERT_TRUE(store_->CreateMailbox(bob_, "Kept").ok());
  auto r = Talk(kLogin +
                "s SELECT INBOX\r\n"
                "a FETCH $ (UID)\r\n"  // never saved: empty, OK
                "b SEARCH RETURN (SAVE) SEEN\r\n"
                "c SEARCH RETURN (SAVE) FROB\r\n"  // BAD: $ stays
                "d COPY $ Kept\r\n"
                "e STORE $ +FLAGS.SILENT (\\Deleted)\r\n"
                "f UID EXPUNGE $\r\n"
                "g SEARCH RETURN (ALL) $\r\n"  // expunged messages left $
                "h SEARCH RETURN (COUNT) ALL\r\n"
                "i MOVE $ Kept\r\n");
  EXPECT_EQ(First(r, "a "), "a OK FETCH completed");
  EXPECT_TRUE(Grep(r, "* 1 FETCH (UID").empty());
  EXPECT_EQ(First(r, "c ").substr(0, 6), "c BAD ");
  // Still 2, 4 and 5 after the BAD.
  EXPECT_NE(First(r, "d ").find(" 2,4:5 1:3] "), std::string::npos) << First(r, "d ");
  // f: UID EXPUNGE $ removed the three saved messages (all \Deleted by e).
  EXPECT_EQ(
      Grep(r, "* 5 EXPUNGE").size() + Grep(r, "* 4 EXPUNGE").size() + Grep(r, "* 2 EXPUNGE").size(),
      3u);
  EXPECT_EQ(First(r, "* ESEARCH (TAG \"g\")"), "* ESEARCH (TAG \"g\")");
  EXPECT_EQ(First(r, "* ESEARCH (TAG \"h\")"), "* ESEARCH (TAG \"h\") COUNT 2");
  EXPECT_EQ(First(r, "i "), "i OK MOVE completed");  // an empty $ moves nothing
  EXPECT_EQ(Messages("Kept").size(), 3u);
}

TEST_F(Rev2Test, EsearchModseqThroughASession) {
  FiveMessages();
  auto r = Talk(kLogin +
                "s SELECT INBOX\r\n"
                "a SEARCH RETURN (MIN MAX) MODSEQ 1 SEEN\r\n"
                "b UID SEARCH RETURN (COUNT) MODSEQ 1 SEEN\r\n");
  auto list = Messages();
  uint64_t highest = 0;
  for (const auto& m : list)
    if (m.flags.system & store::kFlagSeen) highest = std::max(highest, m.modseq);
  EXPECT_EQ(First(r, "* ESEARCH (TAG \"a\")"),
            "* ESEARCH (TAG \"a\") MIN 2 MAX 5 MODSEQ " +
                std::to_string(std::max(list[1].modseq, list[4].modseq)));
  EXPECT_EQ(First(r, "* ESEARCH (TAG \"b\")"),
            "* ESEARCH (TAG \"b\") UID COUNT 3 MODSEQ " + std::to_string(highest));
}

TEST_F(Rev2Test, UnknownEncodingLeavesSeenAlone) {
  Deliver(kBinaryMessage);
  auto r = Talk(kLogin + "s SELECT INBOX\r\na FETCH 1 (BINARY[4])\r\nb FETCH 1 (FLAGS)\r\n");
  EXPECT_EQ(First(r, "a ").substr(0, 18), "a NO [UNKNOWN-CTE]");
  EXPECT_TRUE(Grep(r, "* 1 FETCH (BINARY").empty());
  EXPECT_EQ(First(r, "* 1 FETCH"), "* 1 FETCH (FLAGS ())");  // no \Seen the client never heard of
}

TEST_F(Rev2Test, NulInAPlainLiteralGoesOutAs0x80) {
  const std::string msg = std::string("Subject: a\0b\r\n\r\nx\0y\r\n", 21);
  auto raw = TalkRaw(kLogin + "a APPEND INBOX {21+}\r\n" + msg +
                     "\r\ns SELECT INBOX\r\n"
                     "f FETCH 1 (BODY.PEEK[TEXT] BODY.PEEK[HEADER.FIELDS (SUBJECT)])\r\n");
  EXPECT_NE(raw.find("BODY[TEXT] {5}\r\nx\x80y\r\n"), std::string::npos) << raw;
  EXPECT_NE(raw.find("BODY[HEADER.FIELDS (SUBJECT)] {16}\r\nSubject: a\x80"
                     "b\r\n\r\n"),
            std::string::npos)
      << raw;
}

TEST_F(Rev2Test, Rev2ExamineListsAndStatusEnablesCondstore) {
  FiveMessages();
  auto r = Talk(kLogin +
                "e ENABLE IMAP4rev2\r\n"
                "x EXAMINE INBOX\r\n"
                "t STATUS INBOX (HIGHESTMODSEQ)\r\n");
  EXPECT_EQ(First(r, "* LIST"), "* LIST (\\HasNoChildren \\Subscribed) \"/\" \"INBOX\"");
  // RFC 7162 3.1: STATUS HIGHESTMODSEQ enables CONDSTORE; with a mailbox selected, the
  // selected mailbox's HIGHESTMODSEQ comes first.
  EXPECT_EQ(Grep(r, "* OK [HIGHESTMODSEQ").size(), 1u);
}

}  // namespace
}  // namespace mailsuite::imapd

namespace mailsuite::imapd {
namespace {

// A big text part is searched as it is, chunk by chunk (256 KB at a time), also across a
// chunk edge; an attachment is not searched at all (RFC 9051 6.4.4 allows skipping it).
TEST_F(Rev2Test, BigTextPartIsScannedInChunks) {
  const std::string head = "Subject: big text\r\n\r\n";
  std::string straddling =
      head + std::string(256 * 1024 - 3, 'a') + "edgeword" + std::string(300 * 1024, 'b') + "\r\n";
  std::string at_end = head + std::string(700 * 1024, 'c') + " lastword\r\n";
  std::string attachment =
      "Subject: att\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\n"
      "Content-Type: application/octet-stream\r\n\r\n" +
      std::string(100 * 1024, 'd') + " attword\r\n--q--\r\n";
  Deliver(straddling);
  Deliver(at_end);
  Deliver(attachment);
  auto r = Talk(kLogin +
                "s SELECT INBOX\r\n"
                "a SEARCH BODY edgeword\r\n"
                "b SEARCH BODY LASTWORD\r\n"
                "c SEARCH BODY attword\r\n"
                "d SEARCH TEXT \"big text\"\r\n");
  auto searches = Grep(r, "* SEARCH");
  ASSERT_EQ(searches.size(), 4u);
  EXPECT_EQ(searches[0], "* SEARCH 1");
  EXPECT_EQ(searches[1], "* SEARCH 2");
  EXPECT_EQ(searches[2], "* SEARCH");
  EXPECT_EQ(searches[3], "* SEARCH 1 2");
}

}  // namespace
}  // namespace mailsuite::imapd
