"""Content filters over the milter protocol (issue #17): the MTA against Sendmail's libmilter
(milter_filter.py on Debian's python3-milter). Each SMTP event reaches the filter with the
macros rspamd and OpenDKIM read; its verdicts (reject with its own reply, tempfail, discard,
quarantine) and its changes (header fields, body, recipients, sender) take effect; a filter
that is down or too slow gets its default action."""

import imaplib
import json
import os
import shutil
import smtplib
import subprocess
import tempfile
import time
import unittest

from mailsuite_fixture import Suite

USERS = {"alice@example.test": "pw-alice", "bob@example.test": "pw-bob",
         "reject-rcpt@example.test": "pw-r"}
HERE = os.path.dirname(os.path.abspath(__file__))
# libmilter's Python binding is a Debian package: the system interpreter has it.
FILTER_PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3"


class TestFilterProcess:
    """milter_filter.py on a Unix socket in a short temporary folder."""

    def __init__(self, name="filter"):
        self.dir = tempfile.mkdtemp(prefix="milter-", dir="/tmp")
        self.socket = os.path.join(self.dir, "f.sock")
        self.log_path = os.path.join(self.dir, "events.jsonl")
        open(self.log_path, "w").close()
        self.stderr_path = os.path.join(self.dir, "stderr")
        with open(self.stderr_path, "wb") as stderr:
            self.proc = subprocess.Popen(
                [FILTER_PYTHON, os.path.join(HERE, "milter_filter.py"), "unix:" + self.socket,
                 self.log_path, name], stdout=subprocess.DEVNULL, stderr=stderr)
        deadline = time.monotonic() + 20
        while not os.path.exists(self.socket):
            if self.proc.poll() is not None:
                raise RuntimeError("milter_filter.py died: " + open(self.stderr_path).read())
            if time.monotonic() > deadline:
                raise RuntimeError("milter_filter.py never listened")
            time.sleep(0.05)

    @property
    def spec(self):
        return "unix:" + self.socket

    def events(self, kind=None):
        with open(self.log_path) as f:
            records = [json.loads(line) for line in f if line.strip()]
        return [r for r in records if kind is None or r["event"] == kind]

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def message(subject, body="Hello.\r\n", extra=""):
    return (f"From: carol@sender.test\r\nTo: alice@example.test\r\nSubject: {subject}\r\n"
            f"Message-ID: <{time.monotonic_ns()}@sender.test>\r\n{extra}\r\n{body}")


def fetch_all(suite, user, folder="INBOX"):
    c = imaplib.IMAP4("127.0.0.1", suite.port("imap"))
    c.login(user, USERS[user])
    typ, _ = c.select(folder)
    assert typ == "OK", folder
    typ, data = c.search(None, "ALL")
    out = []
    for num in data[0].split():
        typ, msg = c.fetch(num, "(BODY.PEEK[])")
        out.append(msg[0][1])
    c.logout()
    return out


def header_block(raw):
    return raw.split(b"\r\n\r\n", 1)[0].decode()


class MilterVerdictsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.filter = TestFilterProcess()
        cls.suite = Suite(users=USERS, settings={
            "smtp.milters": cls.filter.spec, "smtp.submission_milters": cls.filter.spec}).start()

    @classmethod
    def tearDownClass(cls):
        cls.suite.stop()
        cls.filter.stop()

    def send(self, subject, to=("alice@example.test",), sender="carol@sender.test", **kw):
        with smtplib.SMTP("127.0.0.1", self.suite.port("smtp"), timeout=30) as c:
            return c.sendmail(sender, list(to), message(subject, **kw))

    def subjects(self, user, folder="INBOX"):
        out = []
        for raw in fetch_all(self.suite, user, folder):
            for line in header_block(raw).split("\r\n"):
                if line.lower().startswith("subject:"):
                    out.append(line.split(":", 1)[1].strip())
        return out

    def test_every_stage_reaches_the_filter_with_its_macros(self):
        with smtplib.SMTP("127.0.0.1", self.suite.port("smtp"), timeout=30) as c:
            c.ehlo("client.sender.test")
            c.mail("carol@sender.test", ["BODY=8BITMIME"])
            c.rcpt("alice@example.test")
            code, reply = c.data(message("macros please"))
        self.assertEqual(code, 250)
        queue_id = reply.decode().split()[-1]
        connect = self.filter.events("connect")[-1]
        self.assertEqual(connect["address"], "127.0.0.1")
        self.assertEqual(connect["macros"]["j"], "mail.example.test")
        self.assertEqual(connect["macros"]["{daemon_name}"], "smtp")
        self.assertEqual(connect["macros"]["{client_addr}"], "127.0.0.1")
        helo = self.filter.events("helo")[-1]
        self.assertEqual(helo["name"], "client.sender.test")
        mail = self.filter.events("mail")[-1]
        self.assertEqual(mail["sender"], "<carol@sender.test>")
        self.assertEqual(mail["params"], ["BODY=8BITMIME"])
        self.assertEqual(mail["macros"]["i"], queue_id)
        self.assertEqual(mail["macros"]["{mail_addr}"], "carol@sender.test")
        rcpt = self.filter.events("rcpt")[-1]
        self.assertEqual(rcpt["recipient"], "<alice@example.test>")
        self.assertEqual(rcpt["macros"]["{rcpt_addr}"], "alice@example.test")
        self.assertEqual(rcpt["macros"]["{rcpt_mailer}"], "local")
        eom = self.filter.events("eom")[-1]
        self.assertEqual(eom["macros"]["i"], queue_id)
        names = [h[0] for h in eom["headers"]]
        # The filter sees the message as the client sent it: our trace fields are not its.
        self.assertEqual(names[0], "From")
        self.assertNotIn("Received", names)
        self.assertIn(["Subject", "macros please"], eom["headers"])
        self.assertEqual(eom["body"], "Hello.\r\n")
        stored = header_block(fetch_all(self.suite, "alice@example.test")[-1])
        self.assertIn("X-Test-Filter: filter saw it", stored)

    def test_reject_at_end_of_message_uses_the_filters_reply(self):
        with self.assertRaises(smtplib.SMTPDataError) as e:
            self.send("reject this")
        self.assertEqual(e.exception.smtp_code, 554)
        self.assertIn(b"5.7.1 Rejected by the test filter", e.exception.smtp_error)
        self.assertNotIn("reject this", self.subjects("alice@example.test"))

    def test_tempfail_at_end_of_message(self):
        with self.assertRaises(smtplib.SMTPDataError) as e:
            self.send("tempfail this")
        self.assertEqual(e.exception.smtp_code, 451)
        self.assertIn(b"4.7.1 Try later, says the test filter", e.exception.smtp_error)

    def test_reject_at_mail_and_at_rcpt(self):
        with smtplib.SMTP("127.0.0.1", self.suite.port("smtp"), timeout=30) as c:
            c.ehlo("client.sender.test")
            code, reply = c.mail("reject-mail@sender.test")
            self.assertEqual((code, reply), (550, b"5.7.1 Sender refused by the test filter"))
            self.assertEqual(c.mail("carol@sender.test")[0], 250)
            code, reply = c.rcpt("reject-rcpt@example.test")
            self.assertEqual((code, reply), (550, b"5.7.1 Recipient refused by the test filter"))
            self.assertEqual(c.rcpt("alice@example.test")[0], 250)
            self.assertEqual(c.data(message("after refusals"))[0], 250)
        self.assertIn("after refusals", self.subjects("alice@example.test"))
        self.assertEqual(self.subjects("reject-rcpt@example.test"), [])

    def test_discard_answers_250_and_delivers_nothing(self):
        self.assertEqual(self.send("discard this"), {})
        self.assertNotIn("discard this", self.subjects("alice@example.test"))
        self.assertIn("discarded by milter", self.suite.log("mta"))

    def test_discard_at_mail_drops_the_transaction_at_once(self):
        with smtplib.SMTP("127.0.0.1", self.suite.port("smtp"), timeout=30) as c:
            c.ehlo("client.sender.test")
            started = time.monotonic()
            self.assertEqual(c.mail("discard-mail@sender.test")[0], 250)
            self.assertEqual(c.rcpt("alice@example.test")[0], 250)
            self.assertEqual(c.data(message("discarded at mail"))[0], 250)
            # The filter heard nothing after MAIL, so nothing waited for it to time out.
            self.assertLess(time.monotonic() - started, 10)
            c.sendmail("carol@sender.test", ["alice@example.test"], message("kept after"))
        subjects = self.subjects("alice@example.test")
        self.assertNotIn("discarded at mail", subjects)
        self.assertIn("kept after", subjects)

    def test_quarantine_goes_to_junk(self):
        self.send("quarantine this")
        self.assertNotIn("quarantine this", self.subjects("alice@example.test"))
        self.assertIn("quarantine this", self.subjects("alice@example.test", "Junk"))

    def test_spam_header_from_a_filter_goes_to_junk(self):
        self.send("spam")
        self.assertIn("spam", self.subjects("alice@example.test", "Junk"))
        self.assertNotIn("spam", self.subjects("alice@example.test"))

    def test_header_changes(self):
        self.send("addheader insheader chgheader delheader",
                  extra="X-Remove-Me: please\r\nX-Keep: yes\r\n")
        raw = [m for m in fetch_all(self.suite, "alice@example.test")
               if b"changed by the filter" in m][-1]
        head = header_block(raw)
        # The top of what the filter saw: below our trace fields, above the client's.
        self.assertIn("\r\nX-Inserted-First: at the top\r\nFrom: carol@sender.test\r\n", head)
        self.assertLess(head.index("Received: from"), head.index("X-Inserted-First"))
        self.assertIn("X-Added: folded first line\r\n\tsecond line\r\n", head + "\r\n")
        self.assertIn("Subject: changed by the filter", head)
        self.assertNotIn("X-Remove-Me", head)
        self.assertIn("X-Keep: yes", head)

    def test_body_replaced(self):
        self.send("replbody", body="The original body.\r\n")
        raw = [m for m in fetch_all(self.suite, "alice@example.test")
               if b"Subject: replbody" in m][-1]
        self.assertEqual(raw.split(b"\r\n\r\n", 1)[1],
                         b"The filter replaced this body.\r\nSecond line.\r\n")

    def test_recipient_added_and_deleted(self):
        self.send("addrcpt:bob@example.test added")
        self.assertIn("addrcpt:bob@example.test added", self.subjects("bob@example.test"))
        self.assertIn("addrcpt:bob@example.test added", self.subjects("alice@example.test"))
        self.send("delrcpt:bob@example.test deleted",
                  to=("alice@example.test", "bob@example.test"))
        self.assertIn("delrcpt:bob@example.test deleted", self.subjects("alice@example.test"))
        self.assertNotIn("delrcpt:bob@example.test deleted", self.subjects("bob@example.test"))

    def test_sender_changed(self):
        self.send("chgfrom:bounces@sender.test")
        raw = [m for m in fetch_all(self.suite, "alice@example.test")
               if b"chgfrom:bounces" in m][-1]
        self.assertTrue(header_block(raw).startswith("Return-Path: <bounces@sender.test>"),
                        header_block(raw)[:200])

    def test_submission_reports_the_user(self):
        with smtplib.SMTP("127.0.0.1", self.suite.port("submission"), timeout=30) as c:
            c.login("bob@example.test", "pw-bob")
            c.sendmail("bob@example.test", ["alice@example.test"],
                       message("from bob").replace("carol@sender.test", "bob@example.test"))
        mail = [e for e in self.filter.events("mail") if e["sender"] == "<bob@example.test>"][-1]
        self.assertEqual(mail["macros"]["{auth_authen}"], "bob@example.test")
        self.assertEqual(mail["macros"]["{auth_type}"], "PLAIN")
        self.assertEqual(mail["macros"]["{daemon_name}"], "submission")

    def test_rset_aborts_the_filters_transaction(self):
        before = len(self.filter.events("abort"))
        with smtplib.SMTP("127.0.0.1", self.suite.port("smtp"), timeout=30) as c:
            c.ehlo("client.sender.test")
            c.mail("carol@sender.test")
            c.rcpt("alice@example.test")
            c.rset()
            c.noop()
        deadline = time.monotonic() + 5
        while len(self.filter.events("abort")) == before and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertGreater(len(self.filter.events("abort")), before)


class TwoFiltersTest(unittest.TestCase):
    def test_the_second_filter_sees_the_first_ones_changes(self):
        first, second = TestFilterProcess("first"), TestFilterProcess("second")
        try:
            with Suite(users=USERS, daemons=("mta", "imapd"),
                       settings={"smtp.milters": f"{first.spec}, {second.spec}"}) as s:
                with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=30) as c:
                    c.sendmail("carol@sender.test", ["alice@example.test"], message("two"))
                seen = second.events("eom")[-1]["headers"]
                self.assertIn(["X-Test-Filter", "first saw it"], seen)
                head = header_block(fetch_all(s, "alice@example.test")[-1])
                self.assertIn("X-Test-Filter: first saw it", head)
                self.assertIn("X-Test-Filter: second saw it", head)
        finally:
            first.stop()
            second.stop()


class FilterDownTest(unittest.TestCase):
    def test_default_tempfail_when_the_filter_is_down(self):
        with Suite(users=USERS, daemons=("mta",),
                   settings={"smtp.milters": "unix:/tmp/mailsuite-no-such-milter.sock"}) as s:
            with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=30) as c:
                c.ehlo("client.sender.test")
                code, reply = c.mail("carol@sender.test")
            self.assertEqual((code, reply), (451, b"4.7.1 Service unavailable - try again later"))
            self.assertIn("milter unix:/tmp/mailsuite-no-such-milter.sock: cannot connect",
                          s.log("mta"))

    def test_default_accept_goes_on_without_it(self):
        spec = "unix:/tmp/mailsuite-no-such-milter.sock default_action=accept"
        with Suite(users=USERS, daemons=("mta", "imapd"), settings={"smtp.milters": spec}) as s:
            with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=30) as c:
                c.sendmail("carol@sender.test", ["alice@example.test"], message("no filter"))
            head = header_block(fetch_all(s, "alice@example.test")[-1])
            self.assertIn("Subject: no filter", head)

    def test_a_filter_too_slow_at_end_of_message_gets_its_default_action(self):
        f = TestFilterProcess()
        try:
            with Suite(users=USERS, daemons=("mta",),
                       settings={"smtp.milters": f.spec + " content_timeout=1"}) as s:
                with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=30) as c:
                    c.ehlo("client.sender.test")
                    c.mail("carol@sender.test")
                    c.rcpt("alice@example.test")
                    code, reply = c.data(message("sleep:3 slow"))
                    self.assertEqual((code, reply),
                                     (451, b"4.7.1 Service unavailable - try again later"))
                    # The session goes on; the failed filter keeps its default for the session.
                    self.assertEqual(c.mail("carol@sender.test")[0], 451)
        finally:
            f.stop()


if __name__ == "__main__":
    unittest.main()
