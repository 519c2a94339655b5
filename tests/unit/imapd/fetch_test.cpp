// P3/P4: SELECT/EXAMINE responses and FETCH: attributes, sections, partials, \Seen, UID FETCH.
#include "imap/fetch_items.h"
#include "imap/fetch_render.h"
#include "imap/format.h"
#include "imap/sequence_set.h"
#include "session_fixture.h"

namespace mailsuite::imapd {
namespace {

const std::string kSimple =
    "From: Carol <carol@example.org>\r\nTo: bob@example.test\r\nSubject: hello\r\n"
    "Date: Mon, 23 Nov 2026 05:43:13 +0000\r\nMessage-ID: <1@example.org>\r\n\r\nHi Bob.\r\n";
const std::string kMultipart =
    "From: carol@example.org\r\nSubject: parts\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\npreamble\r\n--XX\r\n"
    "Content-Type: text/plain\r\n\r\npart one\r\n--XX\r\nContent-Type: text/html\r\n\r\n"
    "<b>two</b>\r\n--XX--\r\n";

TEST(SequenceSetTest, Table) {
  struct Case {
    const char* text;
    uint32_t n, star;
    bool in;
  } cases[] = {{"1", 1, 5, true},     {"1", 2, 5, false},
               {"2:4", 3, 5, true},   {"4:2", 3, 5, true},
               {"5:*", 9, 9, true},   {"*", 7, 7, true},
               {"*", 6, 7, false},    {"1,3:4", 2, 5, false},
               {"1,3:4", 4, 5, true}, {"1:4294967295", 4000000000u, 1, true},
               {"10:*", 3, 3, true}};
  for (const Case& c : cases) {
    auto s = SequenceSet::Parse(c.text);
    ASSERT_TRUE(s) << c.text;
    EXPECT_EQ(s->Contains(c.n, c.star), c.in) << c.text << " " << c.n;
  }
  for (const char* bad : {"", "0", "1:", ":1", "a", "1,,2", "1:2:3", "4294967296", "-1"})
    EXPECT_FALSE(SequenceSet::Parse(bad)) << bad;
}

TEST(FetchItemsTest, ParsesSectionsAndMacros) {
  Arg list;
  list.kind = Arg::Kind::kList;
  for (const char* t : {"UID", "BODY.PEEK[HEADER.FIELDS (From To)]", "BODY[1.2.MIME]<0.10>",
                        "body[]", "RFC822.SIZE"}) {
    Arg a;
    a.text = t;
    list.items.push_back(a);
  }
  std::string err;
  auto r = ParseFetchItems(list, &err);
  ASSERT_TRUE(r) << err;
  ASSERT_EQ(r->items.size(), 5u);
  EXPECT_TRUE(r->items[1].peek);
  EXPECT_EQ(r->items[1].section, SectionKind::kHeaderFields);
  EXPECT_EQ(r->items[1].fields, (std::vector<std::string>{"From", "To"}));
  EXPECT_EQ(r->items[2].part, (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(r->items[2].section, SectionKind::kMime);
  EXPECT_EQ(r->items[2].partial->length, 10u);
  EXPECT_TRUE(r->sets_seen);
  Arg all;
  all.text = "all";
  EXPECT_EQ(ParseFetchItems(all, &err)->items.size(), 4u);
  for (const char* bad : {"BODY[MIME]", "BODY[1.]", "BODY[0]", "BODY[]<1.0>", "BODY[X]", "FOO",
                          "BODY[HEADER.FIELDS]", "BODY[]<1>", "BODY[HEADER"}) {
    Arg a;
    a.text = bad;
    EXPECT_FALSE(ParseFetchItems(a, &err)) << bad;
  }
}

TEST(FetchRenderTest, FilterHeader) {
  std::string h = "From: a\r\nSubject: long\r\n continued\r\nTo: b\r\n\r\n";
  EXPECT_EQ(FilterHeader(h, {"subject", "to"}, false),
            "Subject: long\r\n continued\r\nTo: b\r\n\r\n");
  EXPECT_EQ(FilterHeader(h, {"SUBJECT"}, true), "From: a\r\nTo: b\r\n\r\n");
}

TEST_F(ImapSessionTest, SelectAndExamine) {
  Deliver(kSimple);
  Deliver(kSimple);
  auto r = Talk(kLogin +
                "s SELECT inbox\r\ne EXAMINE INBOX\r\nn SELECT nowhere\r\n"
                "f FETCH 1 FLAGS\r\n");
  auto box = *store_->GetMailbox(bob_, "INBOX");
  std::vector<std::string> want = {
      "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)",
      "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted",
      "* 2 EXISTS",
      "* 0 RECENT",
      "* OK [UNSEEN 1] First unseen",
      "* OK [UIDVALIDITY " + std::to_string(box->uid_validity) + "] UIDs valid",
      "* OK [UIDNEXT 3] Predicted next UID",
      "s OK [READ-WRITE] SELECT completed"};
  EXPECT_EQ(std::vector<std::string>(r.begin() + 2, r.begin() + 10), want);
  EXPECT_EQ(r[11], "* OK [PERMANENTFLAGS ()] Read-only mailbox");
  EXPECT_EQ(r[17], "e OK [READ-ONLY] EXAMINE completed");
  EXPECT_EQ(r[18], "n NO [NONEXISTENT] No such mailbox");
  EXPECT_EQ(r[19], "f BAD Command not valid in this state");
}

TEST_F(ImapSessionTest, FetchAttributesAndBodies) {
  std::string prefix = "Return-Path: <carol@example.org>\r\n";
  Deliver(kSimple, "INBOX", prefix);
  std::string whole = prefix + kSimple;
  std::string out = TalkRaw(kLogin +
                            "s SELECT INBOX\r\n"
                            "a FETCH 1 (UID RFC822.SIZE FLAGS INTERNALDATE)\r\n"
                            "b FETCH 1 (BODY.PEEK[HEADER.FIELDS (Subject)])\r\n"
                            "c FETCH 1 BODY.PEEK[TEXT]<3.100>\r\n"
                            "d UID FETCH 1:* (FLAGS)\r\n"
                            "e FETCH 1 BODY[]\r\n"
                            "f FETCH 1 (FLAGS)\r\n");
  EXPECT_NE(out.find("* 1 FETCH (UID 1 RFC822.SIZE " + std::to_string(whole.size()) +
                     " FLAGS () INTERNALDATE \"14-Nov-2023 22:13:20 +0000\")\r\na OK"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("* 1 FETCH (BODY[HEADER.FIELDS (Subject)] {18}\r\nSubject: hello\r\n\r\n)"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("* 1 FETCH (BODY[TEXT]<3> {6}\r\nBob.\r\n)"), std::string::npos) << out;
  EXPECT_NE(out.find("* 1 FETCH (UID 1 FLAGS ())\r\nd OK"), std::string::npos) << out;
  EXPECT_NE(out.find("* 1 FETCH (BODY[] " + Literal(whole) + " FLAGS (\\Seen))\r\ne OK"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("* 1 FETCH (FLAGS (\\Seen))\r\nf OK"), std::string::npos) << out;
}

TEST_F(ImapSessionTest, FetchMultipartStructureAndParts) {
  Deliver(kMultipart);
  std::string out = TalkRaw(kLogin +
                            "s EXAMINE INBOX\r\n"
                            "a FETCH 1 (BODYSTRUCTURE ENVELOPE)\r\n"
                            "b FETCH 1 (BODY[2] BODY[1.MIME])\r\n");
  EXPECT_NE(out.find("BODYSTRUCTURE ((\"TEXT\" \"PLAIN\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"MIXED\""), std::string::npos) << out;
  EXPECT_NE(out.find("ENVELOPE (NIL \"parts\""), std::string::npos) << out;
  EXPECT_NE(
      out.find("BODY[2] {10}\r\n<b>two</b> BODY[1.MIME] {28}\r\nContent-Type: text/plain\r\n\r\n)"),
      std::string::npos)
      << out;
  EXPECT_EQ(out.find("FLAGS (\\Seen)"), std::string::npos) << "EXAMINE must not set \\Seen";
}

TEST_F(ImapSessionTest, FetchNestedMessageAndHeaderFieldsNot) {
  Deliver(
      "From: a@example.org\r\nSubject: outer\r\nContent-Type: multipart/mixed; boundary=q\r\n"
      "\r\n--q\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nX-A: 1\r\n\r\n"
      "inner body\r\n--q--\r\n");
  std::string out = TalkRaw(kLogin +
                            "s EXAMINE INBOX\r\n"
                            "a FETCH 1 (BODY[1.HEADER] BODY[1.TEXT] BODY[1.1] "
                            "BODY[HEADER.FIELDS.NOT (Content-Type From)])\r\n");
  EXPECT_NE(out.find("BODY[1.HEADER] {26}\r\nSubject: inner\r\nX-A: 1\r\n\r\n"), std::string::npos)
      << out;
  EXPECT_NE(out.find("BODY[1.TEXT] {10}\r\ninner body"), std::string::npos) << out;
  EXPECT_NE(out.find("BODY[1.1] {10}\r\ninner body"), std::string::npos) << out;
  EXPECT_NE(out.find("BODY[HEADER.FIELDS.NOT (Content-Type From)] {18}\r\nSubject: outer\r\n\r\n"),
            std::string::npos)
      << out;
}

}  // namespace
}  // namespace mailsuite::imapd
