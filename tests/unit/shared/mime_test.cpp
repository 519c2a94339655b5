// The MIME part tree and BODY[section] ranges (RFC 2045/2046, RFC 3501 6.4.5).
#include "shared/mail/mime.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mailsuite::mail {
namespace {

std::string Slice(const std::string& text, const std::optional<ByteRange>& range) {
  if (!range) return "<none>";
  if (range->offset + range->size > text.size()) return "<out of range>";
  return text.substr(range->offset, range->size);
}

std::string Section(const std::string& text, const MimeTree& tree, std::vector<uint32_t> part,
                    SectionText what = SectionText::kAll) {
  return Slice(text, SectionRange(tree, part, what));
}

const std::string kAlternative =
    "From: a@example.com\r\n"
    "To: b@example.com\r\n"
    "Subject: alt\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/alternative; boundary=\"XYZ\"\r\n"
    "\r\n"
    "preamble\r\n"
    "--XYZ\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "plain body\r\n"
    "--XYZ\r\n"
    "Content-Type: text/html; charset=\"utf-8\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "<p>html</p>\r\n"
    "--XYZ--\r\n"
    "epilogue\r\n";

TEST(MimeParseTest, PlainTextMessage) {
  std::string msg = "Subject: hi\r\n\r\nHello\r\nWorld\r\n";
  MimeTree tree = ParseMime(msg);
  const MimePart& root = tree.root;
  EXPECT_EQ(root.offset, 0u);
  EXPECT_EQ(root.header_size, 15u);
  EXPECT_EQ(root.body_size, 14u);
  EXPECT_EQ(root.body_lines, 2u);
  EXPECT_EQ(root.type, "text");
  EXPECT_EQ(root.subtype, "plain");
  ASSERT_EQ(root.params.size(), 1u);
  EXPECT_EQ(root.params[0], (MimeParam{"charset", "US-ASCII"}));
  EXPECT_EQ(root.encoding, "7bit");
  EXPECT_TRUE(root.children.empty());
  ASSERT_TRUE(root.envelope.has_value());
  EXPECT_EQ(root.envelope->subject, "hi");
  EXPECT_EQ(Section(msg, tree, {}, SectionText::kHeader), "Subject: hi\r\n\r\n");
  EXPECT_EQ(Section(msg, tree, {}, SectionText::kText), "Hello\r\nWorld\r\n");
  EXPECT_EQ(Section(msg, tree, {}), msg);
  // RFC 3501 6.4.5: a non-multipart message has part 1, its body.
  EXPECT_EQ(Section(msg, tree, {1}), "Hello\r\nWorld\r\n");
  EXPECT_EQ(Section(msg, tree, {1}, SectionText::kMime), "Subject: hi\r\n\r\n");
  EXPECT_EQ(Section(msg, tree, {2}), "<none>");
  EXPECT_EQ(Section(msg, tree, {1, 1}), "<none>");
  EXPECT_EQ(Section(msg, tree, {1}, SectionText::kHeader), "<none>");
  EXPECT_EQ(Section(msg, tree, {}, SectionText::kMime), "<none>");
}

TEST(MimeParseTest, HeaderEdgeCases) {
  // Folded field, case-insensitive names, garbage line, obsolete space before the colon.
  std::string msg =
      "garbage without colon\r\n"
      "SUBJECT : hello\r\n"
      "\tworld\r\n"
      "content-type: TEXT/HTML (a comment); Charset=ISO-8859-1\r\n"
      "\r\n"
      "x";
  MimeTree tree = ParseMime(msg);
  EXPECT_EQ(tree.root.envelope->subject, "hello\tworld");
  EXPECT_EQ(tree.root.type, "text");
  EXPECT_EQ(tree.root.subtype, "html");
  EXPECT_EQ(tree.root.params, (std::vector<MimeParam>{{"charset", "ISO-8859-1"}}));
  EXPECT_EQ(tree.root.body_lines, 1u);  // an unterminated line still counts

  // All header, no blank line, no final line break.
  tree = ParseMime("Subject: only a header");
  EXPECT_EQ(tree.root.header_size, 22u);
  EXPECT_EQ(tree.root.body_size, 0u);
  EXPECT_EQ(tree.root.envelope->subject, "only a header");

  // Empty input, and a field without a value.
  tree = ParseMime("");
  EXPECT_EQ(tree.root.size(), 0u);
  EXPECT_EQ(tree.root.type, "text");
  tree = ParseMime("Subject:\r\nDate:   \r\n\r\n");
  EXPECT_EQ(tree.root.envelope->subject, "");
  EXPECT_EQ(tree.root.envelope->date, "");
  EXPECT_EQ(tree.root.envelope->message_id, std::nullopt);

  // Invalid Content-Type is text/plain (RFC 2045 5.2).
  tree = ParseMime("Content-Type: text\r\n\r\nx");
  EXPECT_EQ(tree.root.subtype, "plain");
  EXPECT_EQ(tree.root.params, (std::vector<MimeParam>{{"charset", "US-ASCII"}}));
}

TEST(MimeParseTest, LfOnlyLineEnds) {
  std::string msg = "Content-Type: multipart/mixed; boundary=b\n\n--b\n\none\n--b\n\ntwo\n--b--\n";
  MimeTree tree = ParseMime(msg);
  ASSERT_EQ(tree.root.children.size(), 2u);
  EXPECT_EQ(Section(msg, tree, {1}), "one");
  EXPECT_EQ(Section(msg, tree, {2}), "two");
  EXPECT_EQ(Section(msg, tree, {2}, SectionText::kMime), "\n");
}

TEST(MimeParseTest, MultipartAlternative) {
  MimeTree tree = ParseMime(kAlternative);
  const MimePart& root = tree.root;
  EXPECT_EQ(root.type, "multipart");
  EXPECT_EQ(root.subtype, "alternative");
  ASSERT_EQ(root.children.size(), 2u);
  EXPECT_EQ(root.children[0].subtype, "plain");
  EXPECT_EQ(root.children[1].subtype, "html");
  EXPECT_EQ(root.children[1].encoding, "quoted-printable");
  EXPECT_FALSE(root.children[0].envelope.has_value());
  const std::string& m = kAlternative;
  EXPECT_EQ(Section(m, tree, {1}), "plain body");
  EXPECT_EQ(Section(m, tree, {2}), "<p>html</p>");
  EXPECT_EQ(Section(m, tree, {1}, SectionText::kMime),
            "Content-Type: text/plain; charset=utf-8\r\n\r\n");
  EXPECT_EQ(Section(m, tree, {}, SectionText::kText), m.substr(m.find("preamble")));
  EXPECT_EQ(Section(m, tree, {}, SectionText::kHeader), m.substr(0, m.find("preamble")));
  EXPECT_EQ(Section(m, tree, {3}), "<none>");
  EXPECT_EQ(Section(m, tree, {0}), "<none>");
  EXPECT_EQ(Section(m, tree, {1, 1}), "<none>");
  EXPECT_EQ(FindPart(tree, std::vector<uint32_t>{2}), &root.children[1]);
}

const std::string kForward =
    "From: Fwd <fwd@example.com>\r\n"
    "Subject: Fwd: hi\r\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
    "\r\n"
    "--b1\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "see below\r\n"
    "--b1\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "From: Orig <orig@example.org>\r\n"
    "To: x@example.com\r\n"
    "Subject: hi\r\n"
    "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
    "Message-ID: <orig@example.org>\r\n"
    "\r\n"
    "original text\r\n"
    "line 2\r\n"
    "--b1--\r\n";

TEST(MimeParseTest, ForwardedMessage) {
  MimeTree tree = ParseMime(kForward);
  ASSERT_EQ(tree.root.children.size(), 2u);
  const MimePart& fwd = tree.root.children[1];
  ASSERT_TRUE(fwd.IsMessage());
  EXPECT_EQ(fwd.body_lines, 8u);
  const MimePart& inner = fwd.children[0];
  ASSERT_TRUE(inner.envelope.has_value());
  EXPECT_EQ(inner.envelope->subject, "hi");
  EXPECT_EQ(inner.offset, fwd.body_offset());
  EXPECT_EQ(inner.size(), fwd.body_size);
  const std::string& m = kForward;
  std::string inner_text = m.substr(m.find("From: Orig"));
  inner_text = inner_text.substr(0, inner_text.find("\r\n--b1--"));
  EXPECT_EQ(Section(m, tree, {2}), inner_text);
  EXPECT_EQ(Section(m, tree, {2}, SectionText::kMime), "Content-Type: message/rfc822\r\n\r\n");
  EXPECT_EQ(Section(m, tree, {2}, SectionText::kHeader),
            inner_text.substr(0, inner_text.find("original")));
  EXPECT_EQ(Section(m, tree, {2}, SectionText::kText), "original text\r\nline 2");
  EXPECT_EQ(Section(m, tree, {2, 1}), "original text\r\nline 2");  // non-multipart inner
  EXPECT_EQ(Section(m, tree, {2, 2}), "<none>");
  EXPECT_EQ(Section(m, tree, {1}, SectionText::kHeader), "<none>");
  EXPECT_EQ(Section(m, tree, {1}, SectionText::kText), "<none>");
}

// RFC 9051 6.4.5.1, 7.5.2: message/global (RFC 6532 3.5) encapsulates a message like
// message/rfc822; its metadata from before (a leaf) still loads.
TEST(MimeParseTest, MessageGlobalIsEncapsulated) {
  std::string m = kForward;
  m.replace(m.find("message/rfc822"), 14, "message/global");
  MimeTree tree = ParseMime(m);
  const MimePart& fwd = tree.root.children.at(1);
  ASSERT_TRUE(fwd.IsMessage());
  EXPECT_EQ(fwd.children[0].envelope->subject, "hi");
  EXPECT_EQ(Section(m, tree, {2}, SectionText::kText), "original text\r\nline 2");
  EXPECT_NE(RenderBodyStructure(tree.root, true).find("\"MESSAGE\" \"GLOBAL\""), std::string::npos);
  EXPECT_NE(RenderBodyStructure(tree.root, true).find("(\"Mon, 1 Jan 2024"), std::string::npos);
  MimeTree leaf = tree;
  leaf.root.children[1].children.clear();
  auto loaded = DeserializeMimeTree(SerializeMimeTree(leaf));
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  EXPECT_FALSE(loaded->root.children[1].IsMessage());
}

TEST(MimeParseTest, NestedMultipartAndMessage) {
  std::string msg =
      "Content-Type: multipart/mixed; boundary=outer\r\n\r\n"
      "--outer\r\n"
      "Content-Type: multipart/alternative; boundary=inner\r\n\r\n"
      "--inner\r\n\r\ntext\r\n"
      "--inner\r\nContent-Type: text/html\r\n\r\n<b>html</b>\r\n"
      "--inner--\r\n"
      "--outer\r\n"
      "Content-Type: message/rfc822\r\n\r\n"
      "Subject: inner\r\nContent-Type: multipart/mixed; boundary=deep\r\n\r\n"
      "--deep\r\n\r\ndeep one\r\n--deep\r\n\r\ndeep two\r\n--deep--\r\n"
      "--outer--\r\n";
  MimeTree tree = ParseMime(msg);
  EXPECT_EQ(Section(msg, tree, {1, 1}), "text");
  EXPECT_EQ(Section(msg, tree, {1, 2}), "<b>html</b>");
  EXPECT_EQ(Section(msg, tree, {1, 2}, SectionText::kMime), "Content-Type: text/html\r\n\r\n");
  EXPECT_EQ(Section(msg, tree, {2, 1}), "deep one");
  EXPECT_EQ(Section(msg, tree, {2, 2}), "deep two");
  EXPECT_EQ(Section(msg, tree, {2, 3}), "<none>");
  EXPECT_EQ(Section(msg, tree, {2, 1, 1}), "<none>");
  EXPECT_EQ(Section(msg, tree, {2}, SectionText::kText),
            "--deep\r\n\r\ndeep one\r\n--deep\r\n\r\ndeep two\r\n--deep--");
  EXPECT_EQ(tree.root.children[1].children[0].envelope->subject, "inner");
}

TEST(MimeParseTest, MissingCloseDelimiter) {
  std::string msg =
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\n\r\npart1\r\n--b\r\n\r\npart2 text\r\n";
  MimeTree tree = ParseMime(msg);
  ASSERT_EQ(tree.root.children.size(), 2u);
  EXPECT_EQ(Section(msg, tree, {1}), "part1");
  EXPECT_EQ(Section(msg, tree, {2}), "part2 text\r\n");  // runs to the end
  EXPECT_EQ(tree.root.children[1].body_lines, 1u);
}

TEST(MimeParseTest, OuterDelimiterEndsUnterminatedInnerMultipart) {
  std::string msg =
      "Content-Type: multipart/mixed; boundary=abc\r\n\r\n"
      "--abc\r\nContent-Type: multipart/alternative; boundary=abcd\r\n\r\n"
      "--abcd\r\n\r\ninner one\r\n"
      "--abcd\r\n\r\ninner two\r\n"
      "--abc\r\n\r\nouter two\r\n"
      "--abc--\r\n";
  MimeTree tree = ParseMime(msg);
  ASSERT_EQ(tree.root.children.size(), 2u);
  EXPECT_EQ(Section(msg, tree, {1, 1}), "inner one");
  EXPECT_EQ(Section(msg, tree, {1, 2}), "inner two");
  EXPECT_EQ(Section(msg, tree, {2}), "outer two");
}

TEST(MimeParseTest, MultipartWithoutBoundaryIsText) {
  std::string msg = "Content-Type: multipart/mixed\r\n\r\nbody\r\n";
  MimeTree tree = ParseMime(msg);
  EXPECT_EQ(tree.root.type, "text");
  EXPECT_EQ(tree.root.subtype, "plain");
  EXPECT_TRUE(tree.root.children.empty());
  EXPECT_EQ(tree.root.body_lines, 1u);
  EXPECT_EQ(Section(msg, tree, {1}), "body\r\n");

  // A boundary that never occurs, or only a close delimiter: no parts, so text as well.
  for (const char* body : {"no delimiter here\r\n", "--b--\r\n"}) {
    tree = ParseMime(std::string("Content-Type: multipart/mixed; boundary=b\r\n\r\n") + body);
    EXPECT_EQ(tree.root.type, "text") << body;
  }
}

TEST(MimeParseTest, BoundaryOnlyCountsAtLineStart) {
  std::string msg =
      "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
      "--b  \r\n\r\n"  // transport padding after the boundary is allowed
      "text --b\r\n"
      " --b\r\n"
      "--bar\r\n"
      "--b x\r\n"
      "--b--\r\n";
  MimeTree tree = ParseMime(msg);
  ASSERT_EQ(tree.root.children.size(), 1u);
  EXPECT_EQ(Section(msg, tree, {1}), "text --b\r\n --b\r\n--bar\r\n--b x");
}

TEST(MimeParseTest, UnquotedBoundaryWithEqualsAndPreambleAtStart) {
  std::string msg =
      "Content-Type: multipart/mixed;\r\n boundary=----=_Part_1_2.3\r\n\r\n"
      "------=_Part_1_2.3\r\nContent-Type: image/png\r\n\r\nPNG\r\n------=_Part_1_2.3--";
  MimeTree tree = ParseMime(msg);
  ASSERT_EQ(tree.root.children.size(), 1u);
  EXPECT_EQ(tree.root.children[0].type, "image");
  EXPECT_EQ(Section(msg, tree, {1}), "PNG");
}

TEST(MimeParseTest, DigestDefaultsToMessage) {
  std::string msg =
      "Content-Type: multipart/digest; boundary=d\r\n\r\n"
      "--d\r\n\r\nSubject: one\r\n\r\nfirst\r\n"
      "--d\r\nContent-Type: text/plain\r\n\r\nnot a message\r\n"
      "--d--\r\n";
  MimeTree tree = ParseMime(msg);
  ASSERT_EQ(tree.root.children.size(), 2u);
  ASSERT_TRUE(tree.root.children[0].IsMessage());
  EXPECT_EQ(tree.root.children[0].children[0].envelope->subject, "one");
  EXPECT_EQ(tree.root.children[1].type, "text");
}

TEST(MimeParseTest, AttachmentFields) {
  std::string msg =
      "Content-Type: multipart/mixed; boundary=outer\r\n\r\n"
      "--outer\r\n"
      "Content-Type: application/pdf; name=\"report.pdf\"\r\n"
      "Content-Transfer-Encoding: BASE64\r\n"
      "Content-Disposition: attachment;\r\n\tfilename=\"report.pdf\"; size=12\r\n"
      "Content-ID: <part2@example.com>\r\n"
      "Content-Description: The report\r\n"
      "Content-Language: en, de (German)\r\n"
      "Content-Location: http://example.com/r.pdf\r\n"
      "Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\r\n"
      "\r\n"
      "JVBERi0xLjQK\r\n"
      "--outer--\r\n";
  MimeTree tree = ParseMime(msg);
  const MimePart& p = tree.root.children.at(0);
  EXPECT_EQ(p.type, "application");
  EXPECT_EQ(p.subtype, "pdf");
  EXPECT_EQ(p.params, (std::vector<MimeParam>{{"name", "report.pdf"}}));
  EXPECT_EQ(p.encoding, "base64");
  EXPECT_EQ(p.disposition, "attachment");
  EXPECT_EQ(p.disposition_params,
            (std::vector<MimeParam>{{"filename", "report.pdf"}, {"size", "12"}}));
  EXPECT_EQ(p.id, "<part2@example.com>");
  EXPECT_EQ(p.description, "The report");
  EXPECT_EQ(p.language, (std::vector<std::string>{"en", "de"}));
  EXPECT_EQ(p.location, "http://example.com/r.pdf");
  EXPECT_EQ(p.md5, "Q2hlY2sgSW50ZWdyaXR5IQ==");
  EXPECT_EQ(p.body_lines, 0u);  // only text/* and message/rfc822 count lines
}

TEST(MimeParseTest, Rfc2231Parameters) {
  std::string msg =
      "Content-Type: application/octet-stream;\r\n"
      " name*0=\"long \"; name*1=\"file\"; name*2*=%2Etxt\r\n"
      "Content-Disposition: attachment; filename*=UTF-8''%E2%82%AC%20rate.pdf;\r\n"
      " filename=\"fallback.pdf\"\r\n"
      "\r\nx";
  MimePart root = ParseMime(msg).root;
  EXPECT_EQ(root.params.size(), 3u);  // kept as written for BODYSTRUCTURE
  EXPECT_EQ(DecodeParam(root.params, "name"), "long file.txt");
  EXPECT_EQ(DecodeParam(root.disposition_params, "FILENAME"), "\xE2\x82\xAC rate.pdf");
  EXPECT_EQ(DecodeParam(root.disposition_params, "size"), std::nullopt);
  EXPECT_EQ(DecodeParam({{"name", "plain.txt"}}, "name"), "plain.txt");
  EXPECT_EQ(DecodeParam({{"name*1", "b"}}, "name"), std::nullopt);          // no segment 0
  EXPECT_EQ(DecodeParam({{"name*0", "a"}, {"name*2", "c"}}, "name"), "a");  // gap ends it
  EXPECT_EQ(DecodeParam({{"name*", "bad%zz%"}}, "name"), "bad%zz%");
}

TEST(MimeParseTest, HeaderPrefixShiftsOffsets) {
  std::string prefix = "Return-Path: <a@example.com>\r\nDelivered-To: b@example.com\r\n";
  MimeTree shifted = ParseMime(kForward);
  AddHeaderPrefix(shifted, prefix.size());
  EXPECT_EQ(shifted, ParseMime(prefix + kForward));
}

TEST(MimeParseTest, DepthAndPartLimits) {
  std::string deep;
  for (int i = 0; i < 200; ++i)
    deep += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\r\n\r\n--b" +
            std::to_string(i) + "\r\n";
  deep += "\r\nleaf\r\n";
  MimeTree tree = ParseMime(deep);
  int depth = 0;
  for (const MimePart* p = &tree.root; !p->children.empty(); p = &p->children[0]) ++depth;
  EXPECT_EQ(depth, 64);
  EXPECT_FALSE(RenderBodyStructure(tree.root, true).empty());

  std::string many = "Content-Type: multipart/mixed; boundary=b\r\n\r\n";
  for (int i = 0; i < 20000; ++i) many += "--b\r\n\r\nx\r\n";
  tree = ParseMime(many);
  EXPECT_EQ(tree.root.children.size(), 9999u);  // the root is the first of 10,000 parts

  MimeLimits limits;
  limits.max_depth = 1;
  tree = ParseMime(kForward, limits);
  EXPECT_EQ(tree.root.children.at(1).type, "application");  // message/rfc822 made opaque
  EXPECT_TRUE(tree.root.children.at(1).children.empty());
}

}  // namespace
}  // namespace mailsuite::mail

namespace mailsuite::mail {
namespace {

// RFC 9051 7.5.2: an IMAP4rev2 server should show parameters RFC 2231-decoded.
TEST(MimeRenderTest, Rfc2231ParametersDecodedOnRequest) {
  const std::string m =
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
      "Content-Type: application/pdf; name*0*=iso-8859-1''caf%E9;\r\n name*1=\".pdf\"\r\n"
      "Content-Disposition: attachment; filename*=UTF-8''%C3%A9t%C3%A9.pdf\r\n\r\nx\r\n--b--\r\n";
  MimeTree tree = ParseMime(m);
  std::string raw = RenderBodyStructure(tree.root, true);
  EXPECT_NE(raw.find("(\"NAME*0*\" \"iso-8859-1''caf%E9\" \"NAME*1\" \".pdf\")"), std::string::npos)
      << raw;
  std::string decoded = RenderBodyStructure(tree.root, true, true);
  EXPECT_NE(decoded.find("(\"NAME\" {9}\r\ncaf\xc3\xa9.pdf)"), std::string::npos) << decoded;
  EXPECT_NE(decoded.find("(\"FILENAME\" {9}\r\n\xc3\xa9t\xc3\xa9.pdf)"), std::string::npos)
      << decoded;
}

}  // namespace
}  // namespace mailsuite::mail
