// "reject"/"ereject" (RFC 5429) and "imap4flags" (RFC 5232): the actions and flags a run
// yields, and the run-time errors of actions that cannot go together.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "shared/sieve/sieve.h"

namespace mailsuite::sieve {
namespace {

const char kMessage[] =
    "From: alice@example.net\r\n"
    "To: me@example.com\r\n"
    "Subject: Hello\r\n"
    "\r\n"
    "Body.\r\n";

Outcome RunScript(std::string_view script, std::string_view message = kMessage) {
  CompileResult compiled = Compile(script);
  EXPECT_TRUE(compiled.ok()) << compiled.Describe();
  if (!compiled.ok()) return {};
  MessageInput input;
  input.message = message;
  input.envelope_from = "alice@example.net";
  input.envelope_to = "me@example.com";
  return Execute(*compiled.script, input);
}

std::string CompileError(std::string_view script) { return Compile(script).Describe(); }

using Flags = std::vector<std::string>;

// ---- reject / ereject --------------------------------------------------------------------

TEST(SieveReject, RejectCancelsTheImplicitKeep) {
  // RFC 5429 2.1 example.
  Outcome outcome = RunScript(
      "require \"reject\";\n"
      "if header :contains \"subject\" \"Hello\" {\n"
      "  reject text:\nI am not taking mail from you, and I don't\nwant your birdseed, "
      "either!\n.\n;\n"
      "}\n");
  ASSERT_EQ(outcome.error, "");
  ASSERT_EQ(outcome.actions.size(), 1u);
  EXPECT_EQ(outcome.actions[0].kind, Action::Kind::kReject);
  EXPECT_FALSE(outcome.actions[0].ereject);
  EXPECT_EQ(outcome.actions[0].reason,
            "I am not taking mail from you, and I don't\r\nwant your birdseed, either!\r\n");
  EXPECT_FALSE(outcome.implicit_keep);
}

TEST(SieveReject, EreJectIsMarked) {
  Outcome outcome = RunScript("require \"ereject\";\nereject \"no thanks\";");
  ASSERT_EQ(outcome.actions.size(), 1u);
  EXPECT_TRUE(outcome.actions[0].ereject);
  EXPECT_EQ(outcome.actions[0].reason, "no thanks");
  EXPECT_FALSE(outcome.implicit_keep);
}

TEST(SieveReject, DiscardMayGoWithReject) {
  Outcome outcome = RunScript("require \"reject\";\nreject \"no\";\ndiscard;");
  EXPECT_EQ(outcome.error, "");
  EXPECT_EQ(outcome.actions.size(), 2u);
}

TEST(SieveReject, CannotGoWithDeliveryOrAnotherReply) {
  // RFC 5429 2.1: reject/ereject with keep, fileinto, redirect, vacation or another reject is
  // a run-time error, in either order; the message is then kept.
  const std::pair<const char*, const char*> cases[] = {
      {"keep;\nreject \"no\";", "line 2: reject cannot be combined with keep"},
      {"reject \"no\";\nfileinto \"A\";", "line 2: fileinto cannot be combined with reject"},
      {"reject \"no\";\nredirect :copy \"x@example.org\";",
       "line 2: redirect cannot be combined with reject"},
      {"reject \"a\";\nereject \"b\";", "line 2: ereject cannot be combined with reject"},
      {"reject \"a\";\nreject \"a\";", "line 2: reject cannot be combined with reject"},
      {"vacation \"away\";\nreject \"no\";", "line 2: reject cannot be combined with vacation"},
  };
  for (const auto& [body, error] : cases) {
    std::string script =
        std::string("require [\"reject\", \"ereject\", \"fileinto\", \"copy\", \"vacation\"];") +
        body;
    Outcome outcome = RunScript(script);
    EXPECT_EQ(outcome.error, error) << body;
    EXPECT_TRUE(outcome.actions.empty());
    EXPECT_TRUE(outcome.implicit_keep);
  }
}

TEST(SieveReject, CompileErrors) {
  EXPECT_EQ(CompileError("reject \"x\";"), "line 1: reject: missing require \"reject\"");
  EXPECT_EQ(CompileError("require \"reject\";\nereject \"x\";"),
            "line 2: ereject: missing require \"ereject\"");
  EXPECT_EQ(CompileError("require \"reject\";\n\nreject;"),
            "line 3: reject: expected one string (the reason)");
}

// ---- imap4flags ----------------------------------------------------------------------------

TEST(SieveImap4Flags, Rfc5232Example) {
  // RFC 5232 7, simplified to what the message below reaches.
  Outcome outcome = RunScript(
      "require [\"imap4flags\", \"fileinto\"];\n"
      "if header :contains \"from\" \"alice\" {\n"
      "  setflag \"\\\\Flagged\";\n"
      "  fileinto \"INBOX.From Alice\";\n"
      "}\n"
      "addflag [\"$Work\", \"\\\\seen\"];\n"
      "removeflag \"\\\\flagged\";\n");
  ASSERT_EQ(outcome.error, "");
  ASSERT_EQ(outcome.actions.size(), 1u);
  EXPECT_EQ(outcome.actions[0].mailbox, "INBOX.From Alice");
  EXPECT_EQ(outcome.actions[0].flags, Flags{"\\Flagged"});
  EXPECT_FALSE(outcome.implicit_keep);
  EXPECT_EQ(outcome.implicit_keep_flags, (Flags{"$Work", "\\seen"}));
}

TEST(SieveImap4Flags, FlagsTagOverridesTheInternalVariable) {
  Outcome outcome = RunScript(
      "require [\"imap4flags\", \"fileinto\"];\n"
      "addflag \"$a\";\n"
      "fileinto :flags \"$b \\\\Seen $B\" \"X\";\n"
      "keep;\n");
  ASSERT_EQ(outcome.actions.size(), 2u);
  EXPECT_EQ(outcome.actions[0].flags, (Flags{"$b", "\\Seen"}));  // each once, any case
  EXPECT_EQ(outcome.actions[1].kind, Action::Kind::kKeep);
  EXPECT_EQ(outcome.actions[1].flags, Flags{"$a"});
}

TEST(SieveImap4Flags, SpacesSplitAndInvalidFlagsAreDropped) {
  Outcome outcome = RunScript(
      "require \"imap4flags\";\n"
      "setflag [\"a  b\", \"\\\\Recent\", \"\\\\Bogus\", \"(x\", \"A\", \"c\"];\n");
  EXPECT_EQ(outcome.implicit_keep_flags, (Flags{"a", "b", "c"}));
  EXPECT_TRUE(outcome.implicit_keep);
}

TEST(SieveImap4Flags, HasFlag) {
  Outcome outcome = RunScript(
      "require [\"imap4flags\", \"fileinto\", \"relational\"];\n"
      "addflag [\"$Junk\", \"\\\\Seen\"];\n"
      "if hasflag :is \"$junk\" { fileinto \"is\"; }\n"
      "if hasflag :contains \"unk\" { fileinto \"contains\"; }\n"
      "if hasflag :count \"eq\" \"2\" { fileinto \"count\"; }\n"
      "if hasflag \"\\\\Flagged\" { fileinto \"wrong\"; }\n");
  ASSERT_EQ(outcome.error, "");
  ASSERT_EQ(outcome.actions.size(), 3u);
  EXPECT_EQ(outcome.actions[0].mailbox, "is");
  EXPECT_EQ(outcome.actions[1].mailbox, "contains");
  EXPECT_EQ(outcome.actions[2].mailbox, "count");
}

TEST(SieveImap4Flags, VariablesHoldFlagLists) {
  Outcome outcome = RunScript(
      "require [\"imap4flags\", \"variables\", \"fileinto\"];\n"
      "setflag \"mine\" \"x y\";\n"
      "addflag \"mine\" \"z X\";\n"
      "removeflag \"mine\" \"y\";\n"
      "if hasflag \"mine\" \"z\" { fileinto :flags \"${mine}\" \"F\"; }\n");
  ASSERT_EQ(outcome.error, "");
  ASSERT_EQ(outcome.actions.size(), 1u);
  EXPECT_EQ(outcome.actions[0].flags, (Flags{"x", "z"}));
  EXPECT_TRUE(outcome.implicit_keep_flags.empty());
}

TEST(SieveImap4Flags, RepeatedFileintoMergesFlags) {
  Outcome outcome = RunScript(
      "require [\"imap4flags\", \"fileinto\"];\n"
      "fileinto :flags \"a\" \"F\";\nfileinto :flags \"b\" \"F\";\n");
  ASSERT_EQ(outcome.actions.size(), 1u);
  EXPECT_EQ(outcome.actions[0].flags, (Flags{"a", "b"}));
}

TEST(SieveImap4Flags, CompileErrors) {
  EXPECT_EQ(CompileError("setflag \"a\";"), "line 1: setflag: missing require \"imap4flags\"");
  EXPECT_EQ(CompileError("require \"imap4flags\";\nsetflag \"v\" \"a\";"),
            "line 2: setflag: a variable name needs require \"variables\"");
  EXPECT_EQ(CompileError("require [\"imap4flags\", \"variables\"];\naddflag \"1v\" \"a\";"),
            "line 2: addflag: invalid variable name '1v'");
  EXPECT_EQ(CompileError("require \"fileinto\";\nfileinto :flags \"a\" \"F\";"),
            "line 2: fileinto: ':flags' needs require \"imap4flags\"");
  EXPECT_EQ(CompileError("require \"imap4flags\";\nkeep :flags;"),
            "line 2: keep: ':flags' needs a string list");
  EXPECT_EQ(CompileError("require \"imap4flags\";\nif hasflag { keep; }"),
            "line 2: hasflag: expected an optional list of variable names and a list of flags");
}

// The fuzz seeds of the extensions compile and run within the rules the fuzz target checks.
TEST(SieveFuzzSeeds, ExtensionSeedsCompileAndRun) {
  for (const char* name : {"reject_flags", "variables_encoded", "body_date_index"}) {
    std::ifstream file(std::string(MAILSUITE_SOURCE_DIR) + "/tests/fuzz/corpus/sieve_script/" +
                       name);
    std::stringstream text;
    text << file.rdbuf();
    CompileResult compiled = Compile(text.str());
    ASSERT_TRUE(compiled.ok()) << name << ": " << compiled.Describe();
    MessageInput input;
    input.message = kMessage;
    input.envelope_from = "alice@example.net";
    input.envelope_to = "me+tag@example.com";
    Outcome outcome = Execute(*compiled.script, input);
    EXPECT_EQ(outcome.error, "") << name;
    for (const Action& a : outcome.actions) {
      if (a.kind == Action::Kind::kFileInto) {
        EXPECT_FALSE(a.mailbox.empty()) << name;
      }
      if (a.kind == Action::Kind::kRedirect) {
        EXPECT_NE(a.address.find('@'), std::string::npos) << name;
      }
    }
  }
}

}  // namespace
}  // namespace mailsuite::sieve
