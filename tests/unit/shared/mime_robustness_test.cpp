// MIME parsing of truncated and mangled input, serialisation round trips, garbage metadata, and
// a rough speed check. Meant to run under -fsanitize=address,undefined.
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "shared/mail/mime.h"

namespace mailsuite::mail {
namespace {

// Everything the parser handles, in one message.
const std::string kComplex =
    "Return-Path: <bounce@example.com>\r\n"
    "From: \"Doe, John\" <john@example.com>, (comment) jane@example.com\r\n"
    "To: Team: a@x.org, B <b@x.org>;, undisclosed:;\r\n"
    "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= \xC3\xA4\r\n"
    "  folded\r\n"
    "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"; x*0=\"a\"; x*1*=%41\r\n"
    "\r\n"
    "preamble --outer not a delimiter\r\n"
    "--outer\r\n"
    "Content-Type: multipart/alternative; boundary=inner\r\n"
    "\r\n"
    "--inner\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Hello\r\n"
    "--inner\r\n"
    "Content-Type: text/html\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "<p>Hello</p>\r\n"
    "--inner--\r\n"
    "--outer\r\n"
    "Content-Type: message/rfc822\r\n"
    "Content-Disposition: attachment; filename=\"fwd.eml\"\r\n"
    "\r\n"
    "From: Orig <orig@example.org>\r\n"
    "Subject: inner\r\n"
    "Content-Type: multipart/digest; boundary=d\r\n"
    "\r\n"
    "--d\r\n"
    "\r\n"
    "Subject: digest one\r\n"
    "\r\n"
    "one\r\n"
    "--d--\r\n"
    "--outer\r\n"
    "Content-Type: application/pdf; name=\"r.pdf\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "Content-Disposition: attachment; filename*=UTF-8''r%C3%A4.pdf\r\n"
    "Content-Language: en, de\r\n"
    "Content-MD5: abc=\r\n"
    "\r\n"
    "JVBERi0xLjQK\r\n"
    "--outer--\r\n"
    "epilogue\r\n";

std::string ToLf(std::string s) {
  std::string out;
  for (char c : s)
    if (c != '\r') out += c;
  return out;
}

// Everything a FETCH could ask of a tree, checked to stay inside the text.
void Exercise(const std::string& text) {
  MimeTree tree = ParseMime(text);
  ASSERT_EQ(tree.root.size(), text.size());
  ASSERT_TRUE(tree.root.envelope.has_value());
  EXPECT_FALSE(RenderEnvelope(*tree.root.envelope).empty());
  EXPECT_FALSE(RenderBodyStructure(tree.root, true).empty());
  EXPECT_FALSE(RenderBodyStructure(tree.root, false).empty());
  std::vector<std::vector<uint32_t>> sections = {{},     {1},    {2},       {3},    {1, 1},
                                                 {1, 2}, {2, 1}, {2, 1, 1}, {2, 2}, {4}};
  for (const auto& s : sections) {
    for (SectionText t :
         {SectionText::kAll, SectionText::kHeader, SectionText::kText, SectionText::kMime}) {
      if (auto r = SectionRange(tree, s, t)) {
        ASSERT_LE(r->offset + r->size, text.size());
      }
    }
  }
  Result<MimeTree> back = DeserializeMimeTree(SerializeMimeTree(tree));
  ASSERT_TRUE(back.ok()) << back.error();
  ASSERT_EQ(*back, tree);
}

TEST(MimeRobustnessTest, EveryPrefixParses) {
  for (const std::string& msg : {kComplex, ToLf(kComplex)}) {
    for (size_t n = 0; n <= msg.size(); ++n) {
      SCOPED_TRACE(n);
      Exercise(msg.substr(0, n));
      if (HasFatalFailure()) return;
    }
  }
}

TEST(MimeRobustnessTest, ComplexMessageStructure) {
  MimeTree tree = ParseMime(kComplex);
  EXPECT_EQ(
      RenderBodyStructure(tree.root, false),
      "(((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 5 1)"
      "(\"TEXT\" \"HTML\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"QUOTED-PRINTABLE\" 12 1) "
      "\"ALTERNATIVE\")"
      "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 133 "
      "(NIL \"inner\" ((\"Orig\" NIL \"orig\" \"example.org\")) "
      "((\"Orig\" NIL \"orig\" \"example.org\")) ((\"Orig\" NIL \"orig\" \"example.org\")) "
      "NIL NIL NIL NIL NIL) "
      "((\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 26 "
      "(NIL \"digest one\" NIL NIL NIL NIL NIL NIL NIL NIL) "
      "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3 1) 3) \"DIGEST\") 10)"
      "(\"APPLICATION\" \"PDF\" (\"NAME\" \"r.pdf\") NIL NIL \"BASE64\" 12) \"MIXED\")");
  EXPECT_EQ(DecodeParam(tree.root.params, "x"), "aA");
  EXPECT_EQ(DecodeParam(tree.root.children.at(2).disposition_params, "filename"), "r\xC3\xA4.pdf");
  EXPECT_EQ(tree.root.envelope->subject, "=?UTF-8?Q?Gr=C3=BC=C3=9Fe?= \xC3\xA4  folded");
}

TEST(MimeRobustnessTest, MangledBytesNeverCrash) {
  const char kNasty[] = {'-', '\n', '\r', ':', '"', '(', ')', '<', '>', ';', '\\', '\0', '\x80'};
  for (size_t i = 0; i < kComplex.size(); ++i) {
    for (char c : kNasty) {
      std::string m = kComplex;
      m[i] = c;
      Exercise(m);
      if (HasFatalFailure()) return;
    }
  }
  // Pathological shapes: unbalanced comments, quotes and brackets everywhere.
  for (const char* m : {"From: ((((((((\r\n\r\n", "To: \"\\\r\n\r\n", "Cc: [[[<<<@@@:::;;;\r\n\r\n",
                        "Content-Type: multipart/x; boundary=\"\r\n\r\n--\r\n",
                        "Content-Type: message/rfc822\r\n\r\n", "\r\n\r\n\r\n", "\n", "\r"}) {
    Exercise(m);
  }
}

// Version 1 (before addresses had a route) still loads: stores keep metadata written then.
TEST(MimeRobustnessTest, DeserializesVersionOne) {
  std::string v2 = SerializeMimeTree(ParseMime("From: A <a@b.example>\r\nSubject: s\r\n\r\nx"));
  // v2 writes the route as an absent optional (one 0 byte) after the name (0 1 "A").
  std::string marker = std::string("\1\1A\0", 4);
  size_t at = v2.find(marker);
  ASSERT_NE(at, std::string::npos);
  std::string v1 = v2.substr(0, at) + std::string("\1\1A", 3) + v2.substr(at + 4);
  v1[4] = 1;
  Result<MimeTree> back = DeserializeMimeTree(v1);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(
      RenderEnvelope(*back->root.envelope),
      RenderEnvelope(*ParseMime("From: A <a@b.example>\r\nSubject: s\r\n\r\nx").root.envelope));
}

TEST(MimeRobustnessTest, DeserializeRejectsGarbage) {
  std::string good = SerializeMimeTree(ParseMime(kComplex));
  ASSERT_TRUE(DeserializeMimeTree(good).ok());
  for (size_t n = 0; n < good.size(); ++n)
    EXPECT_FALSE(DeserializeMimeTree(good.substr(0, n)).ok()) << n;
  EXPECT_FALSE(DeserializeMimeTree(good + "x").ok());
  std::string other_version = good;
  other_version[4] = 3;
  EXPECT_FALSE(DeserializeMimeTree(other_version).ok());
  other_version[4] = 0;
  EXPECT_FALSE(DeserializeMimeTree(other_version).ok());
  EXPECT_FALSE(DeserializeMimeTree("").ok());

  // Any single byte changed: an error or some tree, never a crash or a huge allocation.
  for (size_t i = 0; i < good.size(); ++i) {
    for (int v : {0x00, 0x01, 0x7f, 0x80, 0xff}) {
      std::string m = good;
      m[i] = static_cast<char>(v);
      Result<MimeTree> r = DeserializeMimeTree(m);
      if (r.ok()) RenderBodyStructure(r->root, true);
    }
  }
  std::mt19937 rng(42);
  for (int i = 0; i < 2000; ++i) {
    std::string m = "MIME\1";
    size_t n = rng() % 64;
    for (size_t j = 0; j < n; ++j) m += static_cast<char>(rng());
    Result<MimeTree> r = DeserializeMimeTree(m);
    if (r.ok()) RenderBodyStructure(r->root, true);
  }
}

TEST(MimeRobustnessTest, SerialisationIsCompact) {
  std::string plain = "Subject: x\r\n\r\n" + std::string(4000, 'y');
  EXPECT_LT(SerializeMimeTree(ParseMime(plain)).size(), 80u);
  EXPECT_LT(SerializeMimeTree(ParseMime(kComplex)).size(), 1000u);
}

TEST(MimeRobustnessTest, Speed) {
  std::string msg = kComplex;
  while (msg.size() < 4096) msg.insert(msg.find("Hello\r\n"), "Some more text in the body.\r\n");
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000; ++i) ParseMime(msg);
  auto per_parse = (std::chrono::steady_clock::now() - start) / 1000;
  // Microseconds normally; generous for sanitizer builds and a busy machine.
  EXPECT_LT(per_parse, std::chrono::milliseconds(2));

  std::string big =
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
      "Content-Type: application/octet-stream\r\n\r\n";
  std::string line = std::string(76, 'A') + "\r\n";
  big.reserve(20 << 20);
  while (big.size() < (20 << 20)) big += line;
  big += "--b--\r\n";
  start = std::chrono::steady_clock::now();
  MimeTree tree = ParseMime(big);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(tree.root.children.size(), 1u);
}

}  // namespace
}  // namespace mailsuite::mail
