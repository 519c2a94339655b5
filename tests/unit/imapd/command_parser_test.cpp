#include "parser/command_parser.h"

#include <gtest/gtest.h>

namespace mailsuite::imapd {
namespace {

Command MustParse(std::vector<std::string> lines, std::vector<std::string> literals = {}) {
  auto r = ParseCommand(RawCommand{std::move(lines), std::move(literals)});
  if (auto* e = std::get_if<ParseError>(&r)) {
    ADD_FAILURE() << "parse error: " << e->message;
    return {};
  }
  return std::get<Command>(r);
}

ParseError MustFail(std::vector<std::string> lines, std::vector<std::string> literals = {}) {
  auto r = ParseCommand(RawCommand{std::move(lines), std::move(literals)});
  if (auto* e = std::get_if<ParseError>(&r)) return *e;
  ADD_FAILURE() << "parsed although it should not";
  return {};
}

TEST(ImapParserTest, TagNameAndAtoms) {
  Command c = MustParse({"a1 uid fetch 1:* (FLAGS)"});
  EXPECT_EQ(c.tag, "a1");
  EXPECT_EQ(c.name, "UID");
  ASSERT_EQ(c.args.size(), 3u);
  EXPECT_TRUE(c.args[0].IsAtom("FETCH"));
  EXPECT_EQ(c.args[1].text, "1:*");
  ASSERT_EQ(c.args[2].kind, Arg::Kind::kList);
  EXPECT_EQ(c.args[2].items[0].text, "FLAGS");
  EXPECT_EQ(MustParse({"x NOOP"}).args.size(), 0u);
}

TEST(ImapParserTest, QuotedStringsWithEscapes) {
  Command c = MustParse({R"(a LOGIN "bob@example.test" "pa\"ss\\word")"});
  ASSERT_EQ(c.args.size(), 2u);
  EXPECT_EQ(c.args[0].kind, Arg::Kind::kString);
  EXPECT_EQ(c.args[1].text, "pa\"ss\\word");
  EXPECT_EQ(MustParse({"a SELECT \"\""}).args[0].text, "");
  EXPECT_EQ(MustParse({"a SELECT \"Entw\xc3\xbcrfe\""}).args[0].text, "Entw\xc3\xbcrfe");
}

TEST(ImapParserTest, FetchSectionsStayWhole) {
  Command c =
      MustParse({"a UID FETCH 5 (UID RFC822.SIZE BODY.PEEK[HEADER.FIELDS (From To Subject)] "
                 "BODY.PEEK[1.2.MIME]<0.2048> BODY[])"});
  const auto& items = c.args[2].items;
  ASSERT_EQ(items.size(), 5u);
  EXPECT_EQ(items[2].text, "BODY.PEEK[HEADER.FIELDS (From To Subject)]");
  EXPECT_EQ(items[3].text, "BODY.PEEK[1.2.MIME]<0.2048>");
  EXPECT_EQ(items[4].text, "BODY[]");
}

// '[' is an ATOM-CHAR (RFC 3501 9); only a '[' with a ']' after it opens a section. An unclosed
// section reaches the FETCH item parser whole and is refused there (FetchItemsTest).
TEST(ImapParserTest, BracketWithoutCloseIsAnAtomChar) {
  Command c = MustParse({"a SELECT !#$&'+,-.0123456789:;<=>?@^_`|[}"});
  ASSERT_EQ(c.args.size(), 1u);
  EXPECT_EQ(c.args[0].kind, Arg::Kind::kAtom);
  EXPECT_EQ(c.args[0].text, "!#$&'+,-.0123456789:;<=>?@^_`|[}");
  EXPECT_EQ(MustParse({"a LIST \"\" foo[%"}).args[1].text, "foo[%");
  EXPECT_EQ(MustParse({"a FETCH 1 BODY[HEADER"}).args[1].text, "BODY[HEADER");
  // A line of '[' (and of "[ " arguments) without a ']' is read once, not once per '['.
  EXPECT_EQ(MustParse({"a SELECT " + std::string(200000, '[')}).args[0].text.size(), 200000u);
  std::string many = "a X";
  for (int i = 0; i < 50000; ++i) many += " [";
  EXPECT_EQ(MustParse({many}).args.size(), 50000u);
}

TEST(ImapParserTest, LiteralsBetweenLines) {
  Command c = MustParse({"a LOGIN {3}", " {5+}", ""}, {"bob", "se cr"});
  ASSERT_EQ(c.args.size(), 2u);
  EXPECT_EQ(c.args[0].text, "bob");
  EXPECT_TRUE(c.args[0].literal);
  EXPECT_EQ(c.args[1].text, "se cr");
  Command append =
      MustParse({"A003 APPEND saved-messages (\\Seen) {13}", ""}, {"Subject: x\r\n\r\n"});
  ASSERT_EQ(append.args.size(), 3u);
  EXPECT_EQ(append.args[1].items[0].text, "\\Seen");
  EXPECT_EQ(append.args[2].text, "Subject: x\r\n\r\n");
}

TEST(ImapParserTest, TrailingLiteralMarkers) {
  EXPECT_EQ(TrailingLiteral("a APPEND x {12}")->size, 12u);
  EXPECT_FALSE(TrailingLiteral("a APPEND x {12}")->non_sync);
  EXPECT_TRUE(TrailingLiteral("a APPEND x {12+}")->non_sync);
  EXPECT_FALSE(TrailingLiteral("a APPEND x {}"));
  EXPECT_FALSE(TrailingLiteral("a APPEND x {1a}"));
  EXPECT_FALSE(TrailingLiteral("a APPEND x {99999999999999999999}"));
  EXPECT_FALSE(TrailingLiteral("a NOOP"));
}

TEST(ImapParserTest, NestedListsAndNil) {
  Command c = MustParse({"a STORE 1 FLAGS (\\Seen (x (y)) NIL)"});
  const Arg& list = c.args[2];
  ASSERT_EQ(list.items.size(), 3u);
  EXPECT_EQ(list.items[1].items[1].items[0].text, "y");
  EXPECT_TRUE(list.items[2].IsNil());
  EXPECT_EQ(MustParse({"a LIST () \"\" \"*\""}).args[0].items.size(), 0u);
}

TEST(ImapParserTest, MustReject) {
  struct Case {
    std::vector<std::string> lines;
    std::vector<std::string> literals;
  } cases[] = {
      {{""}, {}},
      {{"a"}, {}},
      {{"+ NOOP"}, {}},
      {{"a NOOP "}, {}},
      {{"a SELECT \"unterminated"}, {}},
      {{"a SELECT \"bad\\escape\""}, {}},
      {{"a FETCH 1 (FLAGS"}, {}},
      {{"a FETCH 1 FLAGS)"}, {}},
      {{"a LOGIN {3}"}, {}},  // literal missing
  };
  for (const Case& c : cases) {
    ParseError e = MustFail(c.lines, c.literals);
    EXPECT_FALSE(e.message.empty());
  }
  std::string deep = "a X ";
  for (int i = 0; i < 100; ++i) deep += "(";
  EXPECT_NE(MustFail({deep}).message.find("deep"), std::string::npos);
}

TEST(ImapParserTest, TagOfBrokenLines) {
  EXPECT_EQ(TagOf("a17 FETCH (("), "a17");
  EXPECT_EQ(TagOf(""), "*");
  EXPECT_EQ(TagOf("+ x"), "*");
  EXPECT_EQ(MustFail({"t9 FETCH 1 (FLAGS"}).tag, "t9");
}

}  // namespace
}  // namespace mailsuite::imapd
