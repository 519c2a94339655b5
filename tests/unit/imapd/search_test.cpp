// P7: SEARCH key parsing (tables) and SEARCH / UID SEARCH over a session.
#include "imap/search_keys.h"
#include "session_fixture.h"

namespace mailsuite::imapd {
namespace {

Arg Atom(const char* t) {
  Arg a;
  a.text = t;
  return a;
}

TEST(SearchKeysTest, ParseTable) {
  std::string err;
  struct Case {
    std::vector<const char*> words;
    bool ok;
  } cases[] = {{{"ALL"}, true},
               {{"unseen", "FROM", "carol"}, true},
               {{"OR", "SEEN", "FLAGGED"}, true},
               {{"NOT", "NOT", "DELETED"}, true},
               {{"HEADER", "X-Spam", "yes"}, true},
               {{"SINCE", "1-Feb-1994", "LARGER", "10"}, true},
               {{"UID", "1:*", "2,4"}, true},
               {{"OR", "SEEN"}, false},
               {{"SINCE", "1994-02-01"}, false},
               {{"LARGER", "x"}, false},
               {{"FROB"}, false},
               {{"FROM"}, false}};
  for (const Case& c : cases) {
    std::vector<Arg> args;
    for (const char* w : c.words) args.push_back(Atom(w));
    err.clear();
    EXPECT_EQ(ParseSearchKeys(args, 0, &err).has_value(), c.ok) << c.words[0] << " " << err;
  }
  std::vector<Arg> deep;
  for (int i = 0; i < 1000; ++i) deep.push_back(Atom("NOT"));
  deep.push_back(Atom("ALL"));
  EXPECT_FALSE(ParseSearchKeys(deep, 0, &err));
}

TEST(SearchKeysTest, HeaderValuesUnfold) {
  std::string m = "Subject: one\r\n two\r\nFrom: a\r\nsubject: three\r\n\r\nSubject: body\r\n";
  EXPECT_EQ(HeaderValues(m, "SUBJECT"), (std::vector<std::string>{" one two", " three"}));
}

TEST_F(ImapSessionTest, SearchOverSession) {
  Deliver(
      "From: Carol <carol@example.org>\r\nSubject: Lunch plans\r\n"
      "Date: Tue, 2 Jan 2024 10:00:00 +0100\r\n\r\nPizza tomorrow?\r\n");
  Deliver("From: dave@example.net\r\nSubject: Report\r\nX-Tag: urgent\r\n\r\nsee attached\r\n");
  Deliver("From: erin@example.org\r\nSubject: lunch again\r\n\r\nSushi.\r\n");
  store::Flags f;
  f.system = store::kFlagSeen;
  store_->UpdateFlags(BoxId(), {2}, store::FlagOperation::kAdd, f);
  auto r = Talk(kLogin +
                "s SELECT INBOX\r\n"
                "a SEARCH SUBJECT lunch\r\n"
                "b UID SEARCH CHARSET UTF-8 UNSEEN FROM example.org\r\n"
                "c SEARCH OR BODY pizza HEADER X-Tag URGENT\r\n"
                "d SEARCH NOT (SEEN) 2:*\r\n"
                "e SEARCH SENTON 2-Jan-2024\r\n"
                "f SEARCH CHARSET KOI8-R ALL\r\n"
                "g SEARCH LARGER 60 SMALLER 90 SINCE 1-Jan-2020\r\n"
                "h SEARCH TEXT sushi NEW\r\n");
  auto searches = Grep(r, "* SEARCH");
  ASSERT_EQ(searches.size(), 7u);
  EXPECT_EQ(searches[0], "* SEARCH 1 3");
  EXPECT_EQ(searches[1], "* SEARCH 1 3");
  EXPECT_EQ(searches[2], "* SEARCH 1 2");
  EXPECT_EQ(searches[3], "* SEARCH 3");
  EXPECT_EQ(searches[4], "* SEARCH 1");
  EXPECT_EQ(Grep(r, "f ")[0], "f NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset");
  EXPECT_EQ(searches[6], "* SEARCH");
}

// FROM matches the address a reader sees, comments and spaces inside it dropped (imaptest's
// search-addresses): raw substrings still match as before.
TEST_F(ImapSessionTest, SearchFromMatchesParsedAddresses) {
  Deliver("From: <user-from (comment)@ (comment) domain.org>\r\nSubject: a\r\n\r\nx\r\n");
  Deliver("From: RealFrom <user-from@domain.org>\r\nSubject: b\r\n\r\nx\r\n");
  Deliver("From: other@domain.org (user-from@domain.org)\r\nSubject: c\r\n\r\nx\r\n");
  Deliver("From: someone@else.example\r\nSubject: user-from@domain.org\r\n\r\nx\r\n");
  auto r = Talk(kLogin +
                "s SELECT INBOX\r\n"
                "a SEARCH FROM user-from@domain.org\r\n"
                "b SEARCH FROM \"realfrom <user\"\r\n"
                "c SEARCH SUBJECT \"user-from@domain.org\"\r\n");
  auto searches = Grep(r, "* SEARCH");
  ASSERT_EQ(searches.size(), 3u);
  EXPECT_EQ(searches[0], "* SEARCH 1 2 3");
  EXPECT_EQ(searches[1], "* SEARCH 2");
  EXPECT_EQ(searches[2], "* SEARCH 4");
}

}  // namespace
}  // namespace mailsuite::imapd
