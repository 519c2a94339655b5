"""End-to-end SMTP: the real mailsuite-mta on loopback, driven by raw sockets, Python's smtplib,
curl and swaks. Stored results are checked with the admin CLI."""

import concurrent.futures
import os
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import unittest

from mailsuite_fixture import Suite, read_line

USERS = {"bob@example.test": "hungry", "alice@example.test": "wonderland"}


def inbox_count(suite, user):
    out = suite.cli("mailbox", "list", user).stdout
    for line in out.splitlines():
        if line.startswith("INBOX\t"):
            return int(line.split("\t")[1].split()[0])
    raise AssertionError(f"no INBOX in {out!r}")


def tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class Transcript:
    """A raw SMTP conversation: send a line, get the reply lines."""

    def __init__(self, sock):
        self.sock = sock
        self.f = sock.makefile("rb")

    def reply(self):
        lines = []
        while True:
            line = read_line(self.f)
            lines.append(line)
            if len(line) < 4 or line[3] != "-":
                return lines

    def cmd(self, text):
        self.sock.sendall(text.encode() + b"\r\n")
        return self.reply()[-1]

    def close(self):
        self.f.close()
        self.sock.close()


class SmtpTest(unittest.TestCase):
    def setUp(self):
        self.transcripts = []

    def tearDown(self):
        for t in self.transcripts:
            t.close()

    def open(self, listener):
        t = Transcript(self.suite.connect(listener))
        self.transcripts.append(t)
        return t

    @classmethod
    def setUpClass(cls):
        cls.suite = Suite(users=USERS, daemons=("mta",),
                          settings={"smtp.trusted_networks": ""}).start()

    @classmethod
    def tearDownClass(cls):
        cls.suite.__exit__(None, None, None)

    def test_textbook_dialogue(self):
        before = inbox_count(self.suite, "bob@example.test")
        t = self.open("smtp")
        self.assertEqual(t.reply(), ["220 mail.example.test ESMTP mailsuite"])
        self.assertEqual(t.cmd("HELO client.example.org"),
                         "250 mail.example.test Hello client.example.org")
        self.assertEqual(t.cmd("MAIL FROM:<carol@example.org>"), "250 2.1.0 Ok")
        self.assertEqual(t.cmd("RCPT TO:<bob@example.test>"), "250 2.1.5 Ok")
        self.assertEqual(t.cmd("DATA"), "354 End data with <CR><LF>.<CR><LF>")
        self.assertRegex(t.cmd("Subject: hi\r\n\r\nHello.\r\n."),
                         r"^250 2\.0\.0 Ok: queued as \S+$")
        self.assertEqual(t.cmd("QUIT"), "221 2.0.0 mail.example.test Bye")
        self.assertEqual(inbox_count(self.suite, "bob@example.test"), before + 1)

    def test_errors_on_the_wire(self):
        t = self.open("smtp")
        t.reply()
        self.assertEqual(t.cmd("MAIL FROM:<a@example.org>"), "503 5.5.1 Bad sequence of commands")
        self.assertEqual(t.cmd("XYZZY"), "500 5.5.1 Command unrecognized")
        t.cmd("EHLO c")
        self.assertEqual(t.cmd("MAIL FROM:<a@example.org> SIZE=999999999999"),
                         "552 5.3.4 Message size exceeds fixed maximum message size")
        self.assertEqual(t.cmd("MAIL FROM:<a@example.org>"), "250 2.1.0 Ok")
        self.assertEqual(t.cmd("RCPT TO:<nobody@example.test>"),
                         "550 5.1.1 Recipient address rejected: user unknown")
        self.assertEqual(t.cmd("RCPT TO:<someone@elsewhere.example>"),
                         "554 5.7.1 Relay access denied")
        self.assertEqual(t.cmd("RCPT TO:bob"), "501 5.5.4 Syntax: RCPT TO:<address>")
        self.assertEqual(t.cmd("NOOP " + "x" * 2000), "500 5.5.2 Line too long")
        self.assertEqual(t.cmd("QUIT"), "221 2.0.0 mail.example.test Bye")

    def test_pipelined_transaction(self):
        before = inbox_count(self.suite, "alice@example.test")
        t = self.open("smtp")
        sock = t.sock
        t.reply()
        t.cmd("EHLO c")
        sock.sendall(b"MAIL FROM:<p@example.org>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n")
        self.assertEqual([t.reply()[-1] for _ in range(3)],
                         ["250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>"])
        sock.sendall(b"Subject: p\r\n\r\nbody\r\n.\r\nQUIT\r\n")
        self.assertTrue(t.reply()[-1].startswith("250 2.0.0 Ok: queued as "))
        self.assertTrue(t.reply()[-1].startswith("221 "))
        self.assertEqual(inbox_count(self.suite, "alice@example.test"), before + 1)

    def test_smuggling_attempts_never_start_a_second_message(self):
        for trick in (b"\n.\r\n", b"\r\n.\n"):
            before = inbox_count(self.suite, "alice@example.test")
            t = self.open("smtp")
            sock = t.sock
            t.reply()
            t.cmd("EHLO c")
            t.cmd("MAIL FROM:<a@example.org>")
            t.cmd("RCPT TO:<bob@example.test>")
            t.cmd("DATA")
            sock.sendall(b"Subject: one\r\n\r\nfirst" + trick +
                         b"MAIL FROM:<evil@example.org>\r\nRCPT TO:<alice@example.test>\r\n"
                         b"DATA\r\nSubject: smuggled\r\n\r\nx\r\n.\r\n")
            self.assertEqual(t.reply()[-1],
                             "554 5.6.0 Message contains a bare CR or LF; lines must end with CRLF")
            self.assertEqual(t.cmd("QUIT"), "221 2.0.0 mail.example.test Bye")
            self.assertEqual(inbox_count(self.suite, "alice@example.test"), before)

    def test_smtplib_submission_with_starttls_and_both_auth_mechanisms(self):
        before = inbox_count(self.suite, "alice@example.test")
        for mech in ("PLAIN", "LOGIN"):
            with smtplib.SMTP("127.0.0.1", self.suite.port("submission"), timeout=30) as c:
                c.ehlo("[127.0.0.1]")
                self.assertTrue(c.has_extn("starttls"))
                c.starttls(context=tls_context())
                c.ehlo("[127.0.0.1]")
                c.user, c.password = "bob@example.test", "hungry"
                code, _ = c.auth(mech, getattr(c, "auth_" + mech.lower()))
                self.assertEqual(code, 235)
                refused = c.sendmail("bob@example.test",
                                     ["alice@example.test", "friend@elsewhere.example"],
                                     f"Subject: via {mech}\r\n\r\nhello\r\n")
                self.assertEqual(refused, {})
        self.assertEqual(inbox_count(self.suite, "alice@example.test"), before + 2)

    def test_implicit_tls_submission_and_wrong_password(self):
        with smtplib.SMTP_SSL("127.0.0.1", self.suite.port("submissions"),
                              context=tls_context(), timeout=30) as c:
            c.ehlo("[127.0.0.1]")
            with self.assertRaises(smtplib.SMTPAuthenticationError) as e:
                c.login("bob@example.test", "not-the-password")
            self.assertEqual(e.exception.smtp_code, 535)
            c.login("bob@example.test", "hungry")
            with self.assertRaises(smtplib.SMTPSenderRefused) as e:
                c.sendmail("alice@example.test", ["bob@example.test"], "Subject: x\r\n\r\nx\r\n")
            self.assertEqual(e.exception.smtp_code, 553)

    def test_submission_requires_auth(self):
        with smtplib.SMTP("127.0.0.1", self.suite.port("submission"), timeout=30) as c:
            c.ehlo("x")
            code, msg = c.mail("bob@example.test")
            self.assertEqual(code, 530)

    def test_fifty_concurrent_clients(self):
        before = inbox_count(self.suite, "bob@example.test")

        def send(i):
            with smtplib.SMTP("127.0.0.1", self.suite.port("smtp"), timeout=60) as c:
                return c.sendmail(f"sender{i}@example.org", ["bob@example.test"],
                                  f"Subject: concurrent {i}\r\n\r\nbody {i}\r\n")

        with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
            results = list(pool.map(send, range(50)))
        self.assertEqual(results, [{}] * 50)
        self.assertEqual(inbox_count(self.suite, "bob@example.test"), before + 50)

    @unittest.skipUnless(shutil.which("curl"), "curl is not installed")
    def test_curl_as_a_client(self):
        before = inbox_count(self.suite, "alice@example.test")
        path = os.path.join(self.suite.dir, "curl-mail.txt")
        with open(path, "w") as f:
            f.write("Subject: from curl\r\n\r\nsent with curl\r\n")
        r = subprocess.run(["curl", "-sS", f"smtp://127.0.0.1:{self.suite.port('smtp')}",
                            "--mail-from", "curl@example.org", "--mail-rcpt",
                            "alice@example.test", "-T", path], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(inbox_count(self.suite, "alice@example.test"), before + 1)

    @unittest.skipUnless(shutil.which("swaks"), "swaks is not installed")
    def test_swaks_with_starttls_and_auth(self):
        before = inbox_count(self.suite, "alice@example.test")
        r = subprocess.run(["swaks", "--server", "127.0.0.1", "--port",
                            str(self.suite.port("submission")), "--tls", "--auth", "PLAIN",
                            "--auth-user", "bob@example.test", "--auth-password", "hungry",
                            "--from", "bob@example.test", "--to", "alice@example.test"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(inbox_count(self.suite, "alice@example.test"), before + 1)


class LimitsTest(unittest.TestCase):
    def test_oversized_body_and_overlong_data_line_are_refused(self):
        with Suite(users=USERS, daemons=("mta",),
                   settings={"smtp.max_message_size": "4096"}) as s:
            t = Transcript(s.connect("smtp"))
            t.reply()
            self.assertEqual(t.cmd("EHLO c").split()[0], "250")
            t.cmd("MAIL FROM:<a@example.org>")
            t.cmd("RCPT TO:<bob@example.test>")
            t.cmd("DATA")
            self.assertEqual(t.cmd(("x" * 70 + "\r\n") * 100 + "."),
                             "552 5.3.4 Message size exceeds fixed maximum message size")
            t.cmd("MAIL FROM:<a@example.org>")
            t.cmd("RCPT TO:<bob@example.test>")
            t.cmd("DATA")
            self.assertEqual(t.cmd("y" * 1500 + "\r\n."),
                             "554 5.6.0 Message has a line longer than 1000 octets")
            self.assertEqual(t.cmd("QUIT"), "221 2.0.0 mail.example.test Bye")
            t.close()
            self.assertEqual(inbox_count(s, "bob@example.test"), 0)


class DurabilityTest(unittest.TestCase):
    def test_sigkill_after_250_loses_nothing(self):
        with Suite(users=USERS, daemons=("mta",)) as s:
            acknowledged = 0
            t = Transcript(s.connect("smtp"))
            t.reply()
            t.cmd("EHLO c")
            for i in range(40):
                t.cmd("MAIL FROM:<a@example.org>")
                t.cmd("RCPT TO:<bob@example.test>")
                t.cmd("DATA")
                if t.cmd(f"Subject: {i}\r\n\r\nbody\r\n.").startswith("250 "):
                    acknowledged += 1
            # A transaction in flight when the process dies must leave nothing behind.
            t.cmd("MAIL FROM:<a@example.org>")
            t.cmd("RCPT TO:<bob@example.test>")
            t.cmd("DATA")
            t.sock.sendall(b"Subject: half\r\n\r\nnever finished\r\n")
            s.procs["mta"].send_signal(signal.SIGKILL)
            s.procs.pop("mta").wait()
            self.assertEqual(acknowledged, 40)
            self.assertEqual(inbox_count(s, "bob@example.test"), acknowledged)
            s.start_daemon("mta")
            t2 = Transcript(s.connect("smtp"))
            self.assertTrue(t2.reply()[-1].startswith("220 "))
            t2.close()
            t.close()
            self.assertEqual(inbox_count(s, "bob@example.test"), acknowledged)


if __name__ == "__main__":
    unittest.main()
