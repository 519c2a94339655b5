// Dot-stuffing, line ends and TOP extraction (RFC 1939 3, 7).
#include "pop3/message_text.h"

#include <gtest/gtest.h>

namespace mailsuite::pop3d {
namespace {

std::string Multiline(std::string_view text) {
  std::string out;
  AppendMultiline(out, text);
  return out;
}

TEST(Pop3MessageText, DotStuffsAndTerminates) {
  struct Case {
    const char* text;
    const char* wire;
  };
  const Case cases[] = {
      {"", ".\r\n"},
      {"a\r\n", "a\r\n.\r\n"},
      {".\r\n", "..\r\n.\r\n"},
      {"a\r\n.\r\nb\r\n", "a\r\n..\r\nb\r\n.\r\n"},
      {"..x\r\n", "...x\r\n.\r\n"},
      {"a.b\r\n .c\r\n", "a.b\r\n .c\r\n.\r\n"},
      {"no end", "no end\r\n.\r\n"},
      {".no end", "..no end\r\n.\r\n"},
      {"bare\nlf\n", "bare\r\nlf\r\n.\r\n"},
      {"\r\n\r\n", "\r\n\r\n.\r\n"},
      {"x\ry\r\n", "x\ry\r\n.\r\n"},  // a bare CR inside a line stays
  };
  for (const Case& c : cases) EXPECT_EQ(Multiline(c.text), c.wire) << c.text;
}

TEST(Pop3MessageText, CrlfTextKeepsItsSizeBeforeStuffing) {
  std::string text = "Subject: s\r\n\r\n.one\r\ntwo\r\n..three\r\n";
  std::string wire = Multiline(text);
  // Undo the stuffing the way a client does and compare octet for octet.
  std::string back;
  size_t pos = 0;
  while (pos < wire.size()) {
    size_t e = wire.find("\r\n", pos) + 2;
    std::string line = wire.substr(pos, e - pos);
    pos = e;
    if (line == ".\r\n") break;
    back += line[0] == '.' ? line.substr(1) : line;
  }
  EXPECT_EQ(back, text);
  EXPECT_EQ(pos, wire.size());
}

TEST(Pop3MessageText, TopEdgeCases) {
  const std::string m = "From: a\r\nSubject: s\r\n\r\nline1\r\nline2\r\nline3\r\n";
  EXPECT_EQ(TopText(m, 0), "From: a\r\nSubject: s\r\n\r\n");
  EXPECT_EQ(TopText(m, 1), "From: a\r\nSubject: s\r\n\r\nline1\r\n");
  EXPECT_EQ(TopText(m, 3), m);
  EXPECT_EQ(TopText(m, 4), m);  // beyond the body: the whole message
  EXPECT_EQ(TopText(m, 999999999), m);
  // No body at all: the header and an added blank line.
  EXPECT_EQ(TopText("From: a\r\nSubject: s\r\n", 5), "From: a\r\nSubject: s\r\n\r\n");
  EXPECT_EQ(TopText("From: a", 0), "From: a\r\n\r\n");
  // An empty body after the blank line.
  EXPECT_EQ(TopText("From: a\r\n\r\n", 2), "From: a\r\n\r\n");
  // A last body line without CRLF still counts as a line.
  EXPECT_EQ(TopText("H: v\r\n\r\na\r\nb", 2), "H: v\r\n\r\na\r\nb");
  EXPECT_EQ(TopText("", 3), "");
  // A message that starts with the blank line has an empty header.
  EXPECT_EQ(TopText("\r\nbody\r\nmore\r\n", 1), "\r\nbody\r\n");
}

}  // namespace
}  // namespace mailsuite::pop3d
