// Literal framing (RFC 9051 4.3, RFC 7888): what the session reads next, what it answers, and
// what a refused command leaves unread.
#include "parser/command_framer.h"

#include <gtest/gtest.h>

namespace mailsuite::imapd {
namespace {

using Kind = FramerStep::Kind;

constexpr FramingLimits kLimits{100, 150, 3};

void ExpectStep(const FramerStep& step, Kind kind, uint64_t size, const std::string& reply) {
  EXPECT_EQ(step.kind, kind);
  EXPECT_EQ(step.size, size);
  EXPECT_EQ(step.reply, reply);
}

TEST(CommandFramerTest, ALineWithoutLiteralIsACommand) {
  CommandFramer f(kLimits);
  ExpectStep(f.Line("a1 NOOP"), Kind::kDone, 0, "");
  RawCommand raw = f.Take();
  EXPECT_EQ(raw.lines, (std::vector<std::string>{"a1 NOOP"}));
  EXPECT_TRUE(raw.literals.empty());
}

TEST(CommandFramerTest, ASynchronizingLiteralIsAskedForWithAPlus) {
  CommandFramer f(kLimits);
  ExpectStep(f.Line("a1 LOGIN {4}"), Kind::kReadLiteral, 4, "+ Ready for literal data");
  ExpectStep(f.Literal("fred"), Kind::kReadLine, 0, "");
  ExpectStep(f.Line(" ~{3+}"), Kind::kReadLiteral, 3, "");  // LITERAL+, literal8: no "+"
  ExpectStep(f.Literal(std::string("p\0w", 3)), Kind::kReadLine, 0, "");
  ExpectStep(f.Line(""), Kind::kDone, 0, "");
  RawCommand raw = f.Take();
  EXPECT_EQ(raw.lines, (std::vector<std::string>{"a1 LOGIN {4}", " ~{3+}", ""}));
  EXPECT_EQ(raw.literals, (std::vector<std::string>{"fred", std::string("p\0w", 3)}));
}

TEST(CommandFramerTest, AnOversizedSynchronizingLiteralIsRefusedBeforeItsBytes) {
  CommandFramer append(kLimits);
  ExpectStep(append.Line("a2 append INBOX {101}"), Kind::kRefused, 0,
             "a2 NO [TOOBIG] Message too large (APPENDLIMIT=100)");
  CommandFramer login(kLimits);
  ExpectStep(login.Line("a3 LOGIN {101}"), Kind::kRefused, 0, "a3 NO [TOOBIG] Literal too large");
}

// RFC 7888 4: the bytes of a LITERAL+ are sent anyway; they are drained, never run, and so are
// the LITERAL+ literals of the lines that follow, until the command's last line.
TEST(CommandFramerTest, AnOversizedNonSynchronizingLiteralIsDrained) {
  CommandFramer f(kLimits);
  ExpectStep(f.Line("a4 APPEND INBOX {500+}"), Kind::kSkipLiteral, 500,
             "a4 BAD [TOOBIG] Literal too large");
  ExpectStep(f.Skipped(), Kind::kReadLine, 0, "");
  ExpectStep(f.Line(" {7+}"), Kind::kSkipLiteral, 7, "");
  ExpectStep(f.Skipped(), Kind::kReadLine, 0, "");
  ExpectStep(f.Line(" a5 LOGOUT"), Kind::kRefused, 0, "");  // answered already
  EXPECT_EQ(f.Take().lines, (std::vector<std::string>{"a4 APPEND INBOX {500+}"}));
}

TEST(CommandFramerTest, ASynchronizingLiteralWhileDrainingEndsTheCommand) {
  CommandFramer f(kLimits);
  ExpectStep(f.Line("a4 X {500+}"), Kind::kSkipLiteral, 500, "a4 BAD [TOOBIG] Literal too large");
  ExpectStep(f.Skipped(), Kind::kReadLine, 0, "");
  ExpectStep(f.Line(" {5}"), Kind::kRefused, 0, "");  // no "+": the client sends nothing
}

TEST(CommandFramerTest, AnAbsurdNonSynchronizingLiteralClosesTheConnection) {
  CommandFramer f(kLimits);
  ExpectStep(f.Line("a6 APPEND INBOX {2000000000000+}"), Kind::kClose, 0,
             "a6 BAD [TOOBIG] Literal too large");
}

TEST(CommandFramerTest, AllLiteralsOfOneCommandShareALimit) {
  CommandFramer f(kLimits);
  ExpectStep(f.Line("a7 X {100}"), Kind::kReadLiteral, 100, "+ Ready for literal data");
  ExpectStep(f.Literal(std::string(100, 'x')), Kind::kReadLine, 0, "");
  ExpectStep(f.Line(" {51}"), Kind::kRefused, 0, "a7 NO [TOOBIG] Literal too large");
}

TEST(CommandFramerTest, LiteralsPerCommandAreCounted) {
  CommandFramer f(kLimits);
  for (int i = 0; i < 3; ++i) {
    ExpectStep(f.Line("a8 X {1+}"), Kind::kReadLiteral, 1, "");
    ExpectStep(f.Literal("y"), Kind::kReadLine, 0, "");
  }
  ExpectStep(f.Line(" {1+}"), Kind::kSkipLiteral, 1, "a8 BAD [TOOBIG] Literal too large");
  // Draining is bounded too: a peer that keeps announcing literals is cut off.
  ExpectStep(f.Skipped(), Kind::kReadLine, 0, "");
  ExpectStep(f.Line(" {1+}"), Kind::kSkipLiteral, 1, "");
  ExpectStep(f.Skipped(), Kind::kReadLine, 0, "");
  ExpectStep(f.Line(" {1+}"), Kind::kSkipLiteral, 1, "");
  ExpectStep(f.Skipped(), Kind::kReadLine, 0, "");
  ExpectStep(f.Line(" {1+}"), Kind::kSkipLiteral, 1, "");
  ExpectStep(f.Skipped(), Kind::kClose, 0, "");
}

TEST(CommandFramerTest, ATooLongLineIsRefusedWithTheTagWhenKnown) {
  CommandFramer first(kLimits);
  ExpectStep(first.LineTooLong(), Kind::kRefused, 0, "* BAD Command line too long");
  CommandFramer later(kLimits);
  ExpectStep(later.Line("a9 LOGIN {2}"), Kind::kReadLiteral, 2, "+ Ready for literal data");
  ExpectStep(later.Literal("ab"), Kind::kReadLine, 0, "");
  ExpectStep(later.LineTooLong(), Kind::kRefused, 0, "a9 BAD Command line too long");
}

// SECURITY.md 5: a LITERAL+ marker at the end of a dropped line still announces octets that are
// on their way; they are drained, never read as commands.
TEST(CommandFramerTest, ATooLongLineEndingInLiteralPlusDrainsTheLiteral) {
  CommandFramer f(kLimits);
  ExpectStep(f.LineTooLong("NOOP aaaa {12+}"), Kind::kSkipLiteral, 12,
             "* BAD Command line too long");
  ExpectStep(f.Skipped(), Kind::kReadLine, 0, "");
  ExpectStep(f.Line(""), Kind::kRefused, 0, "");
  CommandFramer sync(kLimits);  // a synchronizing literal never comes without its "+"
  ExpectStep(sync.LineTooLong("NOOP {12}"), Kind::kRefused, 0, "* BAD Command line too long");
  CommandFramer huge(kLimits);
  ExpectStep(huge.LineTooLong("NOOP {99999999999999+}"), Kind::kClose, 0,
             "* BAD Command line too long");
}

}  // namespace
}  // namespace mailsuite::imapd
