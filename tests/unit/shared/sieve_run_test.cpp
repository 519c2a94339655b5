// Running compiled Sieve scripts against messages: the RFC 5228 examples (sections 3-5 and the
// extended example of section 9), every test, match type and comparator, the action rules of
// 2.10 and 4, and the per-message limits.
#include <gtest/gtest.h>

#include <string>

#include "shared/sieve/sieve.h"

namespace mailsuite::sieve {
namespace {

// The outcome in one line: actions in order ("fileinto:spam", "redirect:a@b.example:copy",
// "keep", "discard"), then "implicit-keep" when it stands, or "error: ..." alone.
std::string Summary(const Outcome& outcome) {
  if (!outcome.error.empty()) return "error: " + outcome.error;
  std::string out;
  for (const Action& a : outcome.actions) {
    if (!out.empty()) out += ' ';
    switch (a.kind) {
      case Action::Kind::kKeep:
        out += "keep";
        break;
      case Action::Kind::kDiscard:
        out += "discard";
        break;
      case Action::Kind::kFileInto:
        out += "fileinto:" + a.mailbox;
        break;
      case Action::Kind::kRedirect:
        out += "redirect:" + a.address;
        break;
      case Action::Kind::kReject:
        out += (a.ereject ? "ereject:" : "reject:") + a.reason;
        break;
      case Action::Kind::kVacation:
        out += "vacation";
        break;
    }
    if (a.create) out += ":create";
    if (a.copy) out += ":copy";
  }
  if (outcome.implicit_keep) out += out.empty() ? "implicit-keep" : " implicit-keep";
  return out;
}

std::string RunScript(std::string_view script, const std::string& message,
                      const std::string& envelope_from = "sender@example.net",
                      const std::string& envelope_to = "me@example.com",
                      const Limits& limits = {}) {
  CompileResult compiled = Compile(script, limits);
  if (!compiled.ok()) return "compile error: " + compiled.Describe();
  MessageInput input;
  input.message = message;
  input.envelope_from = envelope_from;
  input.envelope_to = envelope_to;
  return Summary(Execute(*compiled.script, input, limits));
}

std::string Message(const std::string& header) { return header + "\r\nBody text.\r\n"; }

// ---- RFC 5228 9: the extended example --------------------------------------------------------

const char kExtendedExample[] =
    "#\r\n"
    "# Example Sieve Filter\r\n"
    "# Declare any optional features or extension used by the script\r\n"
    "#\r\n"
    "require [\"fileinto\"];\r\n"
    "\r\n"
    "#\r\n"
    "# Handle messages from known mailing lists\r\n"
    "# Move messages from IETF filter discussion list to filter mailbox\r\n"
    "#\r\n"
    "if header :is \"Sender\" \"owner-ietf-mta-filters@imc.org\"\r\n"
    "        {\r\n"
    "        fileinto \"filter\";  # move to \"filter\" mailbox\r\n"
    "        }\r\n"
    "#\r\n"
    "# Keep all messages to or from people in my company\r\n"
    "#\r\n"
    "elsif address :DOMAIN :is [\"From\", \"To\"] \"example.com\"\r\n"
    "        {\r\n"
    "        keep;               # keep in \"In\" mailbox\r\n"
    "        }\r\n"
    "\r\n"
    "#\r\n"
    "# Try and catch unsolicited email.  If a message is not to me,\r\n"
    "# or it contains a subject known to be spam, file it away.\r\n"
    "#\r\n"
    "elsif anyof (NOT address :all :contains\r\n"
    "               [\"To\", \"Cc\", \"Bcc\"] \"me@example.com\",\r\n"
    "             header :matches \"subject\"\r\n"
    "               [\"*make*money*fast*\", \"*university*dipl*mas*\"])\r\n"
    "        {\r\n"
    "        fileinto \"spam\";   # move to \"spam\" mailbox\r\n"
    "        }\r\n"
    "else\r\n"
    "        {\r\n"
    "        # Move all other (non-company) mail to \"personal\"\r\n"
    "        # mailbox.\r\n"
    "        fileinto \"personal\";\r\n"
    "        }\r\n";

TEST(SieveRun, ExtendedExampleOfSection9) {
  EXPECT_EQ(RunScript(kExtendedExample, Message("Sender: owner-ietf-mta-filters@imc.org\r\n"
                                                "From: someone@example.com\r\n")),
            "fileinto:filter");
  EXPECT_EQ(RunScript(kExtendedExample, Message("From: Boss <boss@Example.COM>\r\n"
                                                "To: list@lists.example.org\r\n")),
            "keep");
  EXPECT_EQ(RunScript(kExtendedExample, Message("From: stranger@elsewhere.example\r\n"
                                                "To: you@example.org\r\n")),
            "fileinto:spam");  // not to me
  EXPECT_EQ(RunScript(kExtendedExample, Message("From: stranger@elsewhere.example\r\n"
                                                "To: list@lists.example.org\r\n"
                                                "Cc: Me <me@example.com>\r\n"
                                                "Subject: MAKE money FAST!!!\r\n")),
            "fileinto:spam");  // to me, but the subject
  EXPECT_EQ(RunScript(kExtendedExample, Message("From: friend@elsewhere.example\r\n"
                                                "To: list@lists.example.org\r\n"
                                                "Bcc: me@example.com\r\n"
                                                "Subject: Fast money\r\n")),
            "fileinto:personal");
}

// ---- The smaller examples of RFC 5228 ----------------------------------------------------------

TEST(SieveRun, IfElsifElseExampleOfSection3_1) {
  const char* script =
      "if header :contains [\"From\"] [\"coyote\"] {\r\n"
      "   redirect \"acm@example.com\";\r\n"
      "} elsif header :contains \"Subject\" \"$$$\" {\r\n"
      "   redirect \"postmaster@example.com\";\r\n"
      "} else {\r\n"
      "   redirect \"field@example.com\";\r\n"
      "}\r\n";
  EXPECT_EQ(RunScript(script, Message("From: Wile E. Coyote <coyote@desert.example.org>\r\n"
                                      "Subject: $$$\r\n")),
            "redirect:acm@example.com");
  EXPECT_EQ(RunScript(script, Message("From: rr@desert.example.org\r\nSubject: Get $$$ now\r\n")),
            "redirect:postmaster@example.com");
  EXPECT_EQ(RunScript(script, Message("From: rr@desert.example.org\r\n")),
            "redirect:field@example.com");
}

TEST(SieveRun, FileIntoExampleOfSection4_1) {
  const char* script =
      "require \"fileinto\";\r\n"
      "if header :contains [\"from\"] \"coyote\" {\r\n"
      "   fileinto \"INBOX.harassment\";\r\n"
      "}\r\n";
  EXPECT_EQ(RunScript(script, Message("From: coyote@desert.example.org\r\n")),
            "fileinto:INBOX.harassment");
  EXPECT_EQ(RunScript(script, Message("From: roadrunner@desert.example.org\r\n")), "implicit-keep");
}

TEST(SieveRun, SizeExampleOfSection5_9) {
  const char* script = "if size :under 1M { keep; } else { discard; }";
  EXPECT_EQ(RunScript(script, Message("Subject: small\r\n")), "keep");
  EXPECT_EQ(RunScript(script, Message("Subject: big\r\n") + std::string(1 << 20, 'x')), "discard");
  EXPECT_EQ(RunScript("if not size :under 1M { discard; }", Message("Subject: small\r\n")),
            "implicit-keep");
}

TEST(SieveRun, EnvelopeExampleOfSection5_4) {
  const char* script =
      "require \"envelope\";\r\nif envelope :all :is \"from\" \"tim@example.com\" { discard; }";
  EXPECT_EQ(RunScript(script, Message("From: x@example.org\r\n"), "tim@example.com"), "discard");
  EXPECT_EQ(RunScript(script, Message("From: tim@example.com\r\n"), "tom@example.com"),
            "implicit-keep");
}

TEST(SieveRun, ExistsExampleOfSection5_5) {
  const char* script = "if not exists [\"From\",\"Date\"] { discard; }";
  EXPECT_EQ(
      RunScript(script, Message("From: a@example.org\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n")),
      "implicit-keep");
  EXPECT_EQ(RunScript(script, Message("From: a@example.org\r\n")), "discard");
  EXPECT_EQ(RunScript(script, Message("date: today\r\nFROM : a@example.org\r\n")), "implicit-keep");
}

TEST(SieveRun, EmptyKeyExampleOfSection5_7) {
  // header :is [""] is true when the field exists and is empty; :contains [""] when it exists.
  const char* is_empty = "if header :is [\"X-Caffeine\"] [\"\"] { discard; }";
  const char* exists = "if header :contains [\"X-Caffeine\"] [\"\"] { discard; }";
  EXPECT_EQ(RunScript(is_empty, Message("X-Caffeine:\r\n")), "discard");
  EXPECT_EQ(RunScript(is_empty, Message("X-Caffeine: lots\r\n")), "implicit-keep");
  EXPECT_EQ(RunScript(exists, Message("X-Caffeine: lots\r\n")), "discard");
  EXPECT_EQ(RunScript(exists, Message("Subject: none\r\n")), "implicit-keep");
}

TEST(SieveRun, ComparatorExampleOfSection2_7_3) {
  const char* octet =
      "if header :contains :comparator \"i;octet\" \"Subject\" \"MAKE MONEY FAST\" { discard; }";
  EXPECT_EQ(RunScript(octet, Message("Subject: MAKE MONEY FAST\r\n")), "discard");
  EXPECT_EQ(RunScript(octet, Message("Subject: make money fast\r\n")), "implicit-keep");
  const char* casemap =
      "if header :contains :comparator \"i;ascii-casemap\" \"Subject\" \"MAKE MONEY FAST\" "
      "{ discard; }";
  EXPECT_EQ(RunScript(casemap, Message("Subject: please make money fast\r\n")), "discard");
}

// ---- Match types (RFC 5228 2.7.1) ------------------------------------------------------------

struct MatchCase {
  const char* match;  // ":is", ":contains", ":matches"
  const char* comparator;
  const char* key;
  const char* subject;
  bool matches;
};

TEST(SieveRun, MatchTypesAndComparators) {
  const MatchCase cases[] = {
      {":is", "i;ascii-casemap", "Hello World", "hello world", true},
      {":is", "i;ascii-casemap", "Hello", "Hello World", false},
      {":is", "i;octet", "Hello", "hello", false},
      {":is", "i;octet", "Hello", "Hello", true},
      {":contains", "i;ascii-casemap", "LO wo", "Hello World", true},
      {":contains", "i;ascii-casemap", "", "anything", true},
      {":contains", "i;ascii-casemap", "Worlds", "Hello World", false},
      {":contains", "i;octet", "lo wo", "Hello World", false},
      // i;ascii-casemap folds only a-z: "É" and "é" differ.
      {":is", "i;ascii-casemap", "CAF\xc3\xa9", "caf\xc3\xa9", true},
      {":is", "i;ascii-casemap", "caf\xc3\x89", "caf\xc3\xa9", false},
      {":matches", "i;ascii-casemap", "*", "", true},
      {":matches", "i;ascii-casemap", "?", "", false},
      {":matches", "i;ascii-casemap", "h*o", "hello", true},
      {":matches", "i;ascii-casemap", "H?LLO", "hello", true},
      {":matches", "i;ascii-casemap", "h?llo", "hllo", false},
      {":matches", "i;ascii-casemap", "*a*b*c*", "xxaxxbxxcxx", true},
      {":matches", "i;ascii-casemap", "*a*b*c", "xxaxxbxxcxx", false},
      {":matches", "i;ascii-casemap", "a*a*a", "aa", false},
      {":matches", "i;ascii-casemap", "a*a*a", "aaa", true},
      {":matches", "i;ascii-casemap", "*abc", "ababc", true},  // needs a backtrack
      {":matches", "i;octet", "h*O", "hello", false},
      // "\" quotes the next character ("\\*" in the script is the pattern "\*").
      {":matches", "i;ascii-casemap", "a\\\\*", "a*", true},
      {":matches", "i;ascii-casemap", "a\\\\*", "ab", false},
      {":matches", "i;ascii-casemap", "a\\\\?", "a?", true},
      {":matches", "i;ascii-casemap", "a\\\\?", "ab", false},
      {":matches", "i;ascii-casemap", "a\\\\\\\\", "a\\", true},
      // "?" is one character: a UTF-8 sequence under i;ascii-casemap, an octet under i;octet.
      {":matches", "i;ascii-casemap", "caf?", "caf\xc3\xa9", true},
      {":matches", "i;octet", "caf?", "caf\xc3\xa9", false},
      {":matches", "i;octet", "caf??", "caf\xc3\xa9", true},
      {":matches", "i;ascii-casemap", "*?\xe2\x82\xac", "\xc3\xa9\xe2\x82\xac", true},
  };
  for (const MatchCase& c : cases) {
    std::string script = std::string("if header ") + c.match + " :comparator \"" + c.comparator +
                         "\" \"Subject\" \"" + c.key + "\" { discard; }";
    EXPECT_EQ(RunScript(script, Message("Subject: " + std::string(c.subject) + "\r\n")),
              c.matches ? "discard" : "implicit-keep")
        << c.match << " " << c.comparator << " key=" << c.key << " subject=" << c.subject;
  }
}

TEST(SieveRun, AnyKeyAndAnyHeaderMatch) {
  const char* script = "if header :is [\"X-A\", \"X-B\"] [\"one\", \"two\"] { discard; }";
  EXPECT_EQ(RunScript(script, Message("X-B: two\r\n")), "discard");
  EXPECT_EQ(RunScript(script, Message("X-A: zero\r\nX-A: one\r\n")), "discard");  // any occurrence
  EXPECT_EQ(RunScript(script, Message("X-C: one\r\n")), "implicit-keep");
}

TEST(SieveRun, MatchesDoesNotBacktrackExponentially) {
  // A pattern that sends a naive recursive matcher into exponential time.
  std::string value(3000, 'a');
  std::string key;
  for (int i = 0; i < 30; ++i) key += "*a";
  key += "*b";
  std::string script = "if header :matches \"Subject\" \"" + key + "\" { discard; }";
  EXPECT_EQ(RunScript(script, Message("Subject: " + value + "\r\n")), "implicit-keep");
  EXPECT_EQ(RunScript(script, Message("Subject: " + value + "b\r\n")), "discard");
}

// ---- Header values (RFC 5228 2.7.2, 5.7) ------------------------------------------------------

TEST(SieveRun, HeaderValuesAreUnfoldedAndDecoded) {
  EXPECT_EQ(RunScript("if header :is \"Subject\" \"hello  world\" { discard; }",
                      Message("Subject: hello\r\n  world\r\n")),
            "discard");
  EXPECT_EQ(RunScript("if header :is \"Subject\" \"Caf\xc3\xa9 and cr\xc3\xa8me\" { discard; }",
                      Message("Subject: =?ISO-8859-1?Q?Caf=E9?= and =?UTF-8?B?Y3LDqG1l?=\r\n")),
            "discard");
  // RFC 2047 6.2: white space between two encoded words is not part of the text.
  EXPECT_EQ(RunScript("if header :is \"Subject\" \"ab\" { discard; }",
                      Message("Subject: =?UTF-8?Q?a?=\r\n =?UTF-8?Q?b?=\r\n")),
            "discard");
  EXPECT_EQ(RunScript("if header :contains \"Subject\" \"=?\" { discard; }",
                      Message("Subject: =?UTF-8?B?w6k=?=\r\n")),
            "implicit-keep");
}

// ---- address (RFC 5228 5.1, 2.7.4) -------------------------------------------------------------

TEST(SieveRun, AddressPartsOfHeaderAddresses) {
  const std::string message = Message(
      "From: \"Doe, John\" <John.Doe@Example.ORG> (work)\r\n"
      "To: undisclosed-recipients:;\r\n"
      "Cc: Friends: a@one.example, \"B\" <b@two.example>;, c@three.example\r\n"
      "Reply-To: localonly\r\n");
  auto run = [&](const std::string& test) {
    return RunScript("if " + test + " { discard; }", message) == "discard";
  };
  EXPECT_TRUE(run("address :is \"from\" \"john.doe@example.org\""));  // :all is the default
  EXPECT_TRUE(run("address :all :is \"from\" \"John.Doe@Example.ORG\""));
  EXPECT_TRUE(run("address :localpart :is \"from\" \"john.doe\""));
  EXPECT_TRUE(run("address :domain :is \"from\" \"example.org\""));
  EXPECT_FALSE(run("address :domain :is \"from\" \"Doe\""));
  EXPECT_FALSE(run("address :contains \"from\" \"work\""));  // comments and names are not
  EXPECT_FALSE(run("address :contains \"from\" \"John\\\\, \""));
  // Group members are addresses; the group name is not.
  EXPECT_TRUE(run("address :domain :is \"cc\" \"two.example\""));
  EXPECT_TRUE(run("address :localpart :is \"cc\" \"c\""));
  EXPECT_TRUE(run("address :all :is \"cc\" \"a@one.example\""));
  EXPECT_FALSE(run("address :contains \"cc\" \"Friends\""));
  EXPECT_FALSE(run("address :matches \"to\" \"*\""));  // an empty group has no address
  // Without a domain, only :all sees it.
  EXPECT_TRUE(run("address :all :is \"reply-to\" \"localonly\""));
  EXPECT_FALSE(run("address :localpart :is \"reply-to\" \"localonly\""));
  EXPECT_FALSE(run("address :domain :matches \"reply-to\" \"*\""));
  EXPECT_FALSE(run("address :is \"sender\" \"\""));  // no such field
}

// ---- envelope (RFC 5228 5.4) ---------------------------------------------------------------

TEST(SieveRun, EnvelopeParts) {
  const char* prefix = "require \"envelope\"; if ";
  const std::string message = Message("From: header@example.org\r\n");
  auto run = [&](const std::string& test, const std::string& from) {
    return RunScript(prefix + test + " { discard; }", message, from, "Me+tag@Example.com") ==
           "discard";
  };
  EXPECT_TRUE(run("envelope :is \"from\" \"bounce@lists.example\"", "bounce@lists.example"));
  EXPECT_TRUE(run("envelope :domain :is \"to\" \"example.com\"", "x@y.example"));
  EXPECT_TRUE(run("envelope :localpart :is \"TO\" \"me+tag\"", "x@y.example"));
  EXPECT_FALSE(run("envelope :localpart :is \"from\" \"me+tag\"", "x@y.example"));
  EXPECT_TRUE(run("envelope :is [\"from\", \"to\"] \"me+tag@example.com\"", "x@y.example"));
  // The null reverse-path: "from" is the empty string, whatever the address part.
  EXPECT_TRUE(run("envelope :is \"from\" \"\"", ""));
  EXPECT_TRUE(run("envelope :domain :is \"from\" \"\"", ""));
  EXPECT_TRUE(run("envelope :localpart :is \"from\" \"\"", ""));
  EXPECT_FALSE(run("envelope :matches \"from\" \"?*\"", ""));
  EXPECT_FALSE(run("envelope :is \"from\" \"\"", "x@y.example"));
}

// ---- size, true/false, allof/anyof/not (RFC 5228 5.2, 5.3, 5.8, 5.9, 5.10) ----------------

TEST(SieveRun, SizeIsStrict) {
  const std::string message = Message("Subject: s\r\n");  // 26 octets
  ASSERT_EQ(message.size(), 26u);
  EXPECT_EQ(RunScript("if size :over 25 { discard; }", message), "discard");
  EXPECT_EQ(RunScript("if size :over 26 { discard; }", message), "implicit-keep");
  EXPECT_EQ(RunScript("if size :under 27 { discard; }", message), "discard");
  EXPECT_EQ(RunScript("if size :under 26 { discard; }", message), "implicit-keep");
}

TEST(SieveRun, LogicalTests) {
  const std::string m = Message("Subject: s\r\n");
  EXPECT_EQ(RunScript("if true { discard; }", m), "discard");
  EXPECT_EQ(RunScript("if false { discard; }", m), "implicit-keep");
  EXPECT_EQ(RunScript("if not false { discard; }", m), "discard");
  EXPECT_EQ(RunScript("if allof (true, true) { discard; }", m), "discard");
  EXPECT_EQ(RunScript("if allof (true, false) { discard; }", m), "implicit-keep");
  EXPECT_EQ(RunScript("if anyof (false, true) { discard; }", m), "discard");
  EXPECT_EQ(RunScript("if anyof (false, false) { discard; }", m), "implicit-keep");
  EXPECT_EQ(RunScript("if anyof (false, not allof (true, false)) { discard; }", m), "discard");
}

// ---- Actions and the implicit keep (RFC 5228 2.10, 4; RFC 3894; RFC 5490) ---------------------

TEST(SieveRun, ImplicitKeep) {
  const std::string m = Message("Subject: s\r\n");
  const char* r = "require [\"fileinto\", \"copy\", \"mailbox\"];\n";
  EXPECT_EQ(RunScript("", m), "implicit-keep");
  EXPECT_EQ(RunScript("keep;", m), "keep");
  EXPECT_EQ(RunScript("discard;", m), "discard");
  EXPECT_EQ(RunScript(std::string(r) + "fileinto \"a\";", m), "fileinto:a");
  EXPECT_EQ(RunScript(std::string(r) + "fileinto :copy \"a\";", m),
            "fileinto:a:copy implicit-keep");
  EXPECT_EQ(RunScript(std::string(r) + "fileinto :create \"a/b\";", m), "fileinto:a/b:create");
  EXPECT_EQ(RunScript("redirect \"x@y.example\";", m), "redirect:x@y.example");
  EXPECT_EQ(RunScript(std::string(r) + "redirect :copy \"x@Y.Example\";", m),
            "redirect:x@y.example:copy implicit-keep");
  // discard cancels only the implicit keep: an explicit keep before or after it stands.
  EXPECT_EQ(RunScript("discard; keep;", m), "discard keep");
  EXPECT_EQ(RunScript("keep; discard;", m), "keep discard");
  EXPECT_EQ(RunScript(std::string(r) + "fileinto :copy \"a\"; discard;", m),
            "fileinto:a:copy discard");
}

TEST(SieveRun, RepeatedActionsHappenOnce) {
  const std::string m = Message("Subject: s\r\n");
  const char* r = "require [\"fileinto\", \"copy\", \"mailbox\"];\n";
  EXPECT_EQ(RunScript(std::string(r) + "fileinto \"a\"; fileinto \"b\"; fileinto \"a\";", m),
            "fileinto:a fileinto:b");
  EXPECT_EQ(RunScript("keep; keep;", m), "keep");
  EXPECT_EQ(RunScript("redirect \"x@y.example\"; redirect \"x@Y.EXAMPLE\";", m),
            "redirect:x@y.example");
  // The same mailbox with and without :copy: delivered once, and the implicit keep is gone.
  EXPECT_EQ(RunScript(std::string(r) + "fileinto :copy \"a\"; fileinto :create \"a\";", m),
            "fileinto:a:create");
  EXPECT_EQ(RunScript(std::string(r) + "fileinto \"A\"; fileinto \"a\";", m),
            "fileinto:A fileinto:a");
}

TEST(SieveRun, StopEndsTheScript) {
  const std::string m = Message("Subject: s\r\n");
  EXPECT_EQ(RunScript("if true { stop; } discard;", m), "implicit-keep");
  EXPECT_EQ(RunScript("keep; stop; discard;", m), "keep");
  EXPECT_EQ(
      RunScript("require \"fileinto\"; if true { fileinto \"x\"; if true { stop; } } keep;", m),
      "fileinto:x");
}

// ---- Limits per message --------------------------------------------------------------------

TEST(SieveRun, TooManyRedirectsIsAnError) {
  const std::string m = Message("Subject: s\r\n");
  Limits limits;
  limits.max_redirects = 2;
  EXPECT_EQ(
      RunScript("redirect \"a@x.example\"; redirect \"b@x.example\"; redirect \"a@x.example\";", m,
                "s@x.example", "me@example.com", limits),
      "redirect:a@x.example redirect:b@x.example");
  EXPECT_EQ(
      RunScript("redirect \"a@x.example\"; redirect \"b@x.example\"; redirect \"c@x.example\";", m,
                "s@x.example", "me@example.com", limits),
      "error: too many redirects (more than 2)");
}

TEST(SieveRun, TooManyActionsIsAnError) {
  const std::string m = Message("Subject: s\r\n");
  Limits limits;
  limits.max_actions = 3;
  std::string script = "require \"fileinto\"; keep; fileinto \"a\"; fileinto \"b\"; keep;";
  EXPECT_EQ(RunScript(script, m, "", "", limits), "keep fileinto:a fileinto:b");
  EXPECT_EQ(RunScript(script + " discard;", m, "", "", limits),
            "error: too many actions (more than 3)");
}

TEST(SieveRun, RuntimeErrorLeavesNoActions) {
  Limits limits;
  limits.max_redirects = 0;
  CompileResult compiled = Compile("keep; redirect \"a@x.example\";");
  ASSERT_TRUE(compiled.ok());
  MessageInput input;
  std::string message = Message("Subject: s\r\n");
  input.message = message;
  Outcome outcome = Execute(*compiled.script, input, limits);
  EXPECT_EQ(outcome.error, "too many redirects (more than 0)");
  EXPECT_TRUE(outcome.actions.empty());
  EXPECT_TRUE(outcome.implicit_keep);  // RFC 5228 2.10.6: the message is kept
}

TEST(SieveRun, StepsAreLimited) {
  const std::string m = Message("Subject: " + std::string(10000, 'a') + "\r\n");
  Limits limits;
  limits.max_steps = 1000;
  std::string cheap = "if header :is \"Subject\" \"x\" { discard; }";
  EXPECT_EQ(RunScript(cheap, m, "", "", limits), "implicit-keep");
  std::string tests;
  for (int i = 0; i < 2000; ++i) tests += "if false { keep; }\n";
  EXPECT_EQ(RunScript(tests, m, "", "", limits), "error: too many steps (more than 1000)");
  // Match work counts: a long key against a long value is many units of work.
  std::string heavy = "if header :contains \"Subject\" \"" + std::string(5000, 'a') + "b\" { }";
  EXPECT_EQ(RunScript(heavy, m, "", "", limits), "error: too many steps (more than 1000)");
  // The worst case of the one-backtrack-point algorithm: each retry of the star re-reads the key.
  std::string wild = "if header :matches \"Subject\" \"*" + std::string(200, 'a') + "b\" { }";
  EXPECT_EQ(RunScript(wild, m, "", "", limits), "error: too many steps (more than 1000)");
  EXPECT_EQ(RunScript(wild, m),
            "implicit-keep");  // within the default budget it just fails to match
}

TEST(SieveRun, CompiledScriptIsReusable) {
  CompileResult compiled =
      Compile("require \"fileinto\"; if header :is \"X\" \"1\" { fileinto \"one\"; }");
  ASSERT_TRUE(compiled.ok());
  std::string one = Message("X: 1\r\n"), two = Message("X: 2\r\n");
  MessageInput a, b;
  a.message = one;
  b.message = two;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Summary(Execute(*compiled.script, a)), "fileinto:one");
    EXPECT_EQ(Summary(Execute(*compiled.script, b)), "implicit-keep");
  }
}

}  // namespace
}  // namespace mailsuite::sieve

namespace mailsuite::sieve {
namespace {

// ---- relational (RFC 5231) and i;ascii-numeric (RFC 4790 9.1) ----------------------------------

const char kRelational[] =
    "require [\"relational\", \"comparator-i;ascii-numeric\", \"envelope\"];\r\n";

TEST(SieveRun, NumericValuesAsSpamFiltersWriteThem) {
  const std::string message =
      Message("X-Spam-Score: 12.5\r\nX-Priority: 3 (Normal)\r\nX-Empty: none\r\n");
  auto run = [&](const std::string& test) {
    std::string out = RunScript(std::string(kRelational) + "if " + test + " { discard; }", message);
    EXPECT_TRUE(out == "discard" || out == "implicit-keep") << test << ": " << out;
    return out == "discard";
  };
  const std::string numeric = ":comparator \"i;ascii-numeric\" ";
  // The leading digits are the value: "12.5" is 12, "3 (Normal)" is 3.
  EXPECT_TRUE(run("header :value \"ge\" " + numeric + "\"X-Spam-Score\" \"5\""));
  EXPECT_TRUE(run("header :value \"gt\" " + numeric + "\"X-Spam-Score\" \"9\""));  // not "9" > "1"
  EXPECT_FALSE(run("header :value \"gt\" " + numeric + "\"X-Spam-Score\" \"12\""));
  EXPECT_TRUE(run("header :value \"eq\" " + numeric + "\"X-Spam-Score\" \"0012\""));
  EXPECT_TRUE(run("header :is " + numeric + "\"X-Priority\" \"3\""));
  EXPECT_TRUE(run("header :value \"LT\" " + numeric + "\"X-Priority\" [\"1\", \"4\"]"));
  // No leading digit: positive infinity, above every number and equal to itself.
  EXPECT_TRUE(run("header :value \"gt\" " + numeric + "\"X-Empty\" \"99999999999999999999\""));
  EXPECT_TRUE(run("header :value \"eq\" " + numeric + "\"X-Empty\" \"other\""));
  EXPECT_FALSE(run("header :value \"ne\" " + numeric + "\"X-Empty\" \"other\""));
  // Under the default comparator :value compares text: "9" sorts after "12.5".
  EXPECT_TRUE(run("header :value \"lt\" \"X-Spam-Score\" \"9\""));
  EXPECT_TRUE(run("header :value \"ge\" \"X-Priority\" \"3 (NORMAL)\""));  // case folded
  // RFC 4790 9.2 orders in upper case: "NONE" sorts before "_" (in lower case it would not).
  EXPECT_TRUE(run("header :value \"lt\" \"X-Empty\" \"_\""));
  EXPECT_FALSE(run("header :value \"gt\" :comparator \"i;octet\" \"X-Priority\" \"3 (n\""));
}

TEST(SieveRun, CountsHeadersAddressesAndEnvelope) {
  const std::string message = Message(
      "Received: from a\r\nReceived: from b\r\nReceived: from c\r\n"
      "To: a@one.example, Team: b@two.example, c@three.example;\r\nCc: d@four.example\r\n");
  auto run = [&](const std::string& test, const std::string& from = "sender@example.net") {
    return RunScript(std::string(kRelational) + "if " + test + " { discard; }", message, from) ==
           "discard";
  };
  const std::string numeric = ":comparator \"i;ascii-numeric\" ";
  EXPECT_TRUE(run("header :count \"eq\" " + numeric + "\"Received\" \"3\""));
  EXPECT_TRUE(run("header :count \"ge\" " + numeric + "[\"Received\", \"To\"] \"4\""));
  EXPECT_FALSE(run("header :count \"gt\" " + numeric + "\"Received\" \"3\""));
  EXPECT_TRUE(run("header :count \"eq\" " + numeric + "\"X-None\" \"0\""));
  // Addresses, group members included, across the named fields.
  EXPECT_TRUE(run("address :count \"eq\" " + numeric + "[\"To\", \"Cc\"] \"4\""));
  EXPECT_TRUE(run("address :count \"gt\" " + numeric + "\"To\" \"2\""));
  // The envelope's null sender is not counted.
  EXPECT_TRUE(run("envelope :count \"eq\" " + numeric + "\"from\" \"1\""));
  EXPECT_TRUE(run("envelope :count \"eq\" " + numeric + "\"from\" \"0\"", ""));
}

}  // namespace
}  // namespace mailsuite::sieve
