// CONDSTORE and QRESYNC (RFC 7162): ENABLE, SELECT/EXAMINE parameters and HIGHESTMODSEQ,
// STATUS HIGHESTMODSEQ, FETCH MODSEQ / CHANGEDSINCE / VANISHED, STORE UNCHANGEDSINCE, SEARCH
// MODSEQ, MODSEQ in unsolicited FETCH, VANISHED instead of EXPUNGE, [CLOSED]. Exact lines.
#include "session_fixture.h"
#include "step_transport.h"

namespace mailsuite::imapd {
namespace {

const std::string kMsg = "From: carol@example.org\r\nSubject: s\r\n\r\nbody\r\n";

// The whole reply to the command tagged `tag`: its untagged lines and its tagged line.
std::vector<std::string> Reply(const std::vector<std::string>& r, const std::string& tag) {
  size_t end = 0;
  while (end < r.size() && r[end].rfind(tag + " ", 0) != 0) ++end;
  if (end == r.size()) return {"(no reply tagged " + tag + ")"};
  size_t begin = end;
  while (begin > 0 && (r[begin - 1].rfind("* ", 0) == 0 || r[begin - 1].rfind("+ ", 0) == 0))
    --begin;
  return std::vector<std::string>(r.begin() + static_cast<std::ptrdiff_t>(begin),
                                  r.begin() + static_cast<std::ptrdiff_t>(end) + 1);
}

using L = std::vector<std::string>;

class CondstoreTest : public ImapSessionTest {
 protected:
  // n messages in INBOX; a new mailbox starts at HIGHESTMODSEQ 1, so message k gets MODSEQ k+1.
  void DeliverMessages(int n) {
    for (int i = 0; i < n; ++i) Deliver(kMsg);
    auto m = Messages();
    ASSERT_EQ(m.front().modseq, 2u);
    ASSERT_EQ(m.back().modseq, static_cast<uint64_t>(n) + 1);
  }
  std::string Validity() {
    return std::to_string((*store_->GetMailbox(bob_, "INBOX"))->uid_validity);
  }
  void SetFlags(uint32_t uid, uint32_t flags) {
    store::Flags f;
    f.system = flags;
    ASSERT_TRUE(store_->UpdateFlags(BoxId(), {uid}, store::FlagOperation::kAdd, f).ok());
  }
  std::vector<std::string> TalkSteps(std::vector<StepTransport::Step> steps) {
    StepTransport t(std::move(steps));
    return Lines(TalkOver(t));
  }
};

TEST_F(CondstoreTest, EnableListsWhatItTurnedOn) {
  auto r =
      Talk(kLogin + "a ENABLE QRESYNC\r\nb ENABLE CONDSTORE QRESYNC\r\nc ENABLE X-UNKNOWN\r\n");
  EXPECT_EQ(Reply(r, "a"), (L{"* ENABLED QRESYNC", "a OK ENABLE completed"}));
  EXPECT_EQ(Reply(r, "b"), (L{"* ENABLED", "b OK ENABLE completed"}));  // implied by QRESYNC
  EXPECT_EQ(Reply(r, "c"), (L{"* ENABLED", "c OK ENABLE completed"}));
  r = Talk(kLogin + "a ENABLE CONDSTORE QRESYNC\r\nb ENABLE \"CONDSTORE\"\r\n");
  EXPECT_EQ(Reply(r, "a"), (L{"* ENABLED CONDSTORE QRESYNC", "a OK ENABLE completed"}));
  EXPECT_EQ(Reply(r, "b"), (L{"b BAD Syntax: ENABLE capability …"}));
}

// RFC 5161 3.1: ENABLE only in the authenticated state, before a mailbox is selected. Refused
// in the selected state, it turns nothing on; after CLOSE it is accepted again.
TEST_F(CondstoreTest, EnableRefusedInSelectedState) {
  DeliverMessages(1);
  auto r = Talk(kLogin +
                "s SELECT INBOX\r\na ENABLE CONDSTORE\r\nb FETCH 1 (FLAGS)\r\n"
                "c STORE 1 +FLAGS (\\Seen)\r\nd CLOSE\r\ne ENABLE CONDSTORE\r\n");
  EXPECT_EQ(Reply(r, "a"), L{"a BAD Command not valid in this state"});
  EXPECT_EQ(Reply(r, "b"), (L{"* 1 FETCH (FLAGS ())", "b OK FETCH completed"}));
  EXPECT_EQ(Reply(r, "c"), (L{"* 1 FETCH (FLAGS (\\Seen))", "c OK STORE completed"}));
  EXPECT_EQ(Reply(r, "e"), (L{"* ENABLED CONDSTORE", "e OK ENABLE completed"}));
}

TEST_F(CondstoreTest, SelectReportsHighestModseqOnceEnabled) {
  DeliverMessages(3);
  auto r = Talk(kLogin +
                "a SELECT INBOX\r\nb EXAMINE INBOX (CONDSTORE)\r\nc SELECT INBOX\r\n"
                "d SELECT INBOX (BOGUS)\r\ne SELECT INBOX (CONDSTORE\r\n"
                "f SELECT INBOX (QRESYNC (1 2))\r\ng SELECT INBOX ()\r\n");
  EXPECT_TRUE(Grep(Reply(r, "a"), "* OK [HIGHESTMODSEQ").empty());
  EXPECT_EQ(Grep(Reply(r, "b"), "* OK [HIGHESTMODSEQ"), L{"* OK [HIGHESTMODSEQ 4] Highest"});
  EXPECT_EQ(Reply(r, "b").back(), "b OK [READ-ONLY] EXAMINE completed");
  // Still on for a plain SELECT; without QRESYNC there is no [CLOSED].
  auto c = Reply(r, "c");
  EXPECT_EQ(c.front(), "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)");
  EXPECT_EQ(c[c.size() - 2], "* OK [HIGHESTMODSEQ 4] Highest");
  EXPECT_EQ(Reply(r, "d"), L{"d BAD Unknown SELECT parameter"});
  EXPECT_EQ(Reply(r, "e")[0].rfind("e BAD", 0), 0u);
  EXPECT_EQ(Reply(r, "f"), L{"f BAD QRESYNC is not enabled"});
  EXPECT_EQ(Reply(r, "g")[0].rfind("g BAD Syntax: SELECT mailbox", 0), 0u);
}

TEST_F(CondstoreTest, StatusHighestModseq) {
  DeliverMessages(2);
  auto r = Talk(kLogin +
                "a STATUS INBOX (MESSAGES HIGHESTMODSEQ)\r\nb STATUS Trash (HIGHESTMODSEQ)\r\n"
                "c SELECT INBOX\r\n");
  EXPECT_EQ(Reply(r, "a"),
            (L{"* STATUS \"INBOX\" (MESSAGES 2 HIGHESTMODSEQ 3)", "a OK STATUS completed"}));
  EXPECT_EQ(Reply(r, "b"), (L{"* STATUS \"Trash\" (HIGHESTMODSEQ 1)", "b OK STATUS completed"}));
  // STATUS HIGHESTMODSEQ is a CONDSTORE enabling command.
  EXPECT_EQ(Grep(Reply(r, "c"), "* OK [HIGHESTMODSEQ"), L{"* OK [HIGHESTMODSEQ 3] Highest"});
}

TEST_F(CondstoreTest, FetchModseqAndChangedSince) {
  DeliverMessages(3);
  SetFlags(2, store::kFlagSeen);  // MODSEQ 5
  auto r = Talk(kLogin +
                "s SELECT INBOX\r\na FETCH 1:2 (FLAGS MODSEQ)\r\n"
                "b FETCH 1:* (FLAGS) (CHANGEDSINCE 3)\r\nc UID FETCH 1:* FLAGS (CHANGEDSINCE 4)\r\n"
                "d FETCH 1:* UID (CHANGEDSINCE 5)\r\ne FETCH 1 FLAGS (CHANGEDSINCE x)\r\n"
                "f FETCH 1 FLAGS (VANISHED)\r\ng FETCH 1 FLAGS (CHANGEDSINCE 1 BOGUS)\r\n"
                "h UID FETCH 1:* FLAGS (CHANGEDSINCE 1 VANISHED)\r\ni FETCH 1 FLAGS ()\r\n");
  // RFC 7162 3.1: the first CONDSTORE enabling command in the selected state gets the
  // mailbox's HIGHESTMODSEQ first.
  EXPECT_EQ(Reply(r, "a"), (L{"* OK [HIGHESTMODSEQ 5] Highest", "* 1 FETCH (FLAGS () MODSEQ (2))",
                              "* 2 FETCH (FLAGS (\\Seen) MODSEQ (5))", "a OK FETCH completed"}));
  EXPECT_EQ(Reply(r, "b"), (L{"* 2 FETCH (FLAGS (\\Seen) MODSEQ (5))",
                              "* 3 FETCH (FLAGS () MODSEQ (4))", "b OK FETCH completed"}));
  EXPECT_EQ(Reply(r, "c"),
            (L{"* 2 FETCH (UID 2 FLAGS (\\Seen) MODSEQ (5))", "c OK UID FETCH completed"}));
  EXPECT_EQ(Reply(r, "d"), L{"d OK FETCH completed"});
  EXPECT_EQ(Reply(r, "e"), L{"e BAD Invalid CHANGEDSINCE mod-sequence"});
  EXPECT_EQ(Reply(r, "f"), L{"f BAD VANISHED needs CHANGEDSINCE"});
  EXPECT_EQ(Reply(r, "g"), L{"g BAD Unknown FETCH modifier"});
  EXPECT_EQ(Reply(r, "h"), L{"h BAD VANISHED needs UID FETCH and ENABLE QRESYNC"});
  EXPECT_EQ(Reply(r, "i")[0].rfind("i BAD", 0), 0u);
}

TEST_F(CondstoreTest, FetchSettingSeenReportsUidAndModseq) {
  DeliverMessages(1);
  std::string out =
      TalkRaw(kLogin + "a ENABLE CONDSTORE\r\ns SELECT INBOX\r\nb FETCH 1 BODY[TEXT]\r\n");
  EXPECT_NE(out.find("* 1 FETCH (UID 1 BODY[TEXT] {6}\r\nbody\r\n FLAGS (\\Seen) MODSEQ (3))\r\n"
                     "b OK FETCH completed"),
            std::string::npos)
      << out;
}

TEST_F(CondstoreTest, ConditionalStore) {
  DeliverMessages(3);
  auto r = Talk(kLogin +
                "s SELECT INBOX\r\na STORE 1:3 (UNCHANGEDSINCE 3) +FLAGS (\\Flagged)\r\n"
                "b UID STORE 1:3 (UNCHANGEDSINCE 5) +FLAGS.SILENT (\\Flagged)\r\n"
                "c STORE 1 (UNCHANGEDSINCE 0) FLAGS ()\r\n"
                "d STORE 1 (UNCHANGEDSINCE 6) +FLAGS (\\Flagged)\r\n"
                "e STORE 1 (UNCHANGEDSINCE x) +FLAGS (\\Seen)\r\n"
                "f STORE 1 (CHANGEDSINCE 1) +FLAGS (\\Seen)\r\ng STORE 1 (UNCHANGEDSINCE 1)\r\n"
                "h UID STORE 1:3 (UNCHANGEDSINCE 5) -FLAGS (\\Flagged)\r\n");
  // Messages 1 and 2 (MODSEQ 2 and 3) pass, message 3 (MODSEQ 4) changed since 3.
  EXPECT_EQ(Reply(r, "a"), (L{"* OK [HIGHESTMODSEQ 4] Highest",  // RFC 7162 3.1
                              "* 1 FETCH (UID 1 FLAGS (\\Flagged) MODSEQ (5))",
                              "* 2 FETCH (UID 2 FLAGS (\\Flagged) MODSEQ (5))",
                              "a OK [MODIFIED 3] Conditional STORE failed"}));
  // .SILENT still reports MODSEQs; 1 and 2 did not change and keep theirs.
  EXPECT_EQ(Reply(r, "b"), (L{"* 1 FETCH (UID 1 MODSEQ (5))", "* 2 FETCH (UID 2 MODSEQ (5))",
                              "* 3 FETCH (UID 3 MODSEQ (6))", "b OK UID STORE completed"}));
  // RFC 7162 3.1.3: UNCHANGEDSINCE 0 always fails.
  EXPECT_EQ(Reply(r, "c"), L{"c OK [MODIFIED 1] Conditional STORE failed"});
  // A conditional STORE that changes nothing still reports the message's flags and MODSEQ.
  EXPECT_EQ(Reply(r, "d"),
            (L{"* 1 FETCH (UID 1 FLAGS (\\Flagged) MODSEQ (5))", "d OK STORE completed"}));
  EXPECT_EQ(Reply(r, "e"), L{"e BAD Invalid UNCHANGEDSINCE mod-sequence"});
  EXPECT_EQ(Reply(r, "f")[0].rfind("f BAD Syntax: STORE sequence-set (UNCHANGEDSINCE", 0), 0u);
  EXPECT_EQ(Reply(r, "g")[0].rfind("g BAD Syntax: STORE", 0), 0u);
  // UID STORE names UIDs in MODIFIED.
  EXPECT_EQ(Reply(r, "h"),
            (L{"* 1 FETCH (UID 1 FLAGS () MODSEQ (7))", "* 2 FETCH (UID 2 FLAGS () MODSEQ (7))",
               "h OK [MODIFIED 3] Conditional STORE failed"}));
  auto m = Messages();
  EXPECT_EQ(m[0].flags.system, 0u);
  EXPECT_EQ(m[2].flags.system, store::kFlagFlagged);
  EXPECT_EQ(m[2].modseq, 6u);
}

TEST_F(CondstoreTest, StoreOnceCondstoreIsOn) {
  DeliverMessages(2);
  auto r = Talk(kLogin +
                "a ENABLE CONDSTORE\r\ns SELECT INBOX\r\nb STORE 1 +FLAGS.SILENT (\\Seen)\r\n"
                "c STORE 1 +FLAGS.SILENT (\\Seen)\r\nd STORE 1:2 +FLAGS (\\Answered)\r\n");
  EXPECT_EQ(Reply(r, "b"), (L{"* 1 FETCH (UID 1 MODSEQ (4))", "b OK STORE completed"}));
  EXPECT_EQ(Reply(r, "c"), L{"c OK STORE completed"});  // nothing changed: nothing to say
  EXPECT_EQ(Reply(r, "d"),
            (L{"* 1 FETCH (UID 1 FLAGS (\\Answered \\Seen) MODSEQ (5))",
               "* 2 FETCH (UID 2 FLAGS (\\Answered) MODSEQ (5))", "d OK STORE completed"}));
}

TEST_F(CondstoreTest, SearchModseq) {
  DeliverMessages(3);
  auto r = Talk(kLogin +
                "s SELECT INBOX\r\na SEARCH MODSEQ 3\r\n"
                "b UID SEARCH MODSEQ \"/flags/\\\\draft\" all 4\r\nc SEARCH MODSEQ 99\r\n"
                "d SEARCH OR MODSEQ 4 UID 1\r\ne SEARCH MODSEQ x\r\n"
                "f SEARCH MODSEQ \"/flags/\\\\draft\" mine 4\r\ng SEARCH MODSEQ\r\n"
                "h SEARCH ALL\r\n");
  EXPECT_EQ(Reply(r, "a"), (L{"* OK [HIGHESTMODSEQ 4] Highest",  // RFC 7162 3.1
                              "* SEARCH 2 3 (MODSEQ 4)", "a OK SEARCH completed"}));
  EXPECT_EQ(Reply(r, "b"), (L{"* SEARCH 3 (MODSEQ 4)", "b OK UID SEARCH completed"}));
  EXPECT_EQ(Reply(r, "c"), (L{"* SEARCH", "c OK SEARCH completed"}));
  EXPECT_EQ(Reply(r, "d"), (L{"* SEARCH 1 3 (MODSEQ 4)", "d OK SEARCH completed"}));
  EXPECT_EQ(Reply(r, "e"), L{"e BAD Invalid MODSEQ mod-sequence"});
  EXPECT_EQ(Reply(r, "f")[0].rfind("f BAD Syntax: MODSEQ", 0), 0u);
  EXPECT_EQ(Reply(r, "g"), L{"g BAD Invalid MODSEQ mod-sequence"});
  EXPECT_EQ(Reply(r, "h"), (L{"* SEARCH 1 2 3", "h OK SEARCH completed"}));  // no MODSEQ key
}

TEST_F(CondstoreTest, OtherSessionsChangesCarryModseq) {
  DeliverMessages(2);
  auto r = TalkSteps({{nullptr, kLogin + "a ENABLE CONDSTORE\r\ns SELECT INBOX\r\n"},
                      {[&] { SetFlags(2, store::kFlagAnswered); }, "b NOOP\r\n"},
                      {[&] {
                         // Set and cleared again: the flags look the same, the MODSEQ moved.
                         SetFlags(1, store::kFlagSeen);
                         ASSERT_TRUE(store_
                                         ->UpdateFlags(BoxId(), {1}, store::FlagOperation::kRemove,
                                                       store::Flags{store::kFlagSeen, {}})
                                         .ok());
                       },
                       "c NOOP\r\n"}});
  EXPECT_EQ(Reply(r, "b"),
            (L{"* 2 FETCH (UID 2 FLAGS (\\Answered) MODSEQ (4))", "b OK NOOP completed"}));
  EXPECT_EQ(Reply(r, "c"), (L{"* 1 FETCH (UID 1 FLAGS () MODSEQ (6))", "c OK NOOP completed"}));
}

TEST_F(CondstoreTest, QresyncReportsExpungesAsVanished) {
  DeliverMessages(5);
  const std::string trash = std::to_string((*store_->GetMailbox(bob_, "Trash"))->uid_validity);
  auto r = TalkSteps(
      {{nullptr, kLogin + "a ENABLE QRESYNC\r\ns SELECT INBOX\r\n"
                          "b STORE 2:3 +FLAGS.SILENT (\\Deleted)\r\nc EXPUNGE\r\n"},
       {[&] { ASSERT_TRUE(store_->Expunge(BoxId(), {1}).ok()); },
        "d FETCH 1 UID\r\ne NOOP\r\nf MOVE 2 Trash\r\ng UID EXPUNGE 1:*\r\nh CLOSE\r\n"}});
  EXPECT_EQ(Reply(r, "b"), (L{"* 2 FETCH (UID 2 MODSEQ (7))", "* 3 FETCH (UID 3 MODSEQ (7))",
                              "b OK STORE completed"}));
  EXPECT_EQ(Reply(r, "c"), (L{"* VANISHED 2:3", "c OK [HIGHESTMODSEQ 8] EXPUNGE completed"}));
  // Held during FETCH (RFC 3501 7.4.1 applies to VANISHED too), then reported.
  // The expunge of UID 1 has MODSEQ 9: the client may not record 9 or more yet (RFC 7162 6).
  EXPECT_EQ(Reply(r, "d"),
            (L{"* 1 FETCH (UID 1)", "* OK [HIGHESTMODSEQ 8] Expunges not yet reported",
               "d OK FETCH completed"}));
  EXPECT_EQ(Reply(r, "e"), (L{"* VANISHED 1", "e OK NOOP completed"}));
  EXPECT_EQ(Reply(r, "f"),
            (L{"* OK [COPYUID " + trash + " 5 1] Moved", "* VANISHED 5", "f OK MOVE completed"}));
  EXPECT_EQ(Reply(r, "g"), L{"g OK [HIGHESTMODSEQ 10] UID EXPUNGE completed"});
  EXPECT_TRUE(Grep(r, "* 1 EXPUNGE").empty());
}

// While FETCH, STORE or SEARCH holds an expunge back (RFC 3501 7.4.1), the MODSEQs they show can
// be above the expunge's. RFC 7162 6: a client records the highest MODSEQ it saw at each tagged
// reply, unless a HIGHESTMODSEQ response code came, which wins. Without one, a client that went
// away after this FETCH and came back with SELECT … (QRESYNC (v 6)) would never learn of UID 1.
TEST_F(CondstoreTest, HeldExpungeCapsHighestModseq) {
  DeliverMessages(3);  // MODSEQ 2, 3, 4
  auto r = TalkSteps(
      {{nullptr, kLogin + "a ENABLE QRESYNC\r\ns SELECT INBOX\r\n"},
       {[&] {
          ASSERT_TRUE(store_->Expunge(BoxId(), {1}).ok());  // MODSEQ 5
          SetFlags(3, store::kFlagFlagged);                 // MODSEQ 6
        },
        "b FETCH 3 (FLAGS)\r\nc STORE 2 +FLAGS (\\Seen)\r\nd UID SEARCH MODSEQ 5\r\n"
        "e UID FETCH 1:* (FLAGS) (CHANGEDSINCE 5)\r\nf NOOP\r\ng UID FETCH 3 (MODSEQ)\r\n"}});
  EXPECT_EQ(Reply(r, "b"),
            (L{"* 3 FETCH (FLAGS ())", "* 3 FETCH (UID 3 FLAGS (\\Flagged) MODSEQ (6))",
               "* OK [HIGHESTMODSEQ 4] Expunges not yet reported", "b OK FETCH completed"}));
  EXPECT_EQ(Reply(r, "c"),
            (L{"* 2 FETCH (UID 2 FLAGS (\\Seen) MODSEQ (7))",
               "* OK [HIGHESTMODSEQ 4] Expunges not yet reported", "c OK STORE completed"}));
  EXPECT_EQ(Reply(r, "d"),
            (L{"* SEARCH 2 3 (MODSEQ 7)", "* OK [HIGHESTMODSEQ 4] Expunges not yet reported",
               "d OK UID SEARCH completed"}));
  EXPECT_EQ(Reply(r, "e"),
            (L{"* 2 FETCH (UID 2 FLAGS (\\Seen) MODSEQ (7))",
               "* 3 FETCH (UID 3 FLAGS (\\Flagged) MODSEQ (6))",
               "* OK [HIGHESTMODSEQ 4] Expunges not yet reported", "e OK UID FETCH completed"}));
  // Reported at last: nothing is held, nothing capped.
  EXPECT_EQ(Reply(r, "f"), (L{"* VANISHED 1", "f OK NOOP completed"}));
  EXPECT_EQ(Reply(r, "g"), (L{"* 2 FETCH (UID 3 MODSEQ (6))", "g OK UID FETCH completed"}));
}

// Several held expunges: the cap sits below the oldest. Without CONDSTORE the client keeps no
// MODSEQs, and a session that never enabled it hears nothing of them.
TEST_F(CondstoreTest, HeldExpungeCapIsBelowTheOldest) {
  DeliverMessages(4);  // MODSEQ 2..5
  auto changes = [&] {
    ASSERT_TRUE(store_->Expunge(BoxId(), {3}).ok());  // MODSEQ 6
    ASSERT_TRUE(store_->Expunge(BoxId(), {1}).ok());  // MODSEQ 7
    SetFlags(4, store::kFlagSeen);                    // MODSEQ 8
  };
  auto r = TalkSteps({{nullptr, kLogin + "a ENABLE CONDSTORE\r\ns SELECT INBOX\r\n"},
                      {changes, "b FETCH 4 (UID)\r\nc NOOP\r\n"}});
  EXPECT_EQ(Reply(r, "b"),
            (L{"* 4 FETCH (UID 4)", "* 4 FETCH (UID 4 FLAGS (\\Seen) MODSEQ (8))",
               "* OK [HIGHESTMODSEQ 5] Expunges not yet reported", "b OK FETCH completed"}));
  EXPECT_EQ(Reply(r, "c"), (L{"* 3 EXPUNGE", "* 1 EXPUNGE", "c OK NOOP completed"}));
}

TEST_F(CondstoreTest, HeldExpungeWithoutCondstoreSaysNothingOfModseqs) {
  DeliverMessages(2);
  auto r = TalkSteps({{nullptr, kLogin + "s SELECT INBOX\r\n"},
                      {[&] {
                         ASSERT_TRUE(store_->Expunge(BoxId(), {1}).ok());
                         SetFlags(2, store::kFlagSeen);
                       },
                       "b FETCH 2 (UID)\r\nc NOOP\r\n"}});
  EXPECT_EQ(Reply(r, "b"),
            (L{"* 2 FETCH (UID 2)", "* 2 FETCH (FLAGS (\\Seen))", "b OK FETCH completed"}));
  EXPECT_EQ(Reply(r, "c"), (L{"* 1 EXPUNGE", "c OK NOOP completed"}));
}

class QresyncSelectTest : public CondstoreTest {
 protected:
  // Five messages (MODSEQ 2..6); a client saw them at HIGHESTMODSEQ 6. Then: \Seen on 2
  // (MODSEQ 7), 3 expunged (8), a sixth delivered (9).
  void SetUp() override {
    CondstoreTest::SetUp();
    DeliverMessages(5);
    SetFlags(2, store::kFlagSeen);
    ASSERT_TRUE(store_->Expunge(BoxId(), {3}).ok());
    Deliver(kMsg);
    ASSERT_EQ((*store_->GetMailbox(bob_, "INBOX"))->highest_modseq, 9u);
  }
};

TEST_F(QresyncSelectTest, SelectWithQresync) {
  const std::string v = Validity();
  auto r = Talk(kLogin + "e ENABLE QRESYNC\r\na SELECT INBOX (QRESYNC (" + v + " 6))\r\n" +
                "b EXAMINE INBOX (QRESYNC (" + v + " 6 1:4))\r\n" +  //
                "c SELECT INBOX (QRESYNC (" + v + " 6 1:* (1:2 1:2)))\r\n" +
                "d SELECT INBOX (QRESYNC (" + std::to_string(std::stoul(v) + 1) + " 6))\r\n");
  L a = Reply(r, "a");
  L want_a = {"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)",
              "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] "
              "Flags permitted",
              "* 5 EXISTS",
              "* 0 RECENT",
              "* OK [UNSEEN 1] First unseen",
              "* OK [UIDVALIDITY " + v + "] UIDs valid",
              "* OK [UIDNEXT 7] Predicted next UID",
              "* OK [HIGHESTMODSEQ 9] Highest",
              "* VANISHED (EARLIER) 3",
              "* 2 FETCH (UID 2 FLAGS (\\Seen) MODSEQ (7))",
              "* 5 FETCH (UID 6 FLAGS () MODSEQ (9))",
              "a OK [READ-WRITE] SELECT completed"};
  EXPECT_EQ(a, want_a);
  // Known UIDs 1:4: UID 6 is not the client's business. A SELECT replacing a selected mailbox
  // starts with [CLOSED] (RFC 7162 3.2.11).
  L b = Reply(r, "b");
  ASSERT_GE(b.size(), 4u);
  EXPECT_EQ(b.front(), "* OK [CLOSED] Previous mailbox closed");
  EXPECT_EQ(L(b.end() - 4, b.end()), (L{"* OK [HIGHESTMODSEQ 9] Highest", "* VANISHED (EARLIER) 3",
                                        "* 2 FETCH (UID 2 FLAGS (\\Seen) MODSEQ (7))",
                                        "b OK [READ-ONLY] EXAMINE completed"}));
  L c = Reply(r, "c");  // with seq-match-data
  EXPECT_EQ(L(c.end() - 4, c.end()),
            (L{"* VANISHED (EARLIER) 3", "* 2 FETCH (UID 2 FLAGS (\\Seen) MODSEQ (7))",
               "* 5 FETCH (UID 6 FLAGS () MODSEQ (9))", "c OK [READ-WRITE] SELECT completed"}));
  // Another UIDVALIDITY: no resync replies, the client must start over.
  L d = Reply(r, "d");
  EXPECT_EQ(L(d.end() - 2, d.end()),
            (L{"* OK [HIGHESTMODSEQ 9] Highest", "d OK [READ-WRITE] SELECT completed"}));
  EXPECT_TRUE(Grep(d, "* VANISHED").empty());
}

TEST_F(QresyncSelectTest, BadQresyncParameters) {
  const std::string v = Validity();
  auto r = Talk(kLogin + "e ENABLE QRESYNC\r\na SELECT INBOX (QRESYNC (0 6))\r\n" +
                "b SELECT INBOX (QRESYNC (" + v + "))\r\nc SELECT INBOX (QRESYNC (" + v +
                " 0))\r\nd SELECT INBOX (QRESYNC (" + v + " 6 x))\r\n" +
                "f SELECT INBOX (QRESYNC (" + v + " 6 1:4 (1:2)))\r\ng SELECT INBOX (QRESYNC)\r\n" +
                "h SELECT INBOX (QRESYNC (" + v + " 6 1 (1 1) 7))\r\ni SELECT INBOX\r\n");
  for (const char* tag : {"a", "b", "c", "d", "f", "h"}) {
    L reply = Reply(r, tag);
    ASSERT_EQ(reply.size(), 1u) << tag;
    EXPECT_EQ(reply[0], std::string(tag) +
                            " BAD Syntax: QRESYNC (uidvalidity modseq [known-uids "
                            "[(known-seqs known-uids)]])");
  }
  EXPECT_EQ(Reply(r, "g"), L{"g BAD Unknown SELECT parameter"});
  EXPECT_EQ(Reply(r, "i").back(), "i OK [READ-WRITE] SELECT completed");
}

TEST_F(QresyncSelectTest, UidFetchVanished) {
  auto r = Talk(kLogin +
                "e ENABLE QRESYNC\r\ns SELECT INBOX\r\n"
                "a UID FETCH 1:* (FLAGS) (CHANGEDSINCE 6 VANISHED)\r\n"
                "b UID FETCH 4:* FLAGS (CHANGEDSINCE 6 VANISHED)\r\n"
                "c FETCH 1:* FLAGS (CHANGEDSINCE 6 VANISHED)\r\n"
                "d UID FETCH 1:* FLAGS (VANISHED CHANGEDSINCE 8)\r\n");
  EXPECT_EQ(Reply(r, "a"),
            (L{"* VANISHED (EARLIER) 3", "* 2 FETCH (UID 2 FLAGS (\\Seen) MODSEQ (7))",
               "* 5 FETCH (UID 6 FLAGS () MODSEQ (9))", "a OK UID FETCH completed"}));
  EXPECT_EQ(Reply(r, "b"),
            (L{"* 5 FETCH (UID 6 FLAGS () MODSEQ (9))", "b OK UID FETCH completed"}));
  EXPECT_EQ(Reply(r, "c"), L{"c BAD VANISHED needs UID FETCH and ENABLE QRESYNC"});
  EXPECT_EQ(Reply(r, "d"),
            (L{"* 5 FETCH (UID 6 FLAGS () MODSEQ (9))", "d OK UID FETCH completed"}));
}

// Malformed RFC 7162 syntax anywhere is a BAD and the session goes on; an empty mailbox and
// extreme numbers are no trouble either.
TEST_F(CondstoreTest, BadSyntaxIsBadNeverACrash) {
  const std::vector<std::string> bad = {
      "FETCH 1:* FLAGS (CHANGEDSINCE 9223372036854775808)",
      "FETCH 1:* FLAGS (CHANGEDSINCE 99999999999999999999)",
      "FETCH 1:* FLAGS (CHANGEDSINCE 1 CHANGEDSINCE 2)",
      "FETCH 1:* FLAGS (CHANGEDSINCE (1))",
      "FETCH 1:* FLAGS CHANGEDSINCE 1",
      "UID FETCH 1:* FLAGS (VANISHED VANISHED CHANGEDSINCE 1)",
      "STORE 1:* (UNCHANGEDSINCE) FLAGS ()",
      "STORE 1:* (UNCHANGEDSINCE 1 2) FLAGS ()",
      "STORE 1:* (UNCHANGEDSINCE 1) (UNCHANGEDSINCE 1) FLAGS ()",
      "SEARCH MODSEQ \"/flags/\\\\seen\"",
      "SEARCH MODSEQ \"/flags/\\\\seen\" all",
      "SEARCH MODSEQ -1",
      "SEARCH MODSEQ (1)",
      "SELECT INBOX (QRESYNC (1 1 1:* (1:* 1:*) extra))",
      "SELECT INBOX (QRESYNC 1 1)",
      "SELECT INBOX (CONDSTORE CONDSTORE)",
      "SELECT INBOX (CONDSTORE) extra",
      "EXAMINE INBOX (QRESYNC ((1 1)))",
      "STATUS INBOX (HIGHESTMODSEQ 1)",
  };
  std::string input = kLogin + "e ENABLE QRESYNC\r\ns SELECT INBOX\r\n";
  for (size_t i = 0; i < bad.size(); ++i) input += "b" + std::to_string(i) + " " + bad[i] + "\r\n";
  input +=
      "v UID FETCH 1:* FLAGS (CHANGEDSINCE 1 VANISHED)\r\n"
      "w SELECT INBOX (QRESYNC (1 9223372036854775807 1:* (1:* 1:*)))\r\n"
      "x STORE 1:* (UNCHANGEDSINCE 1) FLAGS ()\r\ny SEARCH MODSEQ 0\r\nz NOOP\r\n";
  auto r = Talk(input);
  for (size_t i = 0; i < bad.size(); ++i) {
    const std::string tag = "b" + std::to_string(i);
    L reply = Reply(r, tag);
    ASSERT_EQ(reply.size(), 1u) << bad[i];
    EXPECT_EQ(reply[0].rfind(tag + " BAD ", 0), 0u) << bad[i] << ": " << reply[0];
  }
  EXPECT_EQ(Reply(r, "v"), L{"v OK UID FETCH completed"});  // empty mailbox
  EXPECT_EQ(Reply(r, "w").back(), "w OK [READ-WRITE] SELECT completed");
  EXPECT_EQ(Reply(r, "x"), L{"x OK STORE completed"});
  EXPECT_EQ(Reply(r, "y"), (L{"* SEARCH", "y OK SEARCH completed"}));
  EXPECT_EQ(Reply(r, "z"), L{"z OK NOOP completed"});
}

}  // namespace
}  // namespace mailsuite::imapd

namespace mailsuite::imapd {
namespace {

// After the expunge log was pruned (Store::PruneExpungeLog), a client whose MODSEQ is below
// the floor is told every UID it cannot still have (RFC 7162 3.2.5.2 allows UIDs it never
// knew); one at or above the floor still gets the exact list.
TEST_F(QresyncSelectTest, ResyncAfterTheExpungeLogWasPruned) {
  ASSERT_TRUE(store_->Expunge(BoxId(), {4}).ok());  // MODSEQ 10
  ASSERT_TRUE(store_->Expunge(BoxId(), {1}).ok());  // MODSEQ 11
  ASSERT_TRUE(store_->PruneExpungeLog(BoxId(), 1).ok());
  ASSERT_EQ((*store_->GetMailbox(bob_, "INBOX"))->expunge_floor, 10u);
  const std::string v = Validity();
  auto r = Talk(kLogin + "e ENABLE QRESYNC\r\na SELECT INBOX (QRESYNC (" + v + " 6))\r\n" +
                "b SELECT INBOX (QRESYNC (" + v + " 10))\r\n" +
                "c UID FETCH 1:* (FLAGS) (CHANGEDSINCE 6 VANISHED)\r\n");
  L a = Reply(r, "a");
  EXPECT_EQ(L(a.end() - 4, a.end()),
            (L{"* VANISHED (EARLIER) 1,3:4", "* 1 FETCH (UID 2 FLAGS (\\Seen) MODSEQ (7))",
               "* 3 FETCH (UID 6 FLAGS () MODSEQ (9))", "a OK [READ-WRITE] SELECT completed"}));
  L b = Reply(r, "b");
  EXPECT_EQ(L(b.end() - 2, b.end()),
            (L{"* VANISHED (EARLIER) 1", "b OK [READ-WRITE] SELECT completed"}));
  L c = Reply(r, "c");
  EXPECT_EQ(c, (L{"* VANISHED (EARLIER) 1,3:4", "* 1 FETCH (UID 2 FLAGS (\\Seen) MODSEQ (7))",
                  "* 3 FETCH (UID 6 FLAGS () MODSEQ (9))", "c OK UID FETCH completed"}));
}

}  // namespace
}  // namespace mailsuite::imapd
