// ManageSieve command lines and server strings (RFC 5804 4): what TokenizeLine reads and what
// EncodeString and Response write.
#include <gtest/gtest.h>

#include "managesieve/arguments.h"
#include "managesieve/responses.h"

namespace mailsuite::managesieve {
namespace {

std::vector<std::string> Texts(const LineTokens& t) {
  std::vector<std::string> out;
  for (const Token& token : t.tokens)
    out.push_back((token.kind == Token::Kind::kAtom ? "atom:" : "str:") + token.text);
  return out;
}

TEST(ManageSieveArguments, AtomsQuotedStringsAndEscapes) {
  LineTokens t = TokenizeLine(R"(RENAMESCRIPT "old \"one\"" "back\\slash")");
  ASSERT_EQ(t.error, "");
  EXPECT_EQ(Texts(t), (std::vector<std::string>{"atom:RENAMESCRIPT", R"(str:old "one")",
                                                R"(str:back\slash)"}));
  EXPECT_FALSE(t.literal);
  t = TokenizeLine("HAVESPACE  \"x\"   1234");  // extra spaces are tolerated
  ASSERT_EQ(t.error, "");
  EXPECT_EQ(Texts(t), (std::vector<std::string>{"atom:HAVESPACE", "str:x", "atom:1234"}));
  EXPECT_EQ(ParseNumber(t.tokens[2]), 1234u);
}

TEST(ManageSieveArguments, LiteralMarkersEndTheLine) {
  LineTokens t = TokenizeLine("PUTSCRIPT \"rules\" {31+}");
  ASSERT_EQ(t.error, "");
  EXPECT_EQ(Texts(t), (std::vector<std::string>{"atom:PUTSCRIPT", "str:rules"}));
  EXPECT_EQ(t.literal, 31u);
  EXPECT_EQ(TokenizeLine("CHECKSCRIPT {7}").literal, 7u);  // synchronizing form, tolerated
  EXPECT_NE(TokenizeLine("PUTSCRIPT {3+} \"x\"").error, "");
  EXPECT_NE(TokenizeLine("PUTSCRIPT {+}").error, "");
  EXPECT_NE(TokenizeLine("PUTSCRIPT {99999999999+}").error, "");
  // After the literal: nothing, or a space and more arguments.
  EXPECT_EQ(TokenizeLine("", true).error, "");
  t = TokenizeLine(" {5+}", true);
  EXPECT_EQ(t.error, "");
  EXPECT_EQ(t.literal, 5u);
  EXPECT_NE(TokenizeLine("\"x\"", true).error, "");
}

TEST(ManageSieveArguments, MalformedLinesSayWhy) {
  EXPECT_EQ(TokenizeLine("").error, "empty command");
  EXPECT_EQ(TokenizeLine("GETSCRIPT \"open").error, "unterminated quoted string");
  EXPECT_EQ(TokenizeLine("GETSCRIPT \"a\\b\"").error, "bad escape in a quoted string");
  EXPECT_EQ(TokenizeLine("GETSCRIPT \"a\"\"b\"").error, "arguments must be separated by a space");
  EXPECT_NE(TokenizeLine(std::string("GETSCRIPT \"a\0b\"", 15)).error, "");
  EXPECT_EQ(TokenizeLine("GETSCRIPT \"" + std::string(1025, 'a') + "\"").error,
            "quoted string longer than 1024 octets (send a literal)");
  EXPECT_EQ(TokenizeLine("GETSCRIPT \"" + std::string(1024, 'a') + "\"").error, "");
}

TEST(ManageSieveArguments, NumbersAreBelowTwoToThe32) {
  EXPECT_EQ(ParseNumber({Token::Kind::kAtom, "4294967295"}), 4294967295u);
  EXPECT_FALSE(ParseNumber({Token::Kind::kAtom, "4294967296"}));
  EXPECT_FALSE(ParseNumber({Token::Kind::kAtom, "-1"}));
  EXPECT_FALSE(ParseNumber({Token::Kind::kAtom, ""}));
}

TEST(ManageSieveResponses, QuotedWhenPossibleElseLiteral) {
  EXPECT_EQ(EncodeString("rules"), "\"rules\"");
  EXPECT_EQ(EncodeString(R"(a "b" \c)"), R"("a \"b\" \\c")");
  EXPECT_EQ(EncodeString("two\r\nlines"), "{10}\r\ntwo\r\nlines");
  EXPECT_EQ(EncodeString(std::string(1025, 'x')), "{1025}\r\n" + std::string(1025, 'x'));
  EXPECT_EQ(Response("OK", "", ""), "OK\r\n");
  EXPECT_EQ(Response("NO", "NONEXISTENT", "no such script"),
            "NO (NONEXISTENT) \"no such script\"\r\n");
  EXPECT_EQ(Response("OK", "TAG \"t1\"", "Done"), "OK (TAG \"t1\") \"Done\"\r\n");
}

}  // namespace
}  // namespace mailsuite::managesieve
