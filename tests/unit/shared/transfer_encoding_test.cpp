// Content-Transfer-Encoding, the base64 rewrite of binary parts and header/charset decoding
// (shared/mail).
#include "shared/mail/transfer_encoding.h"

#include <gtest/gtest.h>

#include "shared/mail/binary_parts.h"
#include "shared/mail/mime.h"
#include "shared/mail/text_decode.h"

namespace mailsuite::mail {
namespace {

TEST(TransferEncodingTest, Base64IsLenient) {
  EXPECT_EQ(DecodeTransferEncoding("base64", "aGVsbG8gd29ybGQ="), "hello world");
  // Whitespace and line breaks anywhere, stray characters skipped (imaptest's
  // fetch-binary-mime-base64 has both), missing padding tolerated.
  EXPECT_EQ(DecodeTransferEncoding("base64", "  aGVs    \r\n bG8g  \r\n   d29y \t\r\nbGQ= \r\n"),
            "hello world");
  EXPECT_EQ(DecodeTransferEncoding("base64", "aGVs!bG8"), "hello");
  EXPECT_EQ(DecodeTransferEncoding("base64", "aGVsbG8"), "hello");
  EXPECT_EQ(DecodeTransferEncoding("base64", "AAEC/w=="), std::string("\0\1\2\xff", 4));
  EXPECT_EQ(DecodeTransferEncoding("base64", ""), "");
}

TEST(TransferEncodingTest, QuotedPrintableRfc2045Rules) {
  // Rule 3: trailing whitespace goes; "=" ends a soft break, also with whitespace after it.
  EXPECT_EQ(DecodeQuotedPrintable("hello  \r\nbar=\r\n\r\nfoo\t=\r\nbar\r\nfoo\t \t= \r\n=62\r\n"),
            "hello\r\nbar\r\nfoo\tbar\r\nfoo\t \tb\r\n");
  EXPECT_EQ(DecodeQuotedPrintable("caf=C3=a9"), "caf\xc3\xa9");
  EXPECT_EQ(DecodeQuotedPrintable("a=ZZb=4"), "a=ZZb=4");  // no valid escape: kept
  EXPECT_EQ(DecodeQuotedPrintable("lf only\nline=\nx"), "lf only\r\nlinex");
}

TEST(TransferEncodingTest, IdentityAndUnknown) {
  EXPECT_EQ(DecodeTransferEncoding("8bit", "caf\xc3\xa9\r\n"), "caf\xc3\xa9\r\n");
  EXPECT_EQ(DecodeTransferEncoding("binary", std::string("\0x", 2)), std::string("\0x", 2));
  EXPECT_FALSE(DecodeTransferEncoding("x-uuencode", "begin"));
  EXPECT_TRUE(KnownTransferEncoding("quoted-printable"));
  EXPECT_FALSE(KnownTransferEncoding("x-uuencode"));
}

TEST(TransferEncodingTest, EncodeBase64Lines) {
  std::string lines = EncodeBase64Lines(std::string(100, '\0'));
  EXPECT_EQ(lines, std::string(76, 'A') + "\r\n" + std::string(58, 'A') + "==");
  EXPECT_EQ(DecodeTransferEncoding("base64", lines), std::string(100, '\0'));
}

TEST(TransferEncodingTest, EncodeBinaryPartsRewritesOnlyThoseParts) {
  const std::string bin = std::string("\0\1zz", 4);
  const std::string message =
      "Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\nplain text\r\n"
      "--b\r\nContent-Type: application/octet-stream\r\n"
      "Content-Transfer-Encoding: binary\r\n\r\n" +
      bin + "\r\n--b--\r\n";
  auto out = EncodeBinaryParts(message);
  ASSERT_TRUE(out);
  EXPECT_EQ(*out,
            "Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
            "--b\r\nContent-Type: text/plain\r\n\r\nplain text\r\n"
            "--b\r\nContent-Type: application/octet-stream\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\nAAF6eg==\r\n--b--\r\n");
  // The rewritten message parses to the same parts, and decodes back to the octets.
  MimeTree tree = ParseMime(*out);
  ASSERT_EQ(tree.root.children.size(), 2u);
  const MimePart& part = tree.root.children[1];
  EXPECT_EQ(part.encoding, "base64");
  EXPECT_EQ(DecodeTransferEncoding(part.encoding, out->substr(part.body_offset(), part.body_size)),
            bin);
  EXPECT_FALSE(EncodeBinaryParts("Subject: y\r\n\r\nno binary here\r\n"));
}

}  // namespace
}  // namespace mailsuite::mail

namespace mailsuite::mail {
namespace {

TEST(TextDecodeTest, EncodedWordsAndCharsets) {
  EXPECT_EQ(DecodeHeaderText("=?ISO-8859-1?Q?caf=E9?= au lait"), "caf\xc3\xa9 au lait");
  EXPECT_EQ(DecodeHeaderText("=?UTF-8?B?w6lsw6hwaGFudA==?="), "\xc3\xa9l\xc3\xa8phant");
  // Folded across lines (RFC 5322 2.2.3), and plain text untouched.
  EXPECT_EQ(DecodeHeaderText("Subject: =?utf-8?q?a?=\r\n =?utf-8?q?b?=\r\n"), "Subject: ab\r\n");
  EXPECT_EQ(DecodeHeaderText("no words here"), "no words here");
  EXPECT_EQ(CharsetToUtf8("na\xefve", "ISO-8859-1"), "na\xc3\xafve");
  EXPECT_EQ(CharsetToUtf8("\x80uro", "windows-1252"),
            "\xe2\x82\xac"
            "uro");
  EXPECT_EQ(CharsetToUtf8("as is", "x-unknown"), "as is");
  EXPECT_EQ(CharsetToUtf8("caf\xc3\xa9", "UTF-8"), "caf\xc3\xa9");
}

}  // namespace
}  // namespace mailsuite::mail

namespace mailsuite::mail {
namespace {

TEST(TransferEncodingTest, Base64RunsAndLineEnds) {
  // Two padded runs one after the other: both decode.
  EXPECT_EQ(DecodeTransferEncoding("base64", "YQ==\r\nYmM=\r\n"), "abc");
  // 57 octets make exactly one 76-character line: no CRLF after it.
  EXPECT_EQ(EncodeBase64Lines(std::string(57, 'x')).size(), 76u);
  EXPECT_EQ(EncodeBase64Lines(std::string(114, 'x')),
            std::string(EncodeBase64Lines(std::string(57, 'x'))) + "\r\n" +
                EncodeBase64Lines(std::string(57, 'x')));
}

TEST(BinaryPartsTest, SinglePartAndEnclosingBinary) {
  auto single = EncodeBinaryParts(std::string("Subject: s\r\n\r\n\0\0", 16));
  ASSERT_TRUE(single);
  EXPECT_EQ(*single, "Subject: s\r\nContent-Transfer-Encoding: base64\r\n\r\nAAA=");
  const std::string nested =
      "Subject: n\r\nContent-Type: multipart/mixed; boundary=q\r\n"
      "Content-Transfer-Encoding: binary\r\n\r\n"
      "--q\r\nContent-Type: text/plain\r\n\r\nhi\r\n--q--\r\n";
  auto out = EncodeBinaryParts(nested);
  ASSERT_TRUE(out);
  EXPECT_EQ(*out,
            "Subject: n\r\nContent-Type: multipart/mixed; boundary=q\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n"
            "--q\r\nContent-Type: text/plain\r\n\r\nhi\r\n--q--\r\n");
}

}  // namespace
}  // namespace mailsuite::mail
