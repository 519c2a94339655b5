"""End-to-end IMAP: the real mailsuite-imapd (with the mta for delivery) on loopback, driven
by Python's imaplib, raw sockets and curl. Mail goes in by SMTP through the mta."""

import email.utils
import imaplib
import re
import smtplib
import ssl
import subprocess
import time
import unittest

from mailsuite_fixture import Suite

PASSWORD = "hungry"
NAMES = ["bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory"]
USERS = {f"{n}@example.test": PASSWORD for n in NAMES}

MULTIPART = (
    "From: Sender <sender@example.org>\r\nTo: someone@example.test\r\nSubject: parts\r\n"
    "Message-ID: <parts@example.org>\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"BB\"\r\n\r\n"
    "--BB\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nfirst part\r\n"
    "--BB\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    "AAECAwQ=\r\n--BB--\r\n")


def tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def message(subject, body):
    return (f"From: sender@example.org\r\nTo: someone@example.test\r\nSubject: {subject}\r\n"
            f"Date: {email.utils.formatdate()}\r\n\r\n{body}")


class ImapTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.suite = Suite(users=USERS, daemons=("imapd", "mta")).start()

    @classmethod
    def tearDownClass(cls):
        cls.suite.__exit__(None, None, None)

    def setUp(self):
        self.closers = []

    def tearDown(self):
        for c in self.closers:
            try:
                c()
            except (OSError, imaplib.IMAP4.error):
                pass

    def deliver(self, user, *contents):
        with smtplib.SMTP("127.0.0.1", self.suite.port("smtp"), timeout=60) as smtp:
            for content in contents:
                smtp.sendmail("sender@example.org", [user], content.encode())

    def imap(self, user=None):
        m = imaplib.IMAP4("127.0.0.1", self.suite.port("imap"), timeout=30)
        self.closers.append(m.logout)
        if user:
            m.login(user, PASSWORD)
        return m

    def ok(self, result):
        typ, data = result
        self.assertEqual(typ, "OK", data)
        return data

    # --- P1 -----------------------------------------------------------------------------
    def test_login_and_authenticate_plain(self):
        m = self.imap()
        self.assertIn("AUTH=PLAIN", m.capabilities)
        self.assertIn("STARTTLS", m.capabilities)
        self.ok(m.login("bob@example.test", PASSWORD))
        self.ok(m.noop())
        m2 = self.imap()
        self.ok(m2.authenticate("PLAIN", lambda _: b"\0carol@example.test\0" + PASSWORD.encode()))
        m3 = self.imap()
        with self.assertRaises(imaplib.IMAP4.error):
            m3.login("dave@example.test", "wrong")
        self.assertIn("auth failed user=dave@example.test", self.suite.log("imapd"))

    def test_starttls_and_imaps(self):
        m = self.imap()
        m.starttls(ssl_context=tls_context())
        self.assertNotIn("STARTTLS", m.capabilities)
        self.ok(m.login("erin@example.test", PASSWORD))
        s = imaplib.IMAP4_SSL("127.0.0.1", self.suite.port("imaps"), ssl_context=tls_context(),
                              timeout=30)
        self.closers.append(s.logout)
        self.assertNotIn("STARTTLS", s.capabilities)
        self.ok(s.login("erin@example.test", PASSWORD))
        self.ok(s.select("INBOX"))

    # --- P2 -----------------------------------------------------------------------------
    def test_mailbox_management(self):
        m = self.imap("frank@example.test")
        self.ok(m.create("Projects/2024"))
        names = b"\n".join(self.ok(m.list()))
        self.assertIn(b'(\\HasChildren) "/" "Projects"', names)
        self.assertIn(b'(\\HasNoChildren) "/" "Projects/2024"', names)
        self.assertIn(b'"INBOX"', names)
        self.ok(m.rename("Projects/2024", "Projects/Done"))
        self.ok(m.subscribe("Projects/Done"))
        self.assertIn(b'"Projects/Done"', b"".join(self.ok(m.lsub())))
        self.ok(m.unsubscribe("Projects/Done"))
        self.ok(m.delete("Projects/Done"))
        self.assertNotIn(b"Projects/Done", b"".join(self.ok(m.list())))
        self.assertEqual(m.delete("INBOX")[0], "NO")
        self.deliver("frank@example.test", message("count me", "x\r\n"))
        status = self.ok(m.status("INBOX", "(MESSAGES UIDNEXT UNSEEN)"))[0]
        self.assertRegex(status, rb'"INBOX" \(MESSAGES 1 UIDNEXT 2 UNSEEN 1\)')

    # --- P3/P4 --------------------------------------------------------------------------
    def test_fetch_is_byte_exact(self):
        user = "grace@example.test"
        plain = message("plain one", "Line 1\r\nLine 2 \xe9\r\n")  # sent as UTF-8 (8BITMIME)
        self.deliver(user, plain, MULTIPART)
        m = self.imap(user)
        typ, data = m.select("INBOX")
        self.assertEqual(data, [b"2"])
        self.assertTrue(m.untagged_responses.get("UIDVALIDITY"))
        data = self.ok(m.fetch("1", "(BODY.PEEK[TEXT])"))
        self.assertEqual(data[0][1], "Line 1\r\nLine 2 \xe9\r\n".encode())
        data = self.ok(m.fetch("1", "(BODY.PEEK[])"))
        whole = data[0][1]
        self.assertTrue(whole.endswith(plain.encode()), whole)
        self.assertTrue(whole.startswith(b"Return-Path: <sender@example.org>\r\n"), whole[:200])
        data = self.ok(m.fetch("1", "(RFC822.SIZE BODY.PEEK[]<0.20>)"))
        self.assertIn(f"RFC822.SIZE {len(whole)}".encode(), data[0][0])
        self.assertEqual(data[0][1], whole[:20])
        data = self.ok(m.fetch("1", "(BODY.PEEK[HEADER.FIELDS (Subject)])"))
        self.assertEqual(data[0][1], b"Subject: plain one\r\n\r\n")
        data = self.ok(m.fetch("2", "(BODYSTRUCTURE ENVELOPE)"))
        self.assertIn(b'("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" 10 1', data[0])
        self.assertIn(b'"APPLICATION" "OCTET-STREAM"', data[0])
        self.assertIn(b'"MIXED" ("BOUNDARY" "BB")', data[0])
        self.assertIn(b'"<parts@example.org>"', data[0])
        data = self.ok(m.fetch("2", "(BODY[2] BODY[1.MIME])"))
        self.assertEqual(data[0][1], b"AAECAwQ=")
        self.assertEqual(data[1][1], b"Content-Type: text/plain; charset=utf-8\r\n\r\n")
        flags = self.ok(m.fetch("2", "(FLAGS)"))
        self.assertIn(b"\\Seen", flags[0])
        flags = self.ok(m.fetch("1", "(FLAGS)"))
        self.assertNotIn(b"\\Seen", flags[0])
        self.ok(m.select("INBOX", readonly=True))  # EXAMINE
        self.assertEqual(m.store("1", "+FLAGS", "\\Seen")[0], "NO")

    def test_thunderbird_first_sync(self):
        user = "heidi@example.test"
        self.deliver(user, message("tb one", "Hello Thunderbird\r\n" * 200), MULTIPART)
        t = self.imap(user)
        t.select("INBOX")
        for tag_cmd in ["UID fetch 1:* (FLAGS)",
                        "UID fetch 1:2 (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Cc "
                        "Bcc Subject Date Message-ID Priority X-Priority References Newsgroups "
                        "In-Reply-To Content-Type Reply-To)])",
                        "UID fetch 1 (UID RFC822.SIZE BODY.PEEK[])",
                        "UID fetch 1 (UID RFC822.SIZE BODY.PEEK[HEADER.FIELDS (Content-Type "
                        "Content-Transfer-Encoding)] BODY.PEEK[TEXT]<0.2048>)"]:
            typ, data = t._simple_command("UID", *tag_cmd.split(" ", 1)[1].split(" ", 1))
            self.assertEqual(typ, "OK", tag_cmd)
            data = t._untagged_response(typ, data, "FETCH")[1]
            self.assertTrue(data and data[0], tag_cmd)
        flat = b" ".join(x[0] if isinstance(x, tuple) else x for x in data)
        self.assertIn(b"BODY[TEXT]<0> {2048}", flat)
        self.ok(t.uid("STORE", "1", "+FLAGS", "(\\Seen)"))
        self.assertIn(b"\\Seen", self.ok(t.uid("FETCH", "1", "(FLAGS)"))[0])

    # --- P5/P6 --------------------------------------------------------------------------
    def test_store_expunge_copy_append(self):
        user = "ivan@example.test"
        self.deliver(user, message("one", "1\r\n"), message("two", "2\r\n"),
                     message("three", "3\r\n"))
        m = self.imap(user)
        m.select("INBOX")
        self.ok(m.store("2", "+FLAGS", "(\\Deleted)"))
        self.ok(m.copy("1:3", "Archive"))
        self.assertEqual(m.copy("1", "Nowhere")[0], "NO")
        self.assertIn("TRYCREATE", str(m.untagged_responses) + str(m.copy("1", "Nowhere")))
        data = self.ok(m.expunge())
        self.assertEqual(data, [b"2"])
        appended = b"From: me@example.test\r\nSubject: draft\r\n\r\nappended body\r\n"
        self.ok(m.append("Drafts", "(\\Draft)", imaplib.Time2Internaldate(time.time()),
                         appended))
        self.ok(m.select("Drafts"))
        data = self.ok(m.fetch("1", "(FLAGS BODY.PEEK[])"))
        self.assertEqual(data[0][1], appended)
        self.assertIn(b"\\Draft", data[0][0])
        typ, data = m.select("Archive")
        self.assertEqual(data, [b"3"])
        self.assertEqual(self.ok(m.search(None, "DELETED")), [b"2"])

    def test_two_sessions_see_each_others_changes(self):
        user = "judy@example.test"
        self.deliver(user, message("a", "a\r\n"), message("b", "b\r\n"))
        one, two = self.imap(user), self.imap(user)
        one.select("INBOX")
        two.select("INBOX")
        self.ok(one.store("1", "+FLAGS", "(\\Flagged)"))
        self.ok(one.store("2", "+FLAGS", "(\\Deleted)"))
        self.ok(one.expunge())
        self.deliver(user, message("c", "c\r\n"))
        two.untagged_responses.clear()
        self.ok(two.noop())
        self.assertEqual(two.untagged_responses.get("EXPUNGE"), [b"2"])
        self.assertEqual(two.untagged_responses.get("EXISTS"), [b"2"])
        fetches = two.untagged_responses.get("FETCH", [])
        self.assertTrue(any(b"\\Flagged" in f for f in fetches), fetches)
        typ, data = two.uid("SEARCH", "ALL")
        self.assertEqual(data, [b"1 3"])

    def test_new_mail_appears_on_noop(self):
        user = "mallory@example.test"
        m = self.imap(user)
        typ, data = m.select("INBOX")
        self.assertEqual(data, [b"0"])
        self.deliver(user, message("fresh", "new\r\n"))
        self.ok(m.noop())
        self.assertEqual(m.untagged_responses.get("EXISTS")[-1], b"1")

    # --- P7 -----------------------------------------------------------------------------
    def test_search(self):
        user = "dave@example.test"
        self.deliver(user, message("Lunch plans", "pizza?\r\n"), message("Report", "numbers\r\n"))
        m = self.imap(user)
        m.select("INBOX")
        self.assertEqual(self.ok(m.search(None, "SUBJECT", "lunch")), [b"1"])
        self.assertEqual(self.ok(m.search("UTF-8", "BODY", "NUMBERS")), [b"2"])
        self.assertEqual(self.ok(m.search(None, "OR", "SUBJECT", "lunch", "BODY", "numbers")),
                         [b"1 2"])
        self.assertEqual(self.ok(m.search(None, "UNSEEN", "NOT", "FROM", "nobody")), [b"1 2"])
        self.assertEqual(m.search("KOI8-R", "ALL")[0], "NO")

    # --- real clients and raw protocol --------------------------------------------------
    def test_curl_as_a_client(self):
        user = "carol@example.test"
        sent = message("via curl", "curl body\r\n")
        self.deliver(user, sent)
        out = subprocess.run(
            ["curl", "-s", "--max-time", "30",
             f"imap://127.0.0.1:{self.suite.port('imap')}/INBOX;UID=1",
             "--user", f"{user}:{PASSWORD}"], capture_output=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertTrue(out.stdout.endswith(sent.encode()), out.stdout)
        out = subprocess.run(
            ["curl", "-s", "--max-time", "30", f"imap://127.0.0.1:{self.suite.port('imap')}/",
             "--user", f"{user}:{PASSWORD}"], capture_output=True, timeout=60)
        self.assertIn(b"INBOX", out.stdout)

    def test_literal_limits_and_bad_commands_raw(self):
        sock = self.suite.connect("imap")
        f = sock.makefile("rb")
        self.closers.append(sock.close)
        self.assertTrue(f.readline().startswith(b"* OK [CAPABILITY IMAP4rev1"))
        sock.sendall(b"a LOGIN {999999999}\r\n")
        self.assertEqual(f.readline(), b"a NO [TOOBIG] Literal too large\r\n")
        sock.sendall(b"x NOOP " + b"x" * 70000 + b"\r\ny NOOP\r\n")
        self.assertEqual(f.readline(), b"* BAD Command line too long\r\n")
        self.assertEqual(f.readline(), b"y OK NOOP completed\r\n")
        sock.sendall(b"b FROB\r\nc select inbox\r\nd logout\r\n")
        self.assertEqual(f.readline(), b"b BAD Unknown command\r\n")
        self.assertEqual(f.readline(), b"c BAD Command not valid in this state\r\n")
        self.assertEqual(f.readline(), b"* BYE mailsuite IMAP server logging out\r\n")
        self.assertEqual(f.readline(), b"d OK LOGOUT completed\r\n")


    def test_too_many_bad_commands_end_the_session(self):
        sock = self.suite.connect("imap")
        f = sock.makefile("rb")
        self.closers.append(sock.close)
        f.readline()
        sock.sendall(b"".join(b"t%d FROB\r\n" % i for i in range(25)))
        lines = [f.readline() for _ in range(21)]
        self.assertEqual(lines[-1], b"* BYE Too many bad commands, closing connection\r\n")
        self.assertEqual(f.read(), b"")


if __name__ == "__main__":
    unittest.main()
