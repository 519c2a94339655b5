"""Filtering with a real rspamd (issue #17): Debian's rspamd and redis, started by the test with
a private configuration (rspamd_fixture.py), attached to port 25 as a milter. GTUBE is refused
with rspamd's reply; a message rspamd scores as spam lands in Junk; a clean one in INBOX with
rspamd's header fields; rspamd's own milter changes (a header and a recipient, from a Lua rule)
take effect; rspamd down means the configured default action; and moving a message into or out
of Junk over IMAP teaches rspamd (its controller's count of learned messages grows)."""

import imaplib
import smtplib
import time
import unittest

from mailsuite_fixture import Suite
from rspamd_fixture import Rspamd

USERS = {"alice@example.test": "pw-alice", "bob@example.test": "pw-bob"}
GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
# Enough words for rspamd's Bayes classifier to learn from (it wants at least 11 tokens).
PROSE = ("The quarterly report covers revenue, travel plans, the garden project, "
         "several new library books, a recipe for bread, and the schedule for the "
         "neighbourhood meeting next Thursday evening at the community hall.\r\n") * 3

ADDRCPT_RULE = """
rspamd_config:register_symbol({
  name = 'MAILSUITE_TEST_ADDRCPT',
  score = 0.0,
  callback = function(task)
    local subject = task:get_subject()
    if subject ~= nil and subject:find('mailsuite-test-addrcpt', 1, true) then
      task:set_milter_reply({
        add_rcpt = {'bob@example.test'},
        add_headers = {['X-Mailsuite-Test'] = 'added by rspamd'},
      })
      return true
    end
    return false
  end
})
"""


def message(subject, body=PROSE):
    return (f"From: Carol <carol@sender.test>\r\nTo: alice@example.test\r\n"
            f"Subject: {subject}\r\nDate: Mon, 07 Dec 2026 05:00:00 +0000\r\n"
            f"Message-ID: <{time.monotonic_ns()}@sender.test>\r\n\r\n{body}")


def mailbox(suite, user, folder):
    """[(uid, raw message)] of a folder."""
    c = imaplib.IMAP4("127.0.0.1", suite.port("imap"))
    c.login(user, USERS[user])
    c.select(folder)
    out = []
    typ, data = c.uid("SEARCH", None, "ALL")
    for uid in data[0].split():
        typ, msg = c.uid("FETCH", uid, "(BODY.PEEK[])")
        out.append((int(uid), msg[0][1]))
    c.logout()
    return out


def with_subject(messages, subject):
    return [raw for _, raw in messages if f"Subject: {subject}".encode() in raw]


class RspamdTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rspamd = Rspamd()
        cls.rspamd.extra_lua = ADDRCPT_RULE
        cls.rspamd.start()
        cls.suite = Suite(users=USERS, settings={
            "smtp.milters": cls.rspamd.milter_spec,
            "spam.learn_url": cls.rspamd.controller_url,
            "spam.learn_password_file": cls.rspamd.password_file}).start()

    @classmethod
    def tearDownClass(cls):
        cls.suite.stop()
        cls.rspamd.stop()

    def send(self, subject, body=PROSE, to=("alice@example.test",)):
        with smtplib.SMTP("127.0.0.1", self.suite.port("smtp"), timeout=60) as c:
            c.ehlo("mail.sender.test")
            return c.sendmail("carol@sender.test", list(to), message(subject, body))

    def test_gtube_is_refused_with_rspamds_reply(self):
        with self.assertRaises(smtplib.SMTPDataError) as e:
            self.send("gtube", body=GTUBE + "\r\n")
        self.assertEqual(e.exception.smtp_code, 554)
        self.assertEqual(e.exception.smtp_error, b"5.7.1 Gtube pattern")
        self.assertEqual(with_subject(mailbox(self.suite, "alice@example.test", "INBOX"),
                                      "gtube"), [])

    def test_spam_lands_in_junk(self):
        self.send("mailsuite-test-spam offer")
        junk = with_subject(mailbox(self.suite, "alice@example.test", "Junk"),
                            "mailsuite-test-spam offer")
        self.assertEqual(len(junk), 1)
        self.assertIn(b"\r\nX-Spam: Yes\r\n", junk[0])
        self.assertEqual(with_subject(mailbox(self.suite, "alice@example.test", "INBOX"),
                                      "mailsuite-test-spam offer"), [])

    def test_clean_mail_lands_in_inbox_with_rspamds_fields(self):
        self.send("minutes of the meeting")
        inbox = with_subject(mailbox(self.suite, "alice@example.test", "INBOX"),
                             "minutes of the meeting")
        self.assertEqual(len(inbox), 1)
        head = inbox[0].split(b"\r\n\r\n", 1)[0]
        self.assertIn(b"\r\nX-Spamd-Result: default: False [", head)
        self.assertIn(b"\r\nX-Rspamd-Queue-Id: ", head)
        self.assertNotIn(b"X-Spam: Yes", head)

    def test_rspamds_own_changes_take_effect(self):
        self.send("mailsuite-test-addrcpt please")
        for user in ("alice@example.test", "bob@example.test"):
            got = with_subject(mailbox(self.suite, user, "INBOX"), "mailsuite-test-addrcpt please")
            self.assertEqual(len(got), 1, user)
            self.assertIn(b"\r\nX-Mailsuite-Test: added by rspamd\r\n", got[0])

    def test_moving_into_and_out_of_junk_teaches_rspamd(self):
        self.send("learn from me")
        (uid, _), = [m for m in mailbox(self.suite, "alice@example.test", "INBOX")
                     if b"Subject: learn from me" in m[1]]
        before = self.rspamd.learned()
        c = imaplib.IMAP4("127.0.0.1", self.suite.port("imap"))
        c.login("alice@example.test", USERS["alice@example.test"])
        c.select("INBOX")
        started = time.monotonic()
        typ, _ = c.uid("MOVE", str(uid), "Junk")
        self.assertEqual(typ, "OK")
        self.assertLess(time.monotonic() - started, 5, "MOVE waited on rspamd")
        self.wait_learned(before + 1)
        # Out of Junk again: ham.
        c.select("Junk")
        typ, data = c.uid("SEARCH", None, "SUBJECT", '"learn from me"')
        self.assertEqual(c.uid("MOVE", data[0].split()[-1], "INBOX")[0], "OK")
        self.wait_learned(before + 2)
        c.logout()
        # rspamd counts a lesson before imapd has read its reply and logged it.
        self.wait_logged("learned ham from alice@example.test")
        self.wait_logged("learned spam from alice@example.test")

    def wait_logged(self, text):
        deadline = time.monotonic() + 30
        while text not in self.suite.log("imapd"):
            self.assertLess(time.monotonic(), deadline,
                            f"imapd never logged {text!r}:\n" + self.suite.log("imapd")[-2000:])
            time.sleep(0.1)

    def wait_learned(self, count):
        deadline = time.monotonic() + 30
        while self.rspamd.learned() < count:
            self.assertLess(time.monotonic(), deadline,
                            f"rspamd learned {self.rspamd.learned()}, not {count}:\n"
                            + self.suite.log("imapd")[-2000:])
            time.sleep(0.2)


class RspamdDownTest(unittest.TestCase):
    def test_rspamd_stopping_means_the_default_action(self):
        rspamd = Rspamd().start()
        try:
            with Suite(users=USERS, daemons=("mta", "imapd"),
                       settings={"smtp.milters": rspamd.milter_spec}) as s:
                with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=60) as c:
                    c.sendmail("carol@sender.test", ["alice@example.test"], message("before"))
                rspamd.stop()
                with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=60) as c:
                    c.ehlo("mail.sender.test")
                    code, reply = c.mail("carol@sender.test")
                self.assertEqual((code, reply),
                                 (451, b"4.7.1 Service unavailable - try again later"))
                # With default_action=accept, mail flows unfiltered.
                s.stop_daemon("mta")
                s.start_daemon("mta", extra_sets=[
                    f"smtp.milters={rspamd.milter_spec} default_action=accept"])
                with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=60) as c:
                    c.sendmail("carol@sender.test", ["alice@example.test"], message("after"))
                self.assertEqual(len(with_subject(mailbox(s, "alice@example.test", "INBOX"),
                                                  "after")), 1)
        finally:
            rspamd.stop()


if __name__ == "__main__":
    unittest.main()
