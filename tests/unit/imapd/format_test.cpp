// Wire-format helpers: dates, quoting, flags, mailbox names.
#include <gtest/gtest.h>

#include "imap/format.h"

namespace mailsuite::imapd {
namespace {

TEST(ImapFormatTest, Dates) {
  EXPECT_EQ(FormatInternalDate(1700000000), "14-Nov-2023 22:13:20 +0000");
  EXPECT_EQ(ParseDateTime("14-Nov-2023 22:13:20 +0000"), 1700000000);
  EXPECT_EQ(ParseDateTime(" 5-Jan-2024 10:00:00 +0100"), 1704445200);
  EXPECT_EQ(ParseDateTime("05-jan-2024 09:00:00 -0000"), 1704445200);
  for (const char* bad : {"", "5-Jan-2024", "5-Foo-2024 10:00:00 +0000",
                          "5-Jan-2024 25:00:00 +0000", "5-Jan-2024 10:00:00 0000"})
    EXPECT_FALSE(ParseDateTime(bad)) << bad;
  EXPECT_EQ(ParseSearchDate("1-Jan-1970"), 0);
  EXPECT_EQ(ParseSearchDate("2-Jan-1970"), 1);
  EXPECT_FALSE(ParseSearchDate("1970-01-01"));
  EXPECT_EQ(Rfc5322Day("Tue, 2 Jan 2024 23:59:00 -0800"), ParseSearchDate("2-Jan-2024"));
  EXPECT_EQ(Rfc5322Day("2 Jan 24 10:00 GMT"), ParseSearchDate("2-Jan-2024"));
  EXPECT_FALSE(Rfc5322Day("garbage"));
}

TEST(ImapFormatTest, QuotingFlagsAndNames) {
  EXPECT_EQ(Quote("a \"b\" \\c"), "\"a \\\"b\\\" \\\\c\"");
  EXPECT_EQ(Quote("line\r\nbreak"), "{11}\r\nline\r\nbreak");
  store::Flags f;
  f.system = store::kFlagSeen | store::kFlagDeleted;
  f.keywords = {"$Junk"};
  EXPECT_EQ(FormatFlags(f), "(\\Deleted \\Seen $Junk)");
  std::vector<Arg> args(3);
  args[0].text = "\\seen";
  args[1].text = "\\Recent";
  args[2].text = "work";
  auto parsed = ParseFlags(args);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->system, store::kFlagSeen);
  EXPECT_EQ(parsed->keywords, std::vector<std::string>{"work"});
  args[2].text = "\\Bogus";
  EXPECT_FALSE(ParseFlags(args));
  EXPECT_EQ(CanonicalMailbox("inbox"), "INBOX");
  EXPECT_EQ(CanonicalMailbox("Inbox/Sub"), "INBOX/Sub");
  EXPECT_EQ(CanonicalMailbox("Inboxes"), "Inboxes");
  EXPECT_TRUE(ContainsNoCase("Hello World", "o wOR"));
}

}  // namespace
}  // namespace mailsuite::imapd
