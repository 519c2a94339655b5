// The milter protocol's packets (libmilter's mfdef.h) and the message changes a filter makes.
#include "milter/milter_protocol.h"

#include <gtest/gtest.h>

#include "milter/message_edits.h"
#include "milter/milter_chain.h"

namespace mailsuite::mta::milter {
namespace {

using namespace std::string_literals;

Packet Make(char command, std::string data) { return Packet{command, std::move(data)}; }

TEST(MilterProtocol, PacketsAreLengthCommandData) {
  EXPECT_EQ(EncodePacket('Q', ""), "\0\0\0\1Q"s);
  EXPECT_EQ(EncodeOptionNegotiation(action::kAll, step::kOffered),
            "\0\0\0\x0dO\0\0\0\x06\0\0\x01\xff\0\x1f\xf7\xff"s);
  EXPECT_EQ(EncodeMacros('M', {{"i", "q1"}, {"{auth_authen}", "bob"}}),
            "\0\0\0\x19"
            "DMi\0q1\0{auth_authen}\0bob\0"s);
  EXPECT_EQ(EncodeConnect("[192.0.2.1]", '4', 25, "192.0.2.1"),
            "\0\0\0\x1a"
            "C[192.0.2.1]\0"
            "4\0\x19"
            "192.0.2.1\0"s);
  EXPECT_EQ(EncodeConnect("localhost", 'U', 0, ""),
            "\0\0\0\x0c"
            "Clocalhost\0U"s);
  EXPECT_EQ(EncodeStrings('M', {"<a@b>", "SIZE=10"}), "\0\0\0\x0fM<a@b>\0SIZE=10\0"s);
  EXPECT_EQ(EncodeHeader("Subject", "hi"), "\0\0\0\x0cLSubject\0hi\0"s);
}

TEST(MilterProtocol, ReaderCutsPacketsAcrossReads) {
  PacketReader reader;
  Packet p;
  std::string bytes = EncodePacket('c', "") + EncodePacket('h', "X-A\0b\0"s);
  for (char c : bytes.substr(0, 7)) reader.Feed(std::string(1, c));
  ASSERT_EQ(reader.Next(&p), PacketReader::Outcome::kPacket);
  EXPECT_EQ(p.command, 'c');
  EXPECT_EQ(reader.Next(&p), PacketReader::Outcome::kNeedMore);
  reader.Feed(bytes.substr(7));
  ASSERT_EQ(reader.Next(&p), PacketReader::Outcome::kPacket);
  EXPECT_EQ(p.command, 'h');
  EXPECT_EQ(p.data, "X-A\0b\0"s);
  EXPECT_EQ(reader.Next(&p), PacketReader::Outcome::kNeedMore);
}

TEST(MilterProtocol, ReaderRefusesEmptyAndHugePackets) {
  PacketReader empty;
  Packet p;
  empty.Feed("\0\0\0\0"s);
  EXPECT_EQ(empty.Next(&p), PacketReader::Outcome::kMalformed);
  PacketReader huge;
  huge.Feed("\x7f\0\0\0"s);
  EXPECT_EQ(huge.Next(&p), PacketReader::Outcome::kMalformed);
}

TEST(MilterProtocol, NegotiationWithSymbolLists) {
  std::string data = "\0\0\0\x06\0\0\0\x03\0\0\0\x40"s;
  data +=
      "\0\0\0\x02"
      "{mail_addr} i\0"s;
  data +=
      "\0\0\0\x05"
      "i\0"s;
  auto n = ParseNegotiation(Make('O', data));
  ASSERT_TRUE(n.ok()) << n.error();
  EXPECT_EQ(n->version, 6u);
  EXPECT_EQ(n->actions, action::kAddHeaders | action::kChangeBody);
  EXPECT_EQ(n->steps, step::kNoEndOfHeaders);
  EXPECT_EQ(n->macros[Stage::kMail], (std::vector<std::string>{"{mail_addr}", "i"}));
  EXPECT_EQ(n->macros[Stage::kEndOfMessage], (std::vector<std::string>{"i"}));
  EXPECT_FALSE(ParseNegotiation(Make('O', "\0\0\0\x06\0\0"s)).ok());
  EXPECT_FALSE(ParseNegotiation(Make('O', "\0\0\0\x07\0\0\0\0\0\0\0\0"s)).ok()) << "version 7";
  EXPECT_FALSE(ParseNegotiation(Make('c', "\0\0\0\x06\0\0\0\0\0\0\0\0"s)).ok());
  EXPECT_FALSE(ParseNegotiation(Make('O', "\0\0\0\x06\0\0\0\0\0\0\0\0\0\0\0\x02i"s)).ok())
      << "a macro list without its NUL";
}

TEST(MilterProtocol, Verdicts) {
  using K = Reply::Kind;
  for (auto [c, kind] : std::vector<std::pair<char, K>>{{'c', K::kContinue},
                                                        {'a', K::kAccept},
                                                        {'r', K::kReject},
                                                        {'t', K::kTempfail},
                                                        {'d', K::kDiscard},
                                                        {'s', K::kSkip},
                                                        {'p', K::kProgress},
                                                        {'4', K::kShutdown}}) {
    auto r = ParseReply(Make(c, ""));
    ASSERT_TRUE(r.ok()) << c;
    EXPECT_EQ(r->kind, kind) << c;
  }
  EXPECT_FALSE(ParseReply(Make('Z', "")).ok());
  auto q = ParseReply(Make('q', "virus found\0"s));
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->kind, K::kQuarantine);
  EXPECT_EQ(q->text, "virus found");
}

TEST(MilterProtocol, ReplyCodes) {
  auto r = ParseReply(Make('y', "554 5.7.1 Gtube pattern\0"s));
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->code, 554);
  EXPECT_EQ(r->lines, (std::vector<std::string>{"554 5.7.1 Gtube pattern"}));
  r = ParseReply(Make('y', "450-4.7.1 first\r\n450 4.7.1 second\0"s));
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->lines, (std::vector<std::string>{"450 4.7.1 first", "450 4.7.1 second"}));
  EXPECT_EQ(WireLines(r->lines), (std::vector<std::string>{"450-4.7.1 first", "450 4.7.1 second"}));
  EXPECT_TRUE(ParseReply(Make('y', "550 5.7.1 a\tb\0"s)).ok()) << "a tab in the text";
  for (std::string bad : {"250 ok"s, "5x0 no"s, "550"s + "\x01"s, "550-a\r\n551 b"s, ""s, "55"s,
                          "550x"s, "550 a\nb"s})
    EXPECT_FALSE(ParseReply(Make('y', bad)).ok()) << bad;
  EXPECT_TRUE(ParseReply(Make('y', "550\0"s)).ok());
}

TEST(MilterProtocol, Changes) {
  using K = Reply::Kind;
  auto h = ParseReply(Make('h', "X-Spam\0Yes\0"s));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->kind, K::kAddHeader);
  EXPECT_EQ(h->name, "X-Spam");
  EXPECT_EQ(h->value, "Yes");
  auto i = ParseReply(Make('i', "\0\0\0\x02X-A\0v\0"s));
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(i->kind, K::kInsertHeader);
  EXPECT_EQ(i->index, 2u);
  auto m = ParseReply(Make('m', "\0\0\0\x01Subject\0\0"s));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->kind, K::kChangeHeader);
  EXPECT_EQ(m->value, "");
  auto add = ParseReply(Make('2', "<c@d>\0NOTIFY=NEVER\0"s));
  ASSERT_TRUE(add.ok());
  EXPECT_EQ(add->kind, K::kAddRecipient);
  EXPECT_EQ(add->address, "<c@d>");
  EXPECT_EQ(add->params, "NOTIFY=NEVER");
  EXPECT_TRUE(add->with_params);
  EXPECT_FALSE(ParseReply(Make('+', "<c@d>\0"s))->with_params);
  auto from = ParseReply(Make('e', "<>\0"s));
  ASSERT_TRUE(from.ok());
  EXPECT_EQ(from->kind, K::kChangeSender);
  EXPECT_EQ(ParseReply(Make('b', "new body\r\n"))->text, "new body\r\n");

  EXPECT_FALSE(ParseReply(Make('h', "X-A\0"s)).ok()) << "no value";
  EXPECT_FALSE(ParseReply(Make('h', "X A\0v\0"s)).ok()) << "space in a name";
  EXPECT_FALSE(ParseReply(Make('h', "X-A:\0v\0"s)).ok()) << "colon in a name";
  EXPECT_FALSE(ParseReply(Make('h', "X-A\0v\x01\0"s)).ok()) << "control character";
  EXPECT_FALSE(ParseReply(Make('i', "\0\0\0"s)).ok()) << "short index";
  EXPECT_FALSE(ParseReply(Make('i', "\0\0\0\0X-A\0"s)).ok()) << "index, name, no value";
  EXPECT_FALSE(ParseReply(Make('+', "\0"s)).ok()) << "empty address";
  EXPECT_FALSE(ParseReply(Make('+', "<a@b>"s)).ok()) << "no NUL";
  EXPECT_FALSE(ParseReply(Make('-', "<a@b>\0X=1\0"s)).ok()) << "delete takes no arguments";
  EXPECT_TRUE(IsModification(K::kQuarantine));
  EXPECT_FALSE(IsModification(K::kAccept));
}

const std::string kMessage =
    "Received: from x\r\n\tby y\r\nSubject: hello\r\nX-Tag: one\r\nx-tag: two\r\n\r\nBody\r\n";

TEST(MilterEdits, SplitGivesFieldsAsFiltersSeeThem) {
  SplitMessage s = SplitForFilter(kMessage, false);
  ASSERT_EQ(s.fields.size(), 4u);
  EXPECT_EQ(s.fields[0].name, "Received");
  EXPECT_EQ(s.fields[0].value, "from x\n\tby y");
  EXPECT_EQ(s.fields[1].value, "hello");
  EXPECT_EQ(s.body, "Body\r\n");
  EXPECT_EQ(SplitForFilter(kMessage, true).fields[1].value, " hello");
}

Reply Change(Reply::Kind kind, std::string name, std::string value, uint32_t index = 0) {
  Reply r;
  r.kind = kind;
  r.name = std::move(name);
  r.value = std::move(value);
  r.index = index;
  return r;
}

TEST(MilterEdits, HeaderChanges) {
  using K = Reply::Kind;
  EXPECT_EQ(ApplyContentChanges(kMessage, {Change(K::kAddHeader, "X-Spam", "Yes")}, false),
            "Received: from x\r\n\tby y\r\nSubject: hello\r\nX-Tag: one\r\nx-tag: two\r\n"
            "X-Spam: Yes\r\n\r\nBody\r\n");
  EXPECT_EQ(ApplyContentChanges(kMessage, {Change(K::kInsertHeader, "X-First", "a\nb", 0)}, false)
                .substr(0, 20),
            "X-First: a\r\n b\r\nRece");
  EXPECT_EQ(ApplyContentChanges(kMessage, {Change(K::kInsertHeader, "X-Last", "z", 99)}, false),
            "Received: from x\r\n\tby y\r\nSubject: hello\r\nX-Tag: one\r\nx-tag: two\r\n"
            "X-Last: z\r\n\r\nBody\r\n");
  // Index 2 of X-Tag is the second, whatever its case; an empty value deletes.
  EXPECT_EQ(ApplyContentChanges(kMessage, {Change(K::kChangeHeader, "X-Tag", "", 2)}, false),
            "Received: from x\r\n\tby y\r\nSubject: hello\r\nX-Tag: one\r\n\r\nBody\r\n");
  EXPECT_EQ(
      ApplyContentChanges(kMessage, {Change(K::kChangeHeader, "subject", "bye", 1)}, false),
      "Received: from x\r\n\tby y\r\nsubject: bye\r\nX-Tag: one\r\nx-tag: two\r\n\r\nBody\r\n");
  // Past the last one: added (libmilter's smfi_chgheader).
  EXPECT_EQ(ApplyContentChanges(kMessage, {Change(K::kChangeHeader, "X-Tag", "three", 3)}, false),
            "Received: from x\r\n\tby y\r\nSubject: hello\r\nX-Tag: one\r\nx-tag: two\r\n"
            "X-Tag: three\r\n\r\nBody\r\n");
  // With SMFIP_HDR_LEADSPC the filter gives the space itself.
  EXPECT_EQ(ApplyContentChanges("A: b\r\n\r\n", {Change(K::kAddHeader, "X", " y")}, true),
            "A: b\r\nX: y\r\n\r\n");
}

TEST(MilterEdits, BodyReplacedInChunksWithCrlf) {
  Reply a, b;
  a.kind = b.kind = Reply::Kind::kReplaceBody;
  a.text = "one\nt";
  b.text = "wo\r\n";
  EXPECT_EQ(ApplyContentChanges(kMessage, {a, b}, false),
            "Received: from x\r\n\tby y\r\nSubject: hello\r\nX-Tag: one\r\nx-tag: two\r\n\r\n"
            "one\r\ntwo\r\n");
  Reply empty;
  empty.kind = Reply::Kind::kReplaceBody;
  EXPECT_EQ(ApplyContentChanges("A: b\r\n\r\nold\r\n", {empty}, false), "A: b\r\n\r\n");
}

TEST(MilterEdits, ALineThatIsNoFieldStartsTheBody) {
  // As Postfix's MIME scanner reads it: a header section ends at its first line that is no
  // field, and what a filter is sent has no field without a name.
  const std::string odd = "Subject: s\r\nnot a field\r\nX: 1\r\n\r\nbody\r\n";
  SplitMessage split = SplitForFilter(odd, false);
  ASSERT_EQ(split.fields.size(), 1u);
  EXPECT_EQ(split.fields[0].name, "Subject");
  EXPECT_EQ(split.body, "not a field\r\nX: 1\r\n\r\nbody\r\n");
  EXPECT_EQ(ApplyContentChanges(odd, {Change(Reply::Kind::kAddHeader, "X-Spam", "Yes")}, false),
            "Subject: s\r\nX-Spam: Yes\r\nnot a field\r\nX: 1\r\n\r\nbody\r\n");
  EXPECT_EQ(SplitForFilter("Obsolete : spacing\r\n\r\n", false).fields[0].name, "Obsolete");
}

TEST(MilterEdits, NoEditsLeaveTheMessageAsItWas) {
  const std::string odd = "A: b\nweird\r\n\r\n\r\nx";
  Reply envelope_only;
  envelope_only.kind = Reply::Kind::kAddRecipient;
  envelope_only.address = "<a@b>";
  EXPECT_EQ(ApplyContentChanges(odd, {envelope_only}, false), odd);
}

TEST(MilterEdits, MessageThatIsAllHeader) {
  EXPECT_EQ(ApplyContentChanges("A: b", {Change(Reply::Kind::kAddHeader, "X", "y")}, false),
            "A: b\r\nX: y\r\n\r\n");
}

}  // namespace
}  // namespace mailsuite::mta::milter
