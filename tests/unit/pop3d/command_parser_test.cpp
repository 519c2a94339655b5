// The pure POP3 command-line parsers: keyword splitting, argument splitting, numbers.
#include "pop3/command_parser.h"

#include <gtest/gtest.h>

namespace mailsuite::pop3d {
namespace {

TEST(Pop3CommandParser, SplitsKeywordCaseInsensitively) {
  struct Case {
    const char* line;
    const char* keyword;
    const char* argument;
  };
  const Case cases[] = {
      {"QUIT", "QUIT", ""},
      {"quit", "QUIT", ""},
      {"rEtR 1", "RETR", "1"},
      {"TOP 1 10", "TOP", "1 10"},
      {"PASS a b  c", "PASS", "a b  c"},
      {"LIST ", "LIST", ""},
      {"", "", ""},
      {"RETRX 1", "", "1"},
      {"RE1R 1", "", "1"},
      {" RETR 1", "", "RETR 1"},
      {"CAPA\r", "", ""},
      {"STAT\t", "", ""},
  };
  for (const Case& c : cases) {
    CommandLine cmd = SplitCommand(c.line);
    EXPECT_EQ(cmd.keyword, c.keyword) << c.line;
    EXPECT_EQ(cmd.argument, c.argument) << c.line;
  }
}

TEST(Pop3CommandParser, SplitsArguments) {
  auto two = SplitArguments("1 10", 2, 2);
  ASSERT_TRUE(two);
  EXPECT_EQ((*two)[0], "1");
  EXPECT_EQ((*two)[1], "10");
  EXPECT_TRUE(SplitArguments("", 0, 1));
  EXPECT_EQ(SplitArguments("", 0, 1)->size(), 0u);
  EXPECT_TRUE(SplitArguments(std::string(40, 'a'), 1, 1));
  // Must reject: too few, too many, empty arguments, over-long arguments.
  for (const char* bad : {"", "1 2 3", "1  2", " 1", "1 "}) {
    EXPECT_FALSE(SplitArguments(bad, 1, 2)) << '"' << bad << '"';
  }
  EXPECT_FALSE(SplitArguments(std::string(41, 'a'), 1, 1));
}

TEST(Pop3CommandParser, ParsesNumbersWithoutOverflow) {
  EXPECT_EQ(ParseNumber("0"), 0u);
  EXPECT_EQ(ParseNumber("1"), 1u);
  EXPECT_EQ(ParseNumber("007"), 7u);
  EXPECT_EQ(ParseNumber("999999999"), 999999999u);
  for (const char* bad :
       {"", "-1", "+1", "1a", " 1", "1.5", "4294967296", "1000000000", "99999999999999999999999"}) {
    EXPECT_FALSE(ParseNumber(bad)) << bad;
  }
}

}  // namespace
}  // namespace mailsuite::pop3d
