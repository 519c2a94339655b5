// "body" (RFC 5173), "date" and "index" (RFC 5260).
#include <gtest/gtest.h>

#include <string>

#include "shared/sieve/sieve.h"

namespace mailsuite::sieve {
namespace {

const char kMultipart[] =
    "From: alice@example.net\r\n"
    "Date: Sun, 14 Feb 2010 23:31:30 -0500\r\n"
    "Received: from a by b; Mon, 15 Feb 2010 05:00:00 +0100\r\n"
    "Received: from c by d; Mon, 15 Feb 2010 04:40:00 +0000\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/alternative; boundary=\"XX\"\r\n"
    "\r\n"
    "preamble\r\n"
    "--XX\r\n"
    "Content-Type: text/plain; charset=iso-8859-1\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Caf=E9 au lait, MAKE MONEY fast\r\n"
    "--XX\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "PGI+aHRtbCBvbmx5PC9iPg==\r\n"
    "--XX\r\n"
    "Content-Type: application/octet-stream\r\n"
    "\r\n"
    "binary secret\r\n"
    "--XX--\r\n";

std::string Mailboxes(std::string_view script, std::string_view message = kMultipart,
                      const Limits& limits = {}) {
  CompileResult compiled = Compile(script, limits);
  if (!compiled.ok()) return "compile error: " + compiled.Describe();
  MessageInput input;
  input.message = message;
  input.envelope_from = "alice@example.net";
  input.envelope_to = "me@example.com";
  input.now = 1700000000;         // Tue, 14 Nov 2023 22:13:20 UTC
  input.local_zone_minutes = 60;  // the server runs at +0100
  Outcome outcome = Execute(*compiled.script, input, limits);
  if (!outcome.error.empty()) return "error: " + outcome.error;
  std::string out;
  for (const Action& a : outcome.actions) out += (out.empty() ? "" : "|") + a.mailbox;
  return out;
}

std::string Body(std::string_view test, std::string_view message = kMultipart) {
  return Mailboxes(
      "require [\"body\", \"fileinto\"];\nif " + std::string(test) + " { fileinto \"yes\"; }",
      message);
}

TEST(SieveBody, TextIsDecoded) {
  EXPECT_EQ(Body("body :contains \"Café au lait\""), "yes");     // QP and Latin-1
  EXPECT_EQ(Body("body :text :contains \"html only\""), "yes");  // base64 text/html
  EXPECT_EQ(Body("body :contains \"binary secret\""), "");       // not text
  EXPECT_EQ(Body("body :contains \"preamble\""), "");
}

TEST(SieveBody, RawIsTheUndecodedBody) {
  EXPECT_EQ(Body("body :raw :contains \"Caf=E9\""), "yes");
  EXPECT_EQ(Body("body :raw :contains \"PGI+aHRtbCBvbmx5PC9iPg==\""), "yes");
  EXPECT_EQ(Body("body :raw :contains \"html only\""), "");
}

TEST(SieveBody, ContentSelectsTypes) {
  // RFC 5173 5.2.
  EXPECT_EQ(Body("body :content \"text/html\" :contains \"html only\""), "yes");
  EXPECT_EQ(Body("body :content \"text/html\" :contains \"lait\""), "");
  EXPECT_EQ(Body("body :content \"text\" :contains \"lait\""), "yes");
  EXPECT_EQ(Body("body :content \"application\" :contains \"secret\""), "yes");
  EXPECT_EQ(Body("body :content \"\" :contains \"secret\""), "yes");
  EXPECT_EQ(Body("body :content [\"audio\", \"image\"] :contains \"secret\""), "");
}

TEST(SieveBody, Rfc5173Example) {
  // RFC 5173 7 (the first example), on a plain message.
  const std::string message =
      "From: a@example.net\r\nSubject: x\r\n\r\nPlease MAKE MONEY FAST today\r\n";
  EXPECT_EQ(Mailboxes("require [\"body\", \"fileinto\"];\n"
                      "if body :text :contains \"MAKE MONEY FAST\" { discard; }",
                      message),
            "");
  CompileResult compiled =
      Compile("require \"body\";\nif body :text :contains \"MAKE MONEY FAST\" { discard; }");
  ASSERT_TRUE(compiled.ok());
  MessageInput input;
  input.message = message;
  Outcome outcome = Execute(*compiled.script, input);
  ASSERT_EQ(outcome.actions.size(), 1u);
  EXPECT_EQ(outcome.actions[0].kind, Action::Kind::kDiscard);
}

TEST(SieveBody, LargeBodyIsBoundedByTheStepBudget) {
  std::string message = "Subject: big\r\n\r\n" + std::string(8 << 20, 'a') + "\r\n";
  Limits limits;
  limits.max_steps = 10000;
  EXPECT_EQ(Mailboxes("require [\"body\", \"fileinto\"];\n"
                      "if body :raw :matches \"*b*\" { fileinto \"yes\"; }",
                      message, limits),
            "error: too many steps (more than 10000)");
}

TEST(SieveBody, CompileErrors) {
  EXPECT_EQ(Mailboxes("if body \"x\" { keep; }"),
            "compile error: line 1: body: missing require \"body\"");
  EXPECT_EQ(Mailboxes("require \"body\";\nif body :raw :text \"x\" { keep; }"),
            "compile error: line 2: body: ':raw' and ':text' exclude each other");
  EXPECT_EQ(Mailboxes("require \"body\";\nif body :content \"x\" { keep; }"),
            "compile error: line 2: body: expected a list of keys");
}

std::string DateIs(std::string_view test) {
  return Mailboxes(
      "require [\"date\", \"index\", \"fileinto\", \"relational\", \"variables\"];\n"
      "if " +
      std::string(test) + " { fileinto \"yes\"; }");
}

TEST(SieveDate, DatePartsInTheLocalZoneByDefault) {
  // Sun, 14 Feb 2010 23:31:30 -0500 is Mon, 15 Feb 2010 05:31:30 at +0100 (the local zone).
  EXPECT_EQ(DateIs("date :is \"date\" \"date\" \"2010-02-15\""), "yes");
  EXPECT_EQ(DateIs("date :is \"date\" \"time\" \"05:31:30\""), "yes");
  EXPECT_EQ(DateIs("date :is \"date\" \"weekday\" \"1\""), "yes");
  EXPECT_EQ(DateIs("date :is \"date\" \"zone\" \"+0100\""), "yes");
}

TEST(SieveDate, ZoneAndOriginalZone) {
  EXPECT_EQ(DateIs("date :originalzone :is \"date\" \"iso8601\" \"2010-02-14T23:31:30-05:00\""),
            "yes");
  EXPECT_EQ(DateIs("date :originalzone :is \"date\" \"std11\" \"Sun, 14 Feb 2010 23:31:30 -0500\""),
            "yes");
  EXPECT_EQ(DateIs("date :zone \"+0000\" :is \"date\" \"iso8601\" \"2010-02-15T04:31:30+00:00\""),
            "yes");
  EXPECT_EQ(DateIs("date :zone \"-0800\" :is \"date\" \"hour\" \"20\""), "yes");
  EXPECT_EQ(DateIs("date :zone \"+0000\" :is \"date\" \"julian\" \"55242\""), "yes");
  EXPECT_EQ(DateIs("date :zone \"+0000\" :is \"date\" [\"year\", \"month\", \"day\"] \"2010\""),
            "compile error: line 2: date: expected a header name, a date part and a list of keys");
}

TEST(SieveDate, Rfc5260Examples) {
  // RFC 5260 7: the month of the Date field with :matches, and :value comparisons.
  EXPECT_EQ(Mailboxes("require [\"date\", \"variables\", \"fileinto\"];\n"
                      "if date :matches \"date\" \"year\" \"*\" { set \"year\" \"${1}\"; }\n"
                      "if date :matches \"date\" \"month\" \"*\" { set \"month\" \"${1}\"; }\n"
                      "fileinto \"INBOX.${year}-${month}\";"),
            "INBOX.2010-02");
  EXPECT_EQ(DateIs("date :value \"ge\" :originalzone \"date\" \"hour\" \"09\""), "yes");
  EXPECT_EQ(DateIs("date :value \"lt\" :originalzone \"date\" \"hour\" \"17\""), "");
}

TEST(SieveDate, CurrentDate) {
  EXPECT_EQ(DateIs("currentdate :is \"date\" \"2023-11-14\""), "yes");  // 23:13 at +0100
  EXPECT_EQ(DateIs("currentdate :zone \"+0200\" :is \"date\" \"2023-11-15\""), "yes");
  EXPECT_EQ(DateIs("currentdate :value \"ge\" \"iso8601\" \"2023-01-01\""), "yes");
  EXPECT_EQ(DateIs("currentdate :originalzone \"date\" \"x\""),
            "compile error: line 2: currentdate: unexpected tag ':originalzone'");
}

TEST(SieveDate, TwoDigitYears) {
  // RFC 5322 4.3: "10" is 2010, "99" is 1999.
  const std::string message =
      "Date: 1 Feb 10 09:00:00 +0000\r\nX-Old: 1 Feb 99 09:00:00 +0000\r\n\r\n";
  EXPECT_EQ(Mailboxes("require [\"date\", \"fileinto\"];\n"
                      "if date :is \"date\" \"year\" \"2010\" { fileinto \"a\"; }\n"
                      "if date :is \"x-old\" \"year\" \"1999\" { fileinto \"b\"; }",
                      message),
            "a|b");
}

TEST(SieveDate, UnparsableOrMissingDateIsNoValue) {
  EXPECT_EQ(DateIs("date :matches \"from\" \"year\" \"*\""), "");
  EXPECT_EQ(DateIs("date :matches \"x-missing\" \"year\" \"*\""), "");
}

TEST(SieveIndex, IndexAndLast) {
  // RFC 5260 6/7: the date of the first (top-most) and last Received field.
  EXPECT_EQ(DateIs("date :zone \"+0000\" :index 1 :is \"received\" \"time\" \"04:00:00\""), "yes");
  EXPECT_EQ(DateIs("date :zone \"+0000\" :index 1 :last :is \"received\" \"time\" \"04:40:00\""),
            "yes");
  EXPECT_EQ(DateIs("date :index 3 :matches \"received\" \"time\" \"*\""), "");
  EXPECT_EQ(DateIs("header :index 2 :contains \"received\" \"from c\""), "yes");
  EXPECT_EQ(DateIs("header :index 2 :last :contains \"received\" \"from c\""), "");
  EXPECT_EQ(DateIs("address :index 1 :is \"from\" \"alice@example.net\""), "yes");
  EXPECT_EQ(DateIs("header :last :contains \"received\" \"x\""),
            "compile error: line 2: header: ':last' needs ':index'");
  EXPECT_EQ(Mailboxes("if header :index 1 \"a\" \"b\" { keep; }"),
            "compile error: line 1: header: ':index' needs require \"index\"");
}

TEST(SieveDate, CompileErrors) {
  EXPECT_EQ(DateIs("date :zone \"0100\" \"date\" \"year\" \"2010\""),
            "compile error: line 2: date: invalid zone '0100' (\"+hhmm\")");
  EXPECT_EQ(DateIs("date \"date\" \"fortnight\" \"1\""),
            "compile error: line 2: date: unknown date part 'fortnight'");
  EXPECT_EQ(Mailboxes("if currentdate \"year\" \"2010\" { keep; }"),
            "compile error: line 1: currentdate: missing require \"date\"");
}

}  // namespace
}  // namespace mailsuite::sieve
