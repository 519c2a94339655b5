// ENVELOPE, BODY and BODYSTRUCTURE strings, checked against RFC 3501 7.4.2's examples and the
// shape well-known servers (Dovecot, Cyrus) send.
#include <gtest/gtest.h>

#include <string>

#include "shared/mail/mime.h"

namespace mailsuite::mail {
namespace {

std::string Envelope(const std::string& msg) {
  return RenderEnvelope(*ParseMime(msg).root.envelope);
}
std::string BodyStructure(const std::string& msg) {
  return RenderBodyStructure(ParseMime(msg).root, true);
}
std::string Body(const std::string& msg) { return RenderBodyStructure(ParseMime(msg).root, false); }

TEST(MimeRenderTest, Rfc3501Example) {
  std::string msg =
      "Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\r\n"
      "From: Terry Gray <gray@cac.washington.edu>\r\n"
      "Subject: IMAP4rev1 WG mtg summary and minutes\r\n"
      "To: imap@cac.washington.edu\r\n"
      "cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>\r\n"
      "Message-Id: <B27397-0100000@cac.washington.edu>\r\n"
      "\r\n";
  for (int i = 0; i < 91; ++i) msg += std::string(30, 'x') + "\r\n";
  msg += std::string(114, 'x') + "\r\n";  // 3028 octets of body in 92 lines
  EXPECT_EQ(Envelope(msg),
            "(\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" "
            "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
            "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
            "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
            "((NIL NIL \"imap\" \"cac.washington.edu\")) "
            "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")"
            "(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL "
            "\"<B27397-0100000@cac.washington.edu>\")");
  EXPECT_EQ(Body(msg), "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92)");
  EXPECT_EQ(BodyStructure(msg),
            "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92 NIL NIL NIL "
            "NIL)");
}

TEST(MimeRenderTest, Rfc3501MultipartExample) {
  std::string part1;
  for (int i = 0; i < 22; ++i) part1 += std::string(50, 't') + "\r\n";
  part1 += std::string(8, 't');  // 1152 octets, 23 lines
  std::string part2;
  for (int i = 0; i < 72; ++i) part2 += std::string(61, 'B') + "\r\n";
  part2 += std::string(18, 'B');  // 4554 octets, 73 lines
  std::string msg =
      "MIME-Version: 1.0\r\nContent-Type: MULTIPART/MIXED; BOUNDARY=\"--x--\"\r\n\r\n"
      "----x--\r\n\r\n" +
      part1 +
      "\r\n----x--\r\n"
      "Content-Type: TEXT/PLAIN; charset=US-ASCII; name=cc.diff\r\n"
      "Content-ID: <960723163407.20117h@cac.washington.edu>\r\n"
      "Content-Description: Compiled diff\r\n"
      "Content-Transfer-Encoding: BASE64\r\n\r\n" +
      part2 + "\r\n----x----\r\n";
  EXPECT_EQ(Body(msg),
            "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 1152 23)"
            "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"NAME\" \"cc.diff\") "
            "\"<960723163407.20117h@cac.washington.edu>\" \"Compiled diff\" \"BASE64\" 4554 73) "
            "\"MIXED\")");
}

TEST(MimeRenderTest, MultipartAlternative) {
  std::string msg =
      "Content-Type: multipart/alternative; boundary=\"XYZ\"\r\n\r\n"
      "--XYZ\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nplain body\r\n"
      "--XYZ\r\nContent-Type: text/html; charset=\"utf-8\"\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n\r\n<p>html</p>\r\n"
      "--XYZ--\r\n";
  EXPECT_EQ(BodyStructure(msg),
            "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 10 1 NIL NIL NIL NIL)"
            "(\"TEXT\" \"HTML\" (\"CHARSET\" \"utf-8\") NIL NIL \"QUOTED-PRINTABLE\" 11 1 NIL NIL "
            "NIL NIL) \"ALTERNATIVE\" (\"BOUNDARY\" \"XYZ\") NIL NIL NIL)");
  EXPECT_EQ(Body(msg),
            "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 10 1)"
            "(\"TEXT\" \"HTML\" (\"CHARSET\" \"utf-8\") NIL NIL \"QUOTED-PRINTABLE\" 11 1) "
            "\"ALTERNATIVE\")");
}

TEST(MimeRenderTest, MixedWithAttachment) {
  std::string msg =
      "Content-Type: multipart/mixed; boundary=outer\r\n"
      "Content-Language: en\r\n\r\n"
      "--outer\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
      "--outer\r\n"
      "Content-Type: application/pdf; name=\"report.pdf\"\r\n"
      "Content-Transfer-Encoding: base64\r\n"
      "Content-Disposition: attachment; filename=\"report.pdf\"; size=12\r\n"
      "Content-ID: <part2@example.com>\r\n"
      "Content-Description: The \"report\"\r\n"
      "Content-Language: en, de\r\n"
      "Content-Location: http://example.com/r.pdf\r\n"
      "Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\r\n\r\n"
      "JVBERi0xLjQK\r\nJVBERi0xLjQK\r\n"
      "--outer--\r\n";
  EXPECT_EQ(BodyStructure(msg),
            "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 13 1 NIL NIL NIL NIL)"
            "(\"APPLICATION\" \"PDF\" (\"NAME\" \"report.pdf\") \"<part2@example.com>\" "
            "\"The \\\"report\\\"\" \"BASE64\" 26 \"Q2hlY2sgSW50ZWdyaXR5IQ==\" "
            "(\"ATTACHMENT\" (\"FILENAME\" \"report.pdf\" \"SIZE\" \"12\")) (\"en\" \"de\") "
            "\"http://example.com/r.pdf\") \"MIXED\" (\"BOUNDARY\" \"outer\") NIL (\"en\") NIL)");
  EXPECT_EQ(Body(msg),
            "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 13 1)"
            "(\"APPLICATION\" \"PDF\" (\"NAME\" \"report.pdf\") \"<part2@example.com>\" "
            "\"The \\\"report\\\"\" \"BASE64\" 26) \"MIXED\")");
}

TEST(MimeRenderTest, InlineDispositionWithoutParams) {
  std::string msg = "Content-Disposition: inline\r\nContent-Type: image/gif\r\n\r\nGIF";
  EXPECT_EQ(BodyStructure(msg),
            "(\"IMAGE\" \"GIF\" NIL NIL NIL \"7BIT\" 3 NIL (\"INLINE\" NIL) NIL NIL)");
}

TEST(MimeRenderTest, ForwardedMessage) {
  std::string inner =
      "From: Orig <orig@example.org>\r\n"
      "To: x@example.com\r\n"
      "Subject: hi\r\n"
      "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
      "Message-ID: <orig@example.org>\r\n"
      "\r\n"
      "original text\r\n"
      "line 2";
  std::string msg =
      "From: Fwd <fwd@example.com>\r\nSubject: Fwd: hi\r\n"
      "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
      "--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nsee below\r\n"
      "--b1\r\nContent-Type: message/rfc822\r\n\r\n" +
      inner + "\r\n--b1--\r\n";
  std::string envelope =
      "(\"Mon, 1 Jan 2024 00:00:00 +0000\" \"hi\" ((\"Orig\" NIL \"orig\" \"example.org\")) "
      "((\"Orig\" NIL \"orig\" \"example.org\")) ((\"Orig\" NIL \"orig\" \"example.org\")) "
      "((NIL NIL \"x\" \"example.com\")) NIL NIL NIL \"<orig@example.org>\")";
  std::string size = std::to_string(inner.size());
  EXPECT_EQ(BodyStructure(msg),
            "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 9 1 NIL NIL NIL NIL)"
            "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" " +
                size + " " + envelope +
                " (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 21 2 NIL NIL "
                "NIL NIL) 8 NIL NIL NIL NIL) \"MIXED\" (\"BOUNDARY\" \"b1\") NIL NIL NIL)");
  EXPECT_EQ(Body(msg),
            "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 9 1)"
            "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" " +
                size + " " + envelope +
                " (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 21 2) 8) "
                "\"MIXED\")");
}

TEST(MimeRenderTest, MissingFieldsAreNil) {
  EXPECT_EQ(Envelope("X-Other: 1\r\n\r\nbody"), "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
  EXPECT_EQ(Envelope(""), "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
  // Present but empty: "" for strings (RFC 3501 7.4.2), NIL for an address list.
  EXPECT_EQ(Envelope("Subject:\r\nFrom:\r\n\r\n"), "(NIL \"\" NIL NIL NIL NIL NIL NIL NIL NIL)");
}

// The obs-route of RFC 5322 4.4 is the address's adl (RFC 3501 7.4.2), kept through the store's
// serialised form.
TEST(MimeRenderTest, SourceRouteIsTheAdl) {
  std::string msg =
      "Date: Thu, 15 Feb 2007 01:02:03 +0200\r\nFrom: <@route:user@domain>\r\n"
      "To: Joe <@a.example,@b.example:joe@c.example>, plain@d.example\r\n\r\n";
  std::string expected =
      "(\"Thu, 15 Feb 2007 01:02:03 +0200\" NIL ((NIL \"@route\" \"user\" \"domain\")) "
      "((NIL \"@route\" \"user\" \"domain\")) ((NIL \"@route\" \"user\" \"domain\")) "
      "((\"Joe\" \"@a.example,@b.example\" \"joe\" \"c.example\")"
      "(NIL NIL \"plain\" \"d.example\")) NIL NIL NIL NIL)";
  EXPECT_EQ(Envelope(msg), expected);
  Result<MimeTree> back = DeserializeMimeTree(SerializeMimeTree(ParseMime(msg)));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(RenderEnvelope(*back->root.envelope), expected);
}

TEST(MimeRenderTest, SenderAndReplyToDefaultToFrom) {
  std::string msg =
      "From: a@example.com\r\nSender: s@example.com\r\nReply-To:\r\nIn-Reply-To: <x@y>\r\n\r\n";
  EXPECT_EQ(Envelope(msg),
            "(NIL NIL ((NIL NIL \"a\" \"example.com\")) ((NIL NIL \"s\" \"example.com\")) "
            "((NIL NIL \"a\" \"example.com\")) NIL NIL NIL \"<x@y>\" NIL)");
}

TEST(MimeRenderTest, EncodedWordsStayRawAndEightBitBecomesLiteral) {
  std::string msg =
      "Subject: =?UTF-8?B?w6TDtsO8?=\r\n"
      "From: =?iso-8859-1?Q?J=F6rg?= <joerg@example.de>\r\n"
      "To: \"Gr\xC3\xBC\xC3\x9F"
      "e\" <g@example.de>\r\n\r\n";
  EXPECT_EQ(Envelope(msg),
            "(NIL \"=?UTF-8?B?w6TDtsO8?=\" ((\"=?iso-8859-1?Q?J=F6rg?=\" NIL \"joerg\" "
            "\"example.de\")) ((\"=?iso-8859-1?Q?J=F6rg?=\" NIL \"joerg\" \"example.de\")) "
            "((\"=?iso-8859-1?Q?J=F6rg?=\" NIL \"joerg\" \"example.de\")) "
            "(({7}\r\nGr\xC3\xBC\xC3\x9F"
            "e NIL \"g\" \"example.de\")) NIL NIL NIL NIL)");
  std::string long_subject = "Subject: " + std::string(1200, 's') + "\r\n\r\n";
  EXPECT_EQ(Envelope(long_subject).substr(0, 15), "(NIL {1200}\r\nss");
}

TEST(MimeRenderTest, AddressSyntax) {
  std::string msg =
      "From: \"A \\\"quoted\\\" name\" <a@b.example>\r\n"
      "To: undisclosed-recipients:;\r\n"
      "Cc: Team: \"Doe, John\" <john@x.org>,\r\n"
      " jane@x.org (Jane Roe);, John Q. Public <jqp@y.org>\r\n"
      "Bcc: <@route.example,@r2.example:user@host.example>, nodomain, [bad, <>\r\n\r\n";
  EXPECT_EQ(
      Envelope(msg),
      "(NIL NIL ((\"A \\\"quoted\\\" name\" NIL \"a\" \"b.example\")) "
      "((\"A \\\"quoted\\\" name\" NIL \"a\" \"b.example\")) "
      "((\"A \\\"quoted\\\" name\" NIL \"a\" \"b.example\")) "
      "((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) "
      "((NIL NIL \"Team\" NIL)(\"Doe, John\" NIL \"john\" \"x.org\")"
      "(\"Jane Roe\" NIL \"jane\" \"x.org\")(NIL NIL NIL NIL)"
      "(\"John Q. Public\" NIL \"jqp\" \"y.org\")) "
      "((NIL \"@route.example,@r2.example\" \"user\" \"host.example\")(NIL NIL \"nodomain\" \"\")"
      "(NIL NIL \"[bad, <>]\" \"\")) NIL NIL)");
}

TEST(MimeRenderTest, UnterminatedGroupAndComments) {
  EXPECT_EQ(RenderEnvelope(*ParseMime("To: g: a@b, (c) <c@d>\r\n\r\n").root.envelope),
            "(NIL NIL NIL NIL NIL ((NIL NIL \"g\" NIL)(NIL NIL \"a\" \"b\")(\"c\" NIL \"c\" \"d\")"
            "(NIL NIL NIL NIL)) NIL NIL NIL NIL)");
}

}  // namespace
}  // namespace mailsuite::mail
