// "vacation" (RFC 5230) and "vacation-seconds" (RFC 6131): the action a run yields, whether a
// reply may go (VacationSuppressed) and the reply itself (ComposeVacationReply).
#include <gtest/gtest.h>

#include <Poco/String.h>

#include <string>

#include "shared/sieve/sieve.h"

namespace mailsuite::sieve {
namespace {

const char kMessage[] =
    "From: Alice <alice@example.net>\r\n"
    "To: Me <me@Example.COM>\r\n"
    "Subject: Lunch\r\n"
    "Message-ID: <m2@example.net>\r\n"
    "References: <m1@example.net>\r\n"
    "\r\n"
    "Body.\r\n";

Outcome RunScript(std::string_view script) {
  CompileResult compiled = Compile(script);
  EXPECT_TRUE(compiled.ok()) << compiled.Describe();
  if (!compiled.ok()) return {};
  MessageInput input;
  input.message = kMessage;
  input.envelope_from = "alice@example.net";
  input.envelope_to = "me@example.com";
  return Execute(*compiled.script, input);
}

const Vacation& OnlyVacation(const Outcome& outcome) {
  static const Vacation kNone;
  EXPECT_EQ(outcome.error, "");
  EXPECT_EQ(outcome.actions.size(), 1u);
  if (outcome.actions.size() != 1 || outcome.actions[0].kind != Action::Kind::kVacation)
    return kNone;
  return outcome.actions[0].vacation;
}

TEST(SieveVacation, Rfc5230ExampleKeepsTheImplicitKeep) {
  // RFC 5230 4.8 (first example).
  Outcome outcome = RunScript(
      "require \"vacation\";\n"
      "if header :contains \"subject\" \"lunch\" {\n"
      "    vacation :handle \"ran-away\"\n"
      "             \"I'm out and can't meet for lunch\";\n"
      "} else {\n"
      "    vacation :handle \"ran-away\"\n"
      "             \"I'm out\";\n"
      "}\n");
  const Vacation& v = OnlyVacation(outcome);
  EXPECT_EQ(v.handle, "ran-away");
  EXPECT_EQ(v.reason, "I'm out and can't meet for lunch");
  EXPECT_EQ(v.period_seconds, 7u * 86400);
  EXPECT_TRUE(outcome.implicit_keep);  // RFC 5230 4.7
}

TEST(SieveVacation, AllParameters) {
  Outcome outcome = RunScript(
      "require \"vacation\";\n"
      "vacation :days 23 :addresses [\"tjs@example.edu\", \"ts4z@landru.example.edu\"]\n"
      "   :subject \"Away\" :from \"Tim <tjs@example.edu>\" :mime\n"
      "   \"Content-Type: text/plain\\r\\n\\r\\nGone\";\n");
  const Vacation& v = OnlyVacation(outcome);
  EXPECT_EQ(v.period_seconds, 23u * 86400);
  EXPECT_EQ(v.addresses, (std::vector<std::string>{"tjs@example.edu", "ts4z@landru.example.edu"}));
  EXPECT_EQ(v.subject, "Away");
  EXPECT_EQ(v.from, "Tim <tjs@example.edu>");
  EXPECT_TRUE(v.mime);
  EXPECT_FALSE(v.handle.empty());
}

TEST(SieveVacation, DaysAreClampedAndSecondsTakenAsGiven) {
  EXPECT_EQ(OnlyVacation(RunScript("require \"vacation\"; vacation :days 0 \"x\";")).period_seconds,
            86400u);  // RFC 5230 4.1: at least one day
  EXPECT_EQ(OnlyVacation(RunScript("require [\"vacation\", \"vacation-seconds\"];"
                                   "vacation :seconds 1800 \"x\";"))
                .period_seconds,
            1800u);
  EXPECT_EQ(OnlyVacation(RunScript("require [\"vacation\", \"vacation-seconds\"];"
                                   "vacation :seconds 0 \"x\";"))
                .period_seconds,
            0u);
}

TEST(SieveVacation, SameFieldsGiveTheSameHandle) {
  // RFC 5230 4.2: the handle follows reason, :subject, :from and :mime, not :days.
  auto handle = [](std::string_view args) {
    return OnlyVacation(RunScript("require \"vacation\"; vacation " + std::string(args) + ";"))
        .handle;
  };
  EXPECT_EQ(handle(":days 3 \"out\""), handle("\"out\""));
  EXPECT_NE(handle("\"out\""), handle("\"away\""));
  EXPECT_NE(handle("\"out\""), handle(":subject \"s\" \"out\""));
  EXPECT_NE(handle("\"out\""), handle(":mime \"out\""));
}

TEST(SieveVacation, OnlyOnePerRun) {
  Outcome outcome = RunScript("require \"vacation\";\nvacation \"a\";\nvacation \"b\";");
  EXPECT_EQ(outcome.error, "line 3: vacation can be used only once");  // RFC 5230 4.7
  EXPECT_TRUE(outcome.actions.empty());
}

TEST(SieveVacation, CompileErrors) {
  auto error = [](std::string_view script) { return Compile(script).Describe(); };
  EXPECT_EQ(error("vacation \"x\";"), "line 1: vacation: missing require \"vacation\"");
  EXPECT_EQ(error("require \"vacation\";\nvacation :seconds 5 \"x\";"),
            "line 2: vacation: ':seconds' needs require \"vacation-seconds\"");
  EXPECT_EQ(
      error("require [\"vacation\", \"vacation-seconds\"];\nvacation :days 1 :seconds 5 \"x\";"),
      "line 2: vacation: ':days' and ':seconds' exclude each other");
  EXPECT_EQ(error("require \"vacation\";\nvacation :from \"not an address\" \"x\";"),
            "line 2: vacation: invalid :from address 'not an address'");
  EXPECT_EQ(error("require \"vacation\";\nvacation :days \"7\" \"x\";"),
            "line 2: vacation: ':days' needs a number");
}

// ---- VacationSuppressed -------------------------------------------------------------------

std::string Suppressed(const std::string& header, const std::string& envelope_from,
                       const Vacation& vacation = {}) {
  std::string message = header + "\r\nBody.\r\n";
  MessageInput input;
  input.message = message;
  input.envelope_from = envelope_from;
  input.envelope_to = "me@example.com";
  return VacationSuppressed(input, vacation, {"me@example.com"});
}

TEST(SieveVacationSuppressed, ReplyGoesToPersonalMail) {
  EXPECT_EQ(Suppressed("To: Me <ME@EXAMPLE.com>\r\n", "alice@example.net"), "");
  EXPECT_EQ(Suppressed("To: a@x.example\r\nCc: g: me@example.com;\r\n", "alice@example.net"), "");
  EXPECT_EQ(Suppressed("Resent-Bcc: me@example.com\r\n", "alice@example.net"), "");
  EXPECT_EQ(Suppressed("Auto-Submitted: no\r\nTo: me@example.com\r\n", "alice@example.net"), "");
}

TEST(SieveVacationSuppressed, EachRule) {
  const std::string to = "To: me@example.com\r\n";
  EXPECT_EQ(Suppressed(to, ""), "the sender is <>");
  EXPECT_EQ(Suppressed(to, "owner-list@example.org"),
            "the sender <owner-list@example.org> is a list or a daemon");
  EXPECT_EQ(Suppressed(to, "list-request@example.org"),
            "the sender <list-request@example.org> is a list or a daemon");
  EXPECT_EQ(Suppressed(to, "MAILER-DAEMON@example.org"),
            "the sender <MAILER-DAEMON@example.org> is a list or a daemon");
  EXPECT_EQ(Suppressed(to, "listserv@example.org"),
            "the sender <listserv@example.org> is a list or a daemon");
  EXPECT_EQ(Suppressed(to, "Majordomo@example.org"),
            "the sender <Majordomo@example.org> is a list or a daemon");
  EXPECT_EQ(Suppressed("Auto-Submitted: auto-replied (vacation)\r\n" + to, "a@example.net"),
            "the message is Auto-Submitted: auto-replied");
  for (const char* field : {"List-Id", "List-Help", "List-Unsubscribe", "List-Post", "List-Owner",
                            "List-Archive", "List-Subscribe"})
    EXPECT_EQ(Suppressed(std::string(field) + ": <x>\r\n" + to, "a@example.net"),
              std::string("the message has a ") + field + " field");
  for (const char* precedence : {"bulk", "List", "junk"})
    EXPECT_EQ(Suppressed(std::string("Precedence: ") + precedence + "\r\n" + to, "a@example.net"),
              "the message has Precedence: " + Poco::toLower(std::string(precedence)));
  EXPECT_EQ(Suppressed("To: someone@example.com\r\n", "a@example.net"),
            "none of the user's addresses is in To, Cc, Bcc, Resent-To, Resent-Cc or Resent-Bcc");
}

TEST(SieveVacationSuppressed, AddressesParameterCounts) {
  Vacation vacation;
  vacation.addresses = {"Tim@Example.EDU"};
  EXPECT_EQ(Suppressed("To: tim@example.edu\r\n", "a@example.net", vacation), "");
}

// ---- ComposeVacationReply -------------------------------------------------------------------

std::string Reply(const Vacation& vacation, const std::string& message = kMessage) {
  MessageInput input;
  input.message = message;
  input.envelope_from = "alice@example.net";
  ReplyFields fields;
  fields.from_address = "me@example.com";
  fields.date = "Mon, 7 Dec 2026 10:00:00 +0000";
  fields.message_id = "<reply1@example.com>";
  return ComposeVacationReply(input, vacation, fields);
}

TEST(SieveVacationReply, PlainReason) {
  Vacation vacation;
  vacation.reason = "I'm away.\nBack soon.";
  EXPECT_EQ(Reply(vacation),
            "From: me@example.com\r\n"
            "To: <alice@example.net>\r\n"
            "Subject: Auto: Lunch\r\n"
            "Date: Mon, 7 Dec 2026 10:00:00 +0000\r\n"
            "Message-ID: <reply1@example.com>\r\n"
            "In-Reply-To: <m2@example.net>\r\n"
            "References: <m1@example.net> <m2@example.net>\r\n"
            "Auto-Submitted: auto-replied (vacation)\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 7bit\r\n"
            "\r\n"
            "I'm away.\r\nBack soon.\r\n");
}

TEST(SieveVacationReply, FromSubjectAndNonAsciiText) {
  Vacation vacation;
  vacation.from = "Me <me@example.com>";
  vacation.subject = "Abwesend: Grüße\r\nBcc: evil@example.org";
  vacation.reason = "Grüße";
  std::string reply = Reply(vacation, "Subject: x\r\n\r\nBody\r\n");
  EXPECT_NE(reply.find("From: Me <me@example.com>\r\n"), std::string::npos);
  EXPECT_EQ(reply.find("\r\nBcc:"), std::string::npos);  // no header injection
  EXPECT_NE(reply.find("Subject: =?UTF-8?"), std::string::npos);
  EXPECT_NE(reply.find("Content-Transfer-Encoding: 8bit\r\n\r\nGrüße\r\n"), std::string::npos);
  EXPECT_EQ(reply.find("In-Reply-To"), std::string::npos);  // the original had no Message-ID
}

TEST(SieveVacationReply, OriginalSubjectIsDecodedAndEncodedAgain) {
  Vacation vacation;
  vacation.reason = "x";
  std::string reply = Reply(vacation, "Subject: =?ISO-8859-1?Q?Caf=E9?=\r\n\r\nBody\r\n");
  EXPECT_NE(reply.find("Subject: =?UTF-8?"), std::string::npos);
  EXPECT_EQ(reply.find("ISO-8859-1"), std::string::npos);
}

TEST(SieveVacationReply, MimeEntityHeadersJoinTheReplyHeader) {
  Vacation vacation;
  vacation.mime = true;
  vacation.reason = "Content-Type: text/html\nContent-Transfer-Encoding: 7bit\n\n<p>Away</p>\n";
  std::string reply = Reply(vacation);
  EXPECT_NE(reply.find("MIME-Version: 1.0\r\nContent-Type: text/html\r\n"
                       "Content-Transfer-Encoding: 7bit\r\n\r\n<p>Away</p>\r\n"),
            std::string::npos);
  EXPECT_EQ(reply.find("text/plain"), std::string::npos);
  EXPECT_EQ(reply.find("\n\n"), std::string::npos);  // CRLF everywhere
}

TEST(SieveVacationReply, MimeEntityMayAddOnlyContentFields) {
  Vacation vacation;
  vacation.mime = true;
  vacation.reason =
      "From: ceo@example.com\r\nContent-Type: text/plain;\r\n charset=utf-8\r\n"
      "Bcc: everyone@example.com\r\n\r\nAway\r\n";
  std::string reply = Reply(vacation);
  EXPECT_EQ(reply.find("ceo@example.com"), std::string::npos);
  EXPECT_EQ(reply.find("Bcc:"), std::string::npos);
  EXPECT_NE(reply.find("Content-Type: text/plain;\r\n charset=utf-8\r\n\r\nAway\r\n"),
            std::string::npos);
}

}  // namespace
}  // namespace mailsuite::sieve
