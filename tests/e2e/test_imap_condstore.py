"""End-to-end CONDSTORE and QRESYNC (RFC 7162) on the real mailsuite-imapd: imaplib flows, raw
socket transcripts with exact lines, and a client that resynchronises after changes made while it
was away by another IMAP session, by SMTP delivery through mailsuite-mta and by a POP3 DELE."""

import imaplib
import poplib
import re
import smtplib
import time
import unittest

from mailsuite_fixture import Suite

PASSWORD = "hungry"
NAMES = ["carla", "dmitri", "elena", "farid", "gustav"]
USERS = {f"{n}@example.test": PASSWORD for n in NAMES}


def body(subject):
    return f"From: sender@example.org\r\nSubject: {subject}\r\n\r\nhello\r\n"


class RawImap:
    """A line-level IMAP client: each command returns its untagged lines and its tagged line,
    exactly as the server sent them (without CRLF)."""

    def __init__(self, suite, user):
        self.sock = suite.connect("imap", timeout=30)
        self.file = self.sock.makefile("rb")
        self.count = 0
        greeting = self.line()
        assert greeting.startswith("* OK"), greeting
        self.cmd(f"LOGIN {user} {PASSWORD}", expect="OK")

    def line(self):
        raw = self.file.readline(100000)
        if not raw.endswith(b"\r\n"):
            raise AssertionError(f"expected a CRLF line, got {raw!r}")
        return raw[:-2].decode()

    def cmd(self, text, expect=None):
        """Sends one command; returns (untagged lines, tagged line)."""
        self.count += 1
        tag = f"t{self.count}"
        self.sock.sendall(f"{tag} {text}\r\n".encode())
        untagged = []
        for _ in range(10000):  # bounded: no reply of these tests is anywhere near this long
            line = self.line()
            if line.startswith(tag + " "):
                if expect is not None:
                    assert line.startswith(f"{tag} {expect}"), (text, untagged, line)
                return untagged, line[len(tag) + 1:]
            untagged.append(line)
        raise AssertionError(f"no tagged reply to {text!r}")

    def close(self):
        try:
            self.cmd("LOGOUT")
        except (OSError, AssertionError):
            pass
        self.file.close()
        self.sock.close()


class ImapCondstoreTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.suite = Suite(users=USERS, daemons=("imapd", "mta", "pop3d")).start()

    @classmethod
    def tearDownClass(cls):
        cls.suite.__exit__(None, None, None)

    def setUp(self):
        self.closers = []

    def tearDown(self):
        for c in reversed(self.closers):
            try:
                c()
            except (OSError, imaplib.IMAP4.error, poplib.error_proto):
                pass

    def raw(self, user):
        c = RawImap(self.suite, user)
        self.closers.append(c.close)
        return c

    def imap(self, user):
        m = imaplib.IMAP4("127.0.0.1", self.suite.port("imap"), timeout=30)
        self.closers.append(m.logout)
        m.login(user, PASSWORD)
        return m

    def deliver(self, user, subject):
        with smtplib.SMTP("127.0.0.1", self.suite.port("smtp"), timeout=30) as s:
            s.sendmail("sender@example.org", [user], body(subject))

    def ok(self, result):
        typ, data = result
        self.assertEqual(typ, "OK", data)
        return data

    def test_capabilities_and_imaplib_flow(self):
        user = "carla@example.test"
        for i in range(3):
            self.deliver(user, f"m{i}")
        m = self.imap(user)
        self.assertIn("CONDSTORE", m.capabilities)
        self.assertIn("QRESYNC", m.capabilities)
        data = self.ok(m.status("INBOX", "(MESSAGES HIGHESTMODSEQ)"))
        self.assertEqual(data, [b'"INBOX" (MESSAGES 3 HIGHESTMODSEQ 4)'])
        # imaplib sends the mailbox argument as given, parameters included.
        self.ok(m.select("INBOX (CONDSTORE)"))
        self.assertEqual(m.response("HIGHESTMODSEQ"), ("HIGHESTMODSEQ", [b"4"]))
        data = self.ok(m.uid("FETCH", "1:*", "(FLAGS MODSEQ)"))
        # \Recent: this session's SELECT claimed all three (STATUS does not; RFC 3501 2.3.2).
        self.assertEqual(data, [b"1 (UID 1 FLAGS (\\Recent) MODSEQ (2))",
                                b"2 (UID 2 FLAGS (\\Recent) MODSEQ (3))",
                                b"3 (UID 3 FLAGS (\\Recent) MODSEQ (4))"])
        data = self.ok(m.uid("STORE", "2", "+FLAGS", "(\\Flagged)"))
        self.assertEqual(data, [b"2 (UID 2 FLAGS (\\Recent \\Flagged) MODSEQ (5))"])
        data = self.ok(m.uid("FETCH", "1:*", "(FLAGS)", "(CHANGEDSINCE 4)"))
        self.assertEqual(data, [b"2 (UID 2 FLAGS (\\Recent \\Flagged) MODSEQ (5))"])
        data = self.ok(m.uid("SEARCH", "MODSEQ", "5"))
        self.assertEqual(data, [b"2 (MODSEQ 5)"])

    def test_conditional_store_transcript(self):
        user = "dmitri@example.test"
        for i in range(3):
            self.deliver(user, f"m{i}")
        a = self.raw(user)
        b = self.raw(user)
        untagged, tagged = a.cmd("SELECT INBOX (CONDSTORE)", expect="OK")
        self.assertIn("* OK [HIGHESTMODSEQ 4] Highest", untagged)
        b.cmd("SELECT INBOX", expect="OK")
        # B changes message 3 behind A's back; A's conditional STORE must not overwrite it.
        # A selected first, so the messages are \Recent to A only (RFC 3501 2.3.2).
        self.assertEqual(b.cmd("STORE 3 +FLAGS (\\Seen)"),
                         (["* 3 FETCH (FLAGS (\\Seen))"], "OK STORE completed"))
        self.assertEqual(
            a.cmd("STORE 1:3 (UNCHANGEDSINCE 4) +FLAGS.SILENT (\\Answered)"),
            (["* 1 FETCH (UID 1 MODSEQ (6))", "* 2 FETCH (UID 2 MODSEQ (6))",
              "* 3 FETCH (UID 3 FLAGS (\\Recent \\Seen) MODSEQ (5))"],
             "OK [MODIFIED 3] Conditional STORE failed"))
        # B (CONDSTORE not enabled) hears of A's change without MODSEQ.
        self.assertEqual(b.cmd("NOOP"),
                         (["* 1 FETCH (FLAGS (\\Answered))", "* 2 FETCH (FLAGS (\\Answered))"],
                          "OK NOOP completed"))
        self.assertEqual(a.cmd("UID SEARCH MODSEQ 5"), (["* SEARCH 1 2 3 (MODSEQ 6)"],
                                                        "OK UID SEARCH completed"))
        self.assertEqual(a.cmd("UID STORE 3 (UNCHANGEDSINCE 5) +FLAGS (\\Answered)"),
                         (["* 3 FETCH (UID 3 FLAGS (\\Recent \\Answered \\Seen) MODSEQ (7))"],
                          "OK UID STORE completed"))
        self.assertEqual(a.cmd("STATUS INBOX (HIGHESTMODSEQ)"),
                         (['* STATUS "INBOX" (HIGHESTMODSEQ 7)'], "OK STATUS completed"))
        self.assertTrue(a.cmd("SELECT INBOX (QRESYNC (1 1))")[1].startswith("BAD"))
        self.assertTrue(a.cmd("STORE 1 (UNCHANGEDSINCE -1) FLAGS ()")[1].startswith("BAD"))
        self.assertTrue(a.cmd("FETCH 1 (FLAGS) (CHANGEDSINCE)")[1].startswith("BAD"))
        self.assertEqual(a.cmd("NOOP"), ([], "OK NOOP completed"))  # still serving

    def test_live_session_sees_vanished_with_modseq(self):
        user = "elena@example.test"
        for i in range(4):
            self.deliver(user, f"m{i}")
        a = self.raw(user)
        self.assertEqual(a.cmd("ENABLE QRESYNC"), (["* ENABLED QRESYNC"], "OK ENABLE completed"))
        a.cmd("SELECT INBOX", expect="OK")
        other = self.imap(user)
        self.ok(other.select("INBOX"))
        self.ok(other.uid("STORE", "2", "+FLAGS", "(\\Flagged)"))  # MODSEQ 6
        self.ok(other.uid("STORE", "3", "+FLAGS", "(\\Deleted)"))  # 7
        self.ok(other.expunge())                                     # 8
        # \Recent: A selected before the other session, so A claimed the messages (RFC 3501 2.3.2).
        self.assertEqual(a.cmd("NOOP"),
                         (["* VANISHED 3",
                           "* 2 FETCH (UID 2 FLAGS (\\Recent \\Flagged) MODSEQ (6))"],
                          "OK NOOP completed"))
        # UID 4 is message 3 now.
        self.assertEqual(a.cmd("UID STORE 4 +FLAGS.SILENT (\\Deleted)"),
                         (["* 3 FETCH (UID 4 MODSEQ (9))"], "OK UID STORE completed"))
        self.assertEqual(a.cmd("EXPUNGE"),
                         (["* VANISHED 4"], "OK [HIGHESTMODSEQ 10] EXPUNGE completed"))
        untagged, _ = a.cmd("SELECT Trash", expect="OK")
        self.assertEqual(untagged[0], "* OK [CLOSED] Previous mailbox closed")

    def test_held_expunge_is_not_lost_to_a_resync(self):
        """RFC 7162 6 with RFC 3501 7.4.1: an expunge held back during FETCH must not be skipped
        by a client that records HIGHESTMODSEQ from that FETCH, leaves, and resyncs."""
        user = "gustav@example.test"
        for i in range(3):
            self.deliver(user, f"m{i}")                              # MODSEQ 2, 3, 4
        a = self.raw(user)
        self.assertEqual(a.cmd("ENABLE QRESYNC"), (["* ENABLED QRESYNC"], "OK ENABLE completed"))
        untagged, _ = a.cmd("SELECT INBOX", expect="OK [READ-WRITE]")
        validity = int(next(re.match(r"\* OK \[UIDVALIDITY (\d+)\]", l).group(1)
                            for l in untagged if l.startswith("* OK [UIDVALIDITY")))
        self.assertIn("* OK [HIGHESTMODSEQ 4] Highest", untagged)
        # ENABLE in the selected state is refused (RFC 5161 3.1).
        self.assertEqual(a.cmd("ENABLE CONDSTORE"), ([], "BAD Command not valid in this state"))
        other = self.imap(user)
        self.ok(other.select("INBOX"))
        self.ok(other.uid("STORE", "1", "+FLAGS", "(\\Deleted)"))  # 5
        self.ok(other.expunge())                                     # 6
        self.ok(other.uid("STORE", "3", "+FLAGS", "(\\Flagged)"))  # 7
        # A's FETCH may not report the expunge, and shows MODSEQ 7 > 6: the HIGHESTMODSEQ code
        # keeps what the client records (it must use it over higher MODSEQs) below 6.
        # \Recent: A selected before the other session, so A claimed the messages (RFC 3501 2.3.2).
        untagged, tagged = a.cmd("UID FETCH 3 (FLAGS MODSEQ)")
        self.assertEqual(tagged, "OK UID FETCH completed")
        self.assertEqual(untagged[-2:], ["* 3 FETCH (UID 3 FLAGS (\\Recent \\Flagged) MODSEQ (7))",
                                         "* OK [HIGHESTMODSEQ 5] Expunges not yet reported"])
        recorded = int(re.match(r"\* OK \[HIGHESTMODSEQ (\d+)\]", untagged[-1]).group(1))
        # The client goes away before any command that may report the expunge ...
        a.sock.close()
        a.file.close()
        self.closers.remove(a.close)
        # ... and comes back: the resync from what it recorded names the expunged UID.
        b = self.raw(user)
        b.cmd("ENABLE QRESYNC", expect="OK")
        untagged, tagged = b.cmd(f"SELECT INBOX (QRESYNC ({validity} {recorded}))")
        self.assertEqual(tagged, "OK [READ-WRITE] SELECT completed")
        # No \Recent: A's session claimed the messages, and \Recent goes with it.
        self.assertEqual(untagged[-2:], ["* VANISHED (EARLIER) 1",
                                         "* 2 FETCH (UID 3 FLAGS (\\Flagged) MODSEQ (7))"])
        # Had it recorded MODSEQ 7, it would never have heard of UID 1.
        untagged, _ = b.cmd(f"SELECT INBOX (QRESYNC ({validity} 7))", expect="OK")
        self.assertFalse([l for l in untagged if "VANISHED" in l], untagged)

    def test_resync_after_changes_while_disconnected(self):
        user = "farid@example.test"
        for i in range(5):
            self.deliver(user, f"m{i}")
        # The client's first session: it records UIDVALIDITY and HIGHESTMODSEQ and goes away.
        a = self.raw(user)
        self.assertEqual(a.cmd("ENABLE QRESYNC"), (["* ENABLED QRESYNC"], "OK ENABLE completed"))
        untagged, _ = a.cmd("SELECT INBOX", expect="OK [READ-WRITE]")
        validity = int(next(re.match(r"\* OK \[UIDVALIDITY (\d+)\]", l).group(1)
                            for l in untagged if l.startswith("* OK [UIDVALIDITY")))
        highest = int(next(re.match(r"\* OK \[HIGHESTMODSEQ (\d+)\]", l).group(1)
                           for l in untagged if l.startswith("* OK [HIGHESTMODSEQ")))
        self.assertIn("* 5 EXISTS", untagged)
        a.close()
        self.closers.remove(a.close)

        # Meanwhile: another IMAP session flags UID 2 and expunges UID 3 ...
        other = self.imap(user)
        self.ok(other.select("INBOX"))
        self.ok(other.uid("STORE", "2", "+FLAGS", "(\\Flagged)"))  # highest + 1
        self.ok(other.uid("STORE", "3", "+FLAGS", "(\\Deleted)"))  # + 2
        self.ok(other.expunge())                                     # + 3
        other.logout()
        self.closers.remove(other.logout)
        # ... a new message arrives over SMTP (UID 6) ...
        self.deliver(user, "while away")                             # + 4
        # ... and a POP3 client deletes UID 4 (POP3 UIDL is uidvalidity and UID in hex).
        pop = poplib.POP3("127.0.0.1", self.suite.port("pop3"), timeout=30)
        self.closers.append(pop.quit)
        pop.user(user)
        pop.pass_(PASSWORD)
        uidls = dict(line.decode().split() for line in pop.uidl()[1])
        number = next(n for n, u in uidls.items() if u == f"{validity:08x}{4:08x}")
        pop.dele(int(number))
        pop.quit()                                                   # + 5
        self.closers.remove(pop.quit)

        # The client comes back and resynchronises in one round trip (RFC 7162 3.2.5).
        a = self.raw(user)
        self.assertEqual(a.cmd("ENABLE QRESYNC"), (["* ENABLED QRESYNC"], "OK ENABLE completed"))
        untagged, tagged = a.cmd(f"SELECT INBOX (QRESYNC ({validity} {highest} 1:5))")
        self.assertEqual(tagged, "OK [READ-WRITE] SELECT completed")
        self.assertIn("* 4 EXISTS", untagged)
        self.assertIn(f"* OK [HIGHESTMODSEQ {highest + 5}] Highest", untagged)
        # Known UIDs 1:5: the new UID 6 comes with EXISTS, not as a change.
        self.assertEqual(untagged[-2:], [
            "* VANISHED (EARLIER) 3:4",
            f"* 2 FETCH (UID 2 FLAGS (\\Flagged) MODSEQ ({highest + 1}))",
        ])
        # Without known UIDs the new message is reported too, with its MODSEQ.
        untagged, tagged = a.cmd(f"EXAMINE INBOX (QRESYNC ({validity} {highest}))")
        self.assertEqual(tagged, "OK [READ-ONLY] EXAMINE completed")
        self.assertEqual(untagged[0], "* OK [CLOSED] Previous mailbox closed")
        self.assertEqual(untagged[-3:], [
            "* VANISHED (EARLIER) 3:4",
            f"* 2 FETCH (UID 2 FLAGS (\\Flagged) MODSEQ ({highest + 1}))",
            f"* 4 FETCH (UID 6 FLAGS () MODSEQ ({highest + 4}))",
        ])
        # The same answer through UID FETCH … (CHANGEDSINCE … VANISHED).
        self.assertEqual(a.cmd(f"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {highest} VANISHED)"), ([
            "* VANISHED (EARLIER) 3:4",
            f"* 2 FETCH (UID 2 FLAGS (\\Flagged) MODSEQ ({highest + 1}))",
            f"* 4 FETCH (UID 6 FLAGS () MODSEQ ({highest + 4}))",
        ], "OK UID FETCH completed"))
        # A stale UIDVALIDITY gets no resync data: the client must start over.
        untagged, _ = a.cmd(f"SELECT INBOX (QRESYNC ({validity + 1} {highest}))", expect="OK")
        self.assertFalse([l for l in untagged if "VANISHED" in l or "FETCH" in l], untagged)


if __name__ == "__main__":
    unittest.main()
