// Compiling Sieve scripts (RFC 5228 8): lexical tokens, grammar, validation of commands and
// tests, error messages with their lines, and the limits a hostile script runs into. Decoded
// strings and numbers are checked through what a run does with them.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "shared/sieve/sieve.h"

namespace mailsuite::sieve {
namespace {

// "ok", or the error as Describe() shows it.
std::string Check(std::string_view script, const Limits& limits = {}) {
  CompileResult result = Compile(script, limits);
  return result.ok() ? "ok" : result.Describe();
}

// The mailboxes a script files into when run against a small message.
std::vector<std::string> Mailboxes(std::string_view script) {
  CompileResult compiled = Compile(script);
  EXPECT_TRUE(compiled.ok()) << compiled.Describe();
  if (!compiled.ok()) return {};
  MessageInput input;
  input.message = "From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n";
  Outcome outcome = Execute(*compiled.script, input);
  EXPECT_EQ(outcome.error, "");
  std::vector<std::string> out;
  for (const Action& a : outcome.actions)
    if (a.kind == Action::Kind::kFileInto) out.push_back(a.mailbox);
  return out;
}

using Strings = std::vector<std::string>;

TEST(SieveParse, AcceptsEveryConstruct) {
  const char* script =
      "# a hash comment\r\n"
      "require [\"fileinto\", \"copy\", \"mailbox\", \"envelope\"];\r\n"
      "/* a bracket comment\r\n   over two lines, with * and / inside **/\r\n"
      "if allof (header :contains :comparator \"i;octet\" \"Subject\" \"hi\",\r\n"
      "          not exists [\"X-Spam\"], size :under 10K, true) {\r\n"
      "  fileinto :copy :create \"a\";\r\n"
      "} elsif anyof (address :domain :is [\"From\", \"To\"] \"example.com\",\r\n"
      "               envelope :localpart :matches \"from\" \"*\", false) {\r\n"
      "  redirect :copy \"b@example.org\";\r\n"
      "  stop;\r\n"
      "} else { keep; discard; }\r\n";
  EXPECT_EQ(Check(script), "ok");
}

TEST(SieveParse, IdentifiersAndTagsIgnoreCase) {
  // The RFC 5228 9 example writes ":DOMAIN" and "NOT".
  EXPECT_EQ(Check("IF NOT Address :DOMAIN :IS \"from\" \"x\" { KEEP; } ELSE { Discard; }"), "ok");
  EXPECT_EQ(Check("Require \"FileInto\"; FileInto \"x\";"), "ok");
}

TEST(SieveParse, QuotedStringEscapes) {
  // RFC 5228 2.4.2: \" and \\ stand for the character; any other \x is x.
  EXPECT_EQ(Mailboxes(R"(require "fileinto"; fileinto "a\"b\\c\d";)"), Strings{R"(a"b\cd)"});
  EXPECT_EQ(Mailboxes("require \"fileinto\"; fileinto \"two\nlines\";"), Strings{"two\nlines"});
  EXPECT_EQ(Mailboxes("require \"fileinto\"; fileinto \"Café/Ünï\";"), Strings{"Café/Ünï"});
}

TEST(SieveParse, MultiLineStringsAreDotUnstuffed) {
  // RFC 5228 2.4.2 / 8.1: lines keep their CRLF, a leading "." is removed once, "." alone ends.
  EXPECT_EQ(Mailboxes("require \"fileinto\";\r\nfileinto text:\r\nfirst\r\n..dot\r\n"
                      ".x\r\n\r\n.\r\n;"),
            Strings{"first\r\n.dot\r\nx\r\n\r\n"});
  // A comment may follow "text:"; bare LF line ends read as CRLF.
  EXPECT_EQ(Mailboxes("require \"fileinto\"; fileinto text: # why\nline\n.\n;"),
            Strings{"line\r\n"});
  EXPECT_EQ(Mailboxes("require \"fileinto\"; fileinto text:  \t\r\n...\r\n.\r\n;"),
            Strings{"..\r\n"});
}

TEST(SieveParse, NumbersTakeQuantifiers) {
  // RFC 5228 2.4.1: K, M, G multiply by 2^10, 2^20, 2^30 (either case). The message is 42 octets.
  for (const char* script : {"if size :over 41 { discard; }", "if size :under 1k { discard; }",
                             "if size :under 1M { discard; }", "if size :under 1g { discard; }",
                             "if size :under 43 { discard; }"}) {
    CompileResult compiled = Compile(script);
    ASSERT_TRUE(compiled.ok()) << script << ": " << compiled.Describe();
    MessageInput input;
    input.message = "From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n";
    ASSERT_EQ(input.message.size(), 42u);
    Outcome outcome = Execute(*compiled.script, input);
    ASSERT_EQ(outcome.actions.size(), 1u) << script;
    EXPECT_EQ(outcome.actions[0].kind, Action::Kind::kDiscard) << script;
  }
  EXPECT_EQ(Check("if size :over 16G { keep; }"), "ok");
}

struct ErrorCase {
  const char* script;
  const char* error;
};

TEST(SieveParse, ErrorsNameTheProblemAndTheLine) {
  const ErrorCase cases[] = {
      // Unknown names (RFC 5228 3.2, 8.2).
      {"keep;\n\nfilein \"x\";", "line 3: unknown command 'filein'"},
      {"if foo { keep; }", "line 1: unknown test 'foo'"},
      {"require \"enotify\";", "line 1: unsupported extension 'enotify'"},
      {"require [\"fileinto\",\n\"spamtest\"];", "line 1: unsupported extension 'spamtest'"},
      {"keep;\nrequire \"fileinto\";", "line 2: require must come before any other command"},
      {"if true { require \"copy\"; }", "line 1: require must come before any other command"},
      {"require 1;", "line 1: require: expected a string list of extensions"},
      // Extensions used without require.
      {"fileinto \"x\";", "line 1: fileinto: missing require \"fileinto\""},
      {"require \"fileinto\";\nfileinto :copy \"a\";",
       "line 2: fileinto: ':copy' needs require \"copy\""},
      {"require \"fileinto\"; fileinto :create \"a\";",
       "line 1: fileinto: ':create' needs require \"mailbox\""},
      {"if envelope \"from\" \"x\" { }", "line 1: envelope: missing require \"envelope\""},
      // Arguments.
      {"require \"fileinto\"; fileinto;", "line 1: fileinto: expected one string"},
      {"require \"fileinto\"; fileinto [\"a\", \"b\"];", "line 1: fileinto: expected one string"},
      {"require \"fileinto\"; fileinto \"\";", "line 1: fileinto: empty mailbox name"},
      {"redirect \"a@b.example\" \"c@d.example\";", "line 1: redirect: expected one string"},
      {"redirect :create \"a@b.example\";", "line 1: redirect: unexpected tag ':create'"},
      {"redirect \"not an address\";", "line 1: redirect: invalid address 'not an address'"},
      {"redirect \"nobody\";", "line 1: redirect: invalid address 'nobody'"},
      // Relational (RFC 5231) and i;ascii-numeric (RFC 4790 9.1).
      {"if header :value \"gt\" \"a\" \"1\" { }",
       "line 1: header: ':value' needs require \"relational\""},
      {"require \"relational\";\nif header :count \"more\" \"a\" \"1\" { }",
       "line 2: header: unknown relational operator 'more'"},
      {"if header :comparator \"i;ascii-numeric\" \"a\" \"1\" { }",
       "line 1: header: comparator 'i;ascii-numeric' needs require "
       "\"comparator-i;ascii-numeric\""},
      {"require \"comparator-i;ascii-numeric\";\n"
       "if header :contains :comparator \"i;ascii-numeric\" \"a\" \"1\" { }",
       "line 2: header: i;ascii-numeric cannot do :contains or :matches"},
      {"require \"relational\";\nif header :is :value \"eq\" \"a\" \"1\" { }",
       "line 2: header: ':is' and ':value' exclude each other"},
      // RFC 5228 5.1: address only on header fields that hold addresses.
      {"if address \"Subject\" \"x\" { }",
       "line 1: address: 'Subject' is not a header field of addresses"},
      {"keep \"x\";", "line 1: keep: expected no arguments"},
      {"stop :copy;", "line 1: stop: expected no arguments"},
      {"keep\ndiscard;", "line 2: keep: unexpected test 'discard' (missing ';'?)"},
      {"discard { keep; }", "line 1: discard: unexpected block"},
      {"if header :is :contains \"a\" \"b\" { }",
       "line 1: header: ':is' and ':contains' exclude each other"},
      {"if address :all :domain \"to\" \"b\" { }",
       "line 1: address: ':all' and ':domain' exclude each other"},
      {"if header :is :is \"a\" \"b\" { }", "line 1: header: ':is' given twice"},
      {"if header :comparator \"i;ascii-numeric\" \"a\" \"b\" { }",
       "line 1: header: comparator 'i;ascii-numeric' needs require "
       "\"comparator-i;ascii-numeric\""},
      {"if header :comparator [\"i;octet\"] \"a\" \"b\" { }",
       "line 1: header: ':comparator' needs a string"},
      {"if header \"a\" :is \"b\" { }", "line 1: header: tag ':is' after positional arguments"},
      {"if header :localpart \"a\" \"b\" { }", "line 1: header: unexpected tag ':localpart'"},
      {"if header \"subject\" { }", "line 1: header: expected a list of names and a list of keys"},
      {"if header :is \"Sub:ject\" \"x\" { }", "line 1: header: invalid header name 'Sub:ject'"},
      {"if exists \"\" { }", "line 1: exists: invalid header name ''"},
      {"if exists 5 { }", "line 1: exists: expected a list of header names"},
      {"if size 100 { }", "line 1: size: expected :over or :under and a number"},
      {"if size :over \"1\" { }", "line 1: size: expected :over or :under and a number"},
      {"if size :over :under 1 { }", "line 1: size: ':over' and ':under' exclude each other"},
      {"require \"envelope\";\nif envelope \"cc\" \"x\" { }",
       "line 2: envelope: unknown envelope part 'cc'"},
      {"if true 1 { }", "line 1: true: expected no arguments"},
      {"if not (true, false) { }", "line 1: not: expected one test"},
      {"if allof true { }", "line 1: allof: expected a test list \"( ... )\""},
      {"if anyof (true false) { }", "line 1: true: unexpected test 'false'"},
      // Control structure (RFC 5228 3.1).
      {"elsif true { }", "line 1: elsif without a preceding if"},
      {"if true { } else { }\nelse { }", "line 2: else without a preceding if"},
      {"keep; else { }", "line 1: else without a preceding if"},
      {"if true;", "line 1: if: expected a block \"{ ... }\""},
      {"if { }", "line 1: if: expected one test"},
      {"if (true) { }", "line 1: if: expected one test"},
      {"if true { } else true { }", "line 1: else: expected a block, not a test"},
      // Grammar (RFC 5228 8.2).
      {"keep", "line 1: expected ';' or '{' after 'keep', found the end of the script"},
      {"keep;\nif true {\n keep;\n", "line 4: missing '}' for the block opened on line 2"},
      {"}", "line 1: unexpected '}'"},
      {"keep; ;", "line 1: expected a command, found ';'"},
      {"\"x\";", "line 1: expected a command, found a string"},
      {"if header :is [\"a\" \"b\"] \"c\" { }",
       "line 1: expected ',' or ']' in the string list, found a string"},
      {"if header :is [] \"c\" { }", "line 1: expected a string in the string list, found ']'"},
      {"if anyof (true, ) { }", "line 1: expected a test, found ')'"},
      {"if anyof (true { }", "line 1: expected ',' or ')' in the test list, found '{'"},
      // Lexical (RFC 5228 8.1).
      {"keep;\n\"abc", "line 2: unterminated string"},
      {"keep; /* no end\n\n", "line 1: unterminated comment"},
      {"require \"fileinto\";\nfileinto text:\nabc\n",
       "line 2: unterminated multi-line string (no line with a single '.')"},
      {"require \"fileinto\"; fileinto text: x\n.\n;",
       "line 1: expected a line break after 'text:'"},
      {"if size :over 1x { }", "line 1: invalid number"},
      {"if size :over 99999999999999999999 { }", "line 1: number too large"},
      {"if size :over 17179869184G { }", "line 1: number too large"},
      {"if header : is \"a\" \"b\" { }", "line 1: expected a tag name after ':'"},
      {"keep;\n@", "line 2: unexpected character '@'"},
  };
  for (const ErrorCase& c : cases) EXPECT_EQ(Check(c.script), c.error) << c.script;
}

TEST(SieveParse, LinesAreCountedThroughStringsAndComments) {
  const char* script =
      "require \"fileinto\";\n"  // 1
      "fileinto text:\n"         // 2
      "line\n"                   // 3
      ".\n"                      // 4
      ";\n"                      // 5
      "/* c\n"                   // 6
      " */ fileinto \"a\n"       // 7
      "b\";  # hash\r\n"         // 8
      "bogus;";                  // 9
  EXPECT_EQ(Check(script), "line 9: unknown command 'bogus'");
  EXPECT_EQ(Check("keep;\r\n\r\nbogus;"), "line 3: unknown command 'bogus'");
}

TEST(SieveParse, CompileResultParts) {
  CompileResult result = Compile("keep;\nfilein;");
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.script, nullptr);
  EXPECT_EQ(result.line, 2);
  EXPECT_EQ(result.error, "unknown command 'filein'");
  EXPECT_EQ(result.Describe(), "line 2: unknown command 'filein'");
  CompileResult good = Compile("");  // an empty script is valid: it only keeps
  EXPECT_TRUE(good.ok());
  EXPECT_EQ(good.line, 0);
  EXPECT_EQ(good.error, "");
}

TEST(SieveParse, ScriptMustBeUtf8) {
  EXPECT_EQ(Check("keep;\n# caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7\nkeep;"), "ok");
  EXPECT_EQ(Check("keep;\n# \xff\n"), "line 2: script is not valid UTF-8");
  EXPECT_EQ(Check("keep;\n\n\"\xc0\xaf\";"), "line 3: script is not valid UTF-8");  // overlong
  EXPECT_EQ(Check("# \xed\xa0\x80"), "line 1: script is not valid UTF-8");          // surrogate
  EXPECT_EQ(Check("# \xf4\x90\x80\x80"), "line 1: script is not valid UTF-8");      // > U+10FFFF
  EXPECT_EQ(Check("# \xe2\x82"), "line 1: script is not valid UTF-8");              // truncated
  EXPECT_EQ(Check("# \x80"), "line 1: script is not valid UTF-8");  // lone continuation
  EXPECT_EQ(Check(std::string_view("keep;\0", 6)), "line 1: script is not valid UTF-8");
}

TEST(SieveParse, ScriptSizeIsLimited) {
  Limits limits;
  limits.max_script_size = 10;
  EXPECT_EQ(Check("keep;keep;", limits), "ok");
  CompileResult result = Compile("keep; keep;", limits);
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.line, 0);
  EXPECT_EQ(result.Describe(), "script too large (11 octets, at most 10)");
}

std::string NestedIfs(int depth) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += "if true {\n";
  s += "keep;";
  for (int i = 0; i < depth; ++i) s += "}";
  return s;
}

TEST(SieveParse, NestingIsLimited) {
  Limits limits;
  limits.max_nesting = 5;
  EXPECT_EQ(Check(NestedIfs(5), limits), "ok");
  EXPECT_EQ(Check(NestedIfs(6), limits),
            "line 6: nesting too deep (more than 5 blocks and tests inside each other)");
  EXPECT_EQ(Check("if not not not not true { }", limits), "ok");
  EXPECT_EQ(Check("if not not not not not true { }", limits),
            "line 1: nesting too deep (more than 5 blocks and tests inside each other)");
  EXPECT_EQ(Check("if true { if anyof(true, allof(true, not true)) { } }", limits), "ok");
  EXPECT_EQ(Check("if true { if anyof(true, allof(true, not not true)) { } }", limits),
            "line 1: nesting too deep (more than 5 blocks and tests inside each other)");
  EXPECT_EQ(Check(NestedIfs(32)), "ok");  // the default allows 32
}

TEST(SieveParse, NestingBombsAreErrorsNotCrashes) {
  const int n = 100000;  // within the default 1 MiB script size
  std::string ifs, nots = "if ", lists = "if ", opens;
  for (int i = 0; i < n; ++i) {
    ifs += "if true {";
    nots += "not ";
    lists += "anyof(";
  }
  EXPECT_NE(Check(ifs).find("nesting too deep"), std::string::npos);
  EXPECT_NE(Check(nots + "true {}").find("nesting too deep"), std::string::npos);
  EXPECT_NE(Check(lists + "true").find("nesting too deep"), std::string::npos);
  EXPECT_EQ(Check(std::string(n, '{')), "line 1: expected a command, found '{'");
  EXPECT_EQ(Check("if anyof" + std::string(n, '(')), "line 1: expected a test, found '('");
  EXPECT_EQ(Check("if header " + std::string(n, '[')),
            "line 1: expected a string in the string list, found '['");
}

TEST(SieveParse, SupportedExtensionsAllCompile) {
  const std::vector<std::string>& all = SupportedExtensions();
  for (const char* name : {"fileinto", "copy", "envelope", "mailbox"})
    EXPECT_NE(std::find(all.begin(), all.end(), name), all.end()) << name;
  for (const std::string& name : all) EXPECT_EQ(Check("require \"" + name + "\";"), "ok") << name;
}

}  // namespace
}  // namespace mailsuite::sieve
