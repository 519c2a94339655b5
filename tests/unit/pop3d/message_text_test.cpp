// Dot-stuffing, line ends and TOP extraction (RFC 1939 3, 7).
#include "pop3/message_text.h"

#include <gtest/gtest.h>

#include <random>

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

// The text fed to DotStuffer in pieces cut at `cuts`.
std::string StuffedInPieces(std::string_view text, const std::vector<size_t>& cuts) {
  DotStuffer stuffer;
  std::string out;
  size_t from = 0;
  for (size_t cut : cuts) {
    stuffer.Append(text.substr(from, cut - from), out);
    from = cut;
  }
  stuffer.Append(text.substr(from), out);
  stuffer.Finish(out);
  return out;
}

// What a streamed RETR sends must not depend on where the chunks end: a "." at the start of a
// piece that is or is not a line start, a CRLF split between two pieces, a bare CR at a piece
// end, empty pieces.
TEST(Pop3MessageText, DotStuffingIsTheSameAcrossEveryChunkEdge) {
  const std::string texts[] = {"a\r\n.\r\nb\r\n",
                               "..x\r\n.\r\n",
                               ".",
                               "\r\n.",
                               "x\r\n.\r\n..\r\n",
                               "x\ry\r\n.z\r.\n",
                               "bare\nlf\n.dot\n",
                               "end\r",
                               "\r\r\n.\r\r\n",
                               "Subject: s\r\n\r\n.one\r\ntwo\r\n..three\r\n.\r\n"};
  for (const std::string& text : texts) {
    const std::string whole = Multiline(text);
    for (size_t a = 0; a <= text.size(); ++a) {
      EXPECT_EQ(StuffedInPieces(text, {a}), whole) << text << " cut at " << a;
      for (size_t b = a; b <= text.size(); ++b)
        EXPECT_EQ(StuffedInPieces(text, {a, a, b}), whole) << text << " cut at " << a << "," << b;
    }
  }
}

TEST(Pop3MessageText, DotStuffingOfRandomTextInRandomPieces) {
  std::mt19937 rng(1939);
  const char alphabet[] = {'.', '.', '\r', '\n', 'a', ' '};
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    for (int n = rng() % 40; n > 0; --n) text += alphabet[rng() % sizeof alphabet];
    std::vector<size_t> cuts;
    for (size_t pos = 0; pos < text.size(); pos += 1 + rng() % 4) cuts.push_back(pos);
    EXPECT_EQ(StuffedInPieces(text, cuts), Multiline(text)) << text;
  }
}

// TOP over a message fed in pieces gives TopText, and says when it no longer needs input.
std::string TopInPieces(std::string_view message, uint32_t lines, size_t piece, bool* done) {
  TopFilter top(lines);
  std::string out;
  for (size_t pos = 0; pos < message.size() && !top.done(); pos += piece)
    out.append(top.Take(message.substr(pos, piece)));
  if (!top.done()) out += top.Finish();
  *done = top.done();
  return out;
}

TEST(Pop3MessageText, TopIsTheSameAcrossEveryChunkEdge) {
  const std::string messages[] = {"From: a\r\nSubject: s\r\n\r\nline1\r\nline2\r\nline3\r\n",
                                  "From: a\r\nSubject: s\r\n",
                                  "From: a",
                                  "From: a\r\n\r\n",
                                  "H: v\r\n\r\na\r\nb",
                                  "",
                                  "\r\nbody\r\nmore\r\n",
                                  "H: v\n\nbare\nlf\n",
                                  "H: \r\r\n\r\nx\r\n"};
  for (const std::string& m : messages) {
    for (uint32_t lines : {0u, 1u, 2u, 5u}) {
      for (size_t piece = 1; piece <= m.size() + 1; ++piece) {
        bool done = false;
        EXPECT_EQ(TopInPieces(m, lines, piece, &done), TopText(m, lines))
            << m << " lines " << lines << " piece " << piece;
      }
    }
  }
}

TEST(Pop3MessageText, TopStopsReadingAfterItsLines) {
  std::string m = "Subject: s\r\n\r\n";
  for (int i = 0; i < 1000; ++i) m += "body line " + std::to_string(i) + "\r\n";
  TopFilter top(2);
  EXPECT_EQ(top.Take(std::string_view(m).substr(0, 10)), "Subject: s");
  EXPECT_FALSE(top.done());
  std::string_view rest = top.Take(std::string_view(m).substr(10, 4096));
  EXPECT_TRUE(top.done());
  EXPECT_EQ(std::string(m.substr(0, 10)) + std::string(rest),
            "Subject: s\r\n\r\nbody line 0\r\nbody line 1\r\n");
  EXPECT_EQ(top.Take("more"), "");
}

}  // namespace
}  // namespace mailsuite::pop3d
