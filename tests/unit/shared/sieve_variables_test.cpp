// "variables" (RFC 5229) and "encoded-character" (RFC 5228 2.4.2.4).
#include <gtest/gtest.h>

#include <string>

#include "shared/sieve/sieve.h"

namespace mailsuite::sieve {
namespace {

const char kMessage[] =
    "From: alice@example.net\r\n"
    "To: me@example.com\r\n"
    "List-ID: Sieve group <sieve@example.org>\r\n"
    "Subject: [acme-users] [fwd] version 1.0 is out\r\n"
    "\r\n"
    "Body.\r\n";

// The mailboxes of the fileinto actions, or "error: ..." / "compile error: ...".
std::string Mailboxes(std::string_view script, const Limits& limits = {}) {
  CompileResult compiled = Compile(script, limits);
  if (!compiled.ok()) return "compile error: " + compiled.Describe();
  MessageInput input;
  input.message = kMessage;
  input.envelope_from = "alice@example.net";
  input.envelope_to = "me@example.com";
  Outcome outcome = Execute(*compiled.script, input, limits);
  if (!outcome.error.empty()) return "error: " + outcome.error;
  std::string out;
  for (const Action& a : outcome.actions)
    out += (out.empty() ? "" : "|") + (a.kind == Action::Kind::kRedirect ? a.address : a.mailbox);
  return out;
}

const char kRequire[] = "require [\"variables\", \"fileinto\", \"relational\"];\n";

TEST(SieveVariables, Rfc5229MatchVariables) {
  // RFC 5229 3.2.
  EXPECT_EQ(Mailboxes(std::string(kRequire) + "if header :matches \"List-ID\" \"*<*@*\" {\n"
                                              "  fileinto \"INBOX.lists.${2}\"; stop;\n}\n"),
            "INBOX.lists.sieve");
  EXPECT_EQ(Mailboxes(std::string(kRequire) + "if header :matches \"Subject\" \"[*] *\" {\n"
                                              "  fileinto \"INBOX.lists.${1}\"; stop;\n}\n"),
            "INBOX.lists.acme-users");
  // ${0} is the whole value; "?" makes a variable too; unset numbers are empty.
  EXPECT_EQ(Mailboxes(std::string(kRequire) + "if address :matches \"from\" \"?*@*\" {\n"
                                              "  fileinto \"${1}|${2}|${3}|${4}|${0}\";\n}\n"),
            "a|lice|example.net||alice@example.net");
}

TEST(SieveVariables, SetModifiers) {
  // RFC 5229 4.1 examples.
  auto value = [](std::string_view set) {
    return Mailboxes(std::string(kRequire) + std::string(set) + "\nfileinto \"${b}\";");
  };
  EXPECT_EQ(value("set \"a\" \"juMBlEd lETteRS\"; set \"b\" \"${a}\";"), "juMBlEd lETteRS");
  EXPECT_EQ(value("set \"a\" \"juMBlEd lETteRS\"; set :length \"b\" \"${a}\";"), "15");
  EXPECT_EQ(value("set \"a\" \"juMBlEd lETteRS\"; set :lower \"b\" \"${a}\";"), "jumbled letters");
  EXPECT_EQ(value("set \"a\" \"juMBlEd lETteRS\"; set :upperfirst \"b\" \"${a}\";"),
            "JuMBlEd lETteRS");
  EXPECT_EQ(value("set \"a\" \"juMBlEd lETteRS\"; set :upperfirst :lower \"b\" \"${a}\";"),
            "Jumbled letters");
  EXPECT_EQ(value("set :quotewildcard \"b\" \"Rock*\";"), "Rock\\*");
  EXPECT_EQ(value("set :upper \"b\" \"grüße\";"),
            "GR\u00dc\u1e9eE");                           // Unicode: ß becomes capital ẞ
  EXPECT_EQ(value("set :length \"b\" \"grüße\";"), "5");  // characters, not octets
  EXPECT_EQ(Mailboxes(std::string(kRequire) + "set :lower :upper \"b\" \"x\";"),
            "compile error: line 2: set: ':lower' and ':upper' exclude each other");
}

TEST(SieveVariables, ExpansionRules) {
  // RFC 5229 3: names ignore case, unknown ones are empty, text that is not a reference stays.
  EXPECT_EQ(Mailboxes(std::string(kRequire) + "set \"Company\" \"ACME\";\n"
                                              "fileinto \"${company}-${unknown}-${-x}-${}-$\";"),
            "ACME--${-x}-${}-$");
  // An expanded value is not expanded again.
  EXPECT_EQ(
      Mailboxes(std::string(kRequire) +
                "set \"c\" \"x\"; set \"a\" \"$\"; set \"b\" \"${a}{c}\"; fileinto \"${b}\";"),
      "${c}");
}

TEST(SieveVariables, StringTest) {
  EXPECT_EQ(Mailboxes(std::string(kRequire) +
                      "set \"state\" \"on\";\n"
                      "if string :is \"${state}\" \"on\" { fileinto \"is\"; }\n"
                      "if string :count \"eq\" [\"${state}\", \"\", \"${none}\"] \"1\" "
                      "{ fileinto \"count\"; }\n"
                      "if string :matches \" ${state} \" \"* o* \" { fileinto \"m-${2}\"; }\n"),
            "is|count|m-n");
}

TEST(SieveVariables, RunTimeTargetsAreCheckedAtRunTime) {
  EXPECT_EQ(Mailboxes(std::string(kRequire) + "set \"d\" \"Example.ORG\";\n"
                                              "redirect \"x@${d}\";"),
            "x@example.org");
  EXPECT_EQ(Mailboxes(std::string(kRequire) + "set \"d\" \"no address\";\n"
                                              "redirect \"${d}\";"),
            "error: line 3: redirect: invalid address 'no address'");
  EXPECT_EQ(Mailboxes(std::string(kRequire) + "fileinto \"${empty}\";"),
            "error: line 2: fileinto: the mailbox name is empty");
  // Without "variables" the text is taken as it is.
  EXPECT_EQ(Mailboxes("require \"fileinto\"; fileinto \"${x}\";"), "${x}");
}

TEST(SieveVariables, Bounds) {
  // Values are cut at kMaxVariableSize octets; the 129th variable is a run-time error.
  std::string script = std::string(kRequire) + "set \"a\" \"" + std::string(5000, 'x') +
                       "\"; set :length \"n\" \"${a}\"; fileinto \"${n}\";";
  EXPECT_EQ(Mailboxes(script), "4000");
  std::string many = kRequire;
  for (int i = 0; i < 129; ++i) many += "set \"v" + std::to_string(i) + "\" \"x\";\n";
  EXPECT_EQ(Mailboxes(many), "error: line 130: too many variables (more than 128)");
  // Expansion is charged to the step budget.
  std::string big = std::string(kRequire) + "set \"a\" \"" + std::string(3000, 'x') + "\";\n";
  for (int i = 0; i < 50; ++i) big += "set \"a\" \"${a}\";\n";
  Limits tight;
  tight.max_steps = 200;
  EXPECT_EQ(Mailboxes(big, tight), "error: too many steps (more than 200)");
}

TEST(SieveVariables, CompileErrors) {
  EXPECT_EQ(Mailboxes("set \"a\" \"b\";"),
            "compile error: line 1: set: missing require \"variables\"");
  EXPECT_EQ(Mailboxes("require \"variables\";\nset \"a-b\" \"x\";"),
            "compile error: line 2: set: invalid variable name 'a-b'");
  EXPECT_EQ(Mailboxes("require \"variables\";\nset \"a\" \"${env.x}\";"),
            "compile error: line 2: set: unknown variable namespace in '${env.x}'");
  EXPECT_EQ(Mailboxes("require \"variables\";\nif string \"a\" { keep; }"),
            "compile error: line 2: string: expected a list of sources and a list of keys");
}

TEST(SieveEncodedCharacter, HexAndUnicode) {
  // RFC 5228 2.4.2.4 examples.
  const char kRequireEncoded[] = "require [\"encoded-character\", \"fileinto\"];\n";
  EXPECT_EQ(Mailboxes(std::string(kRequireEncoded) + "fileinto \"$${hex:24 24}{unicode:40}\";"),
            "$$${unicode:40}");  // decoded once, not again
  EXPECT_EQ(Mailboxes(std::string(kRequireEncoded) + "fileinto \"${hex: 40 }${unicode:263a}\";"),
            "@\u263a");
  EXPECT_EQ(Mailboxes(std::string(kRequireEncoded) + "fileinto \"${hex:zz}x\";"), "${hex:zz}x");
  EXPECT_EQ(Mailboxes(std::string(kRequireEncoded) + "\nfileinto \"${unicode:D800}\";"),
            "compile error: line 3: encoded-character: invalid Unicode value in '${unicode:D800}'");
  // Without the require, nothing is decoded.
  EXPECT_EQ(Mailboxes("require \"fileinto\"; fileinto \"${hex:40}\";"), "${hex:40}");
}

}  // namespace
}  // namespace mailsuite::sieve
