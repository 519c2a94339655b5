"""End-to-end LIST-EXTENDED (RFC 5258), LIST-STATUS (RFC 5819), STATUS=SIZE (RFC 8438),
APPENDLIMIT (RFC 7889), UTF8=ACCEPT (RFC 6855) and imap.max_connections_per_user on the real
mailsuite-imapd, with Python's imaplib and raw protocol lines (the forms Thunderbird and K-9
send)."""

import imaplib
import time
import unittest

from mailsuite_fixture import Suite
from test_imap import PASSWORD

NAMES = ["lara", "mario", "nina", "otto", "paula", "quinn", "rita"]
USERS = {f"{n}@example.test": PASSWORD for n in NAMES}
APPEND_LIMIT = 100000
USER_LIMIT = 3


class Raw:
    """One IMAP connection spoken line by line."""

    def __init__(self, suite):
        self.sock = suite.connect("imap", timeout=30)
        self.f = self.sock.makefile("rb")
        assert self.f.readline().startswith(b"* OK [CAPABILITY")

    def send(self, data):
        self.sock.sendall(data)

    def until(self, tag):
        """Lines up to and including the one tagged `tag` (at most 1000 lines)."""
        lines = []
        for _ in range(1000):
            line = self.f.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith(tag + b" "):
                break
        return lines

    def cmd(self, tag, text):
        self.send(tag + b" " + text + b"\r\n")
        return self.until(tag)

    def close(self):
        self.f.close()
        self.sock.close()


class ImapListExtendedTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.suite = Suite(users=USERS, daemons=("imapd",),
                          settings={"imap.max_literal_size": str(APPEND_LIMIT),
                                    "imap.max_connections_per_user": str(USER_LIMIT)}).start()

    @classmethod
    def tearDownClass(cls):
        cls.suite.__exit__(None, None, None)

    def setUp(self):
        self.closers = []

    def tearDown(self):
        for c in reversed(self.closers):
            try:
                c()
            except (OSError, imaplib.IMAP4.error):
                pass

    def imap(self, user):
        m = imaplib.IMAP4("127.0.0.1", self.suite.port("imap"), timeout=30)
        self.closers.append(m.logout)
        m.login(user, PASSWORD)
        return m

    def raw(self, user):
        r = Raw(self.suite)
        self.closers.append(r.close)
        self.assertTrue(r.cmd(b"l", b"LOGIN " + user.encode() + b" " + PASSWORD.encode())[-1]
                        .startswith(b"l OK"))
        return r

    def ok(self, result):
        typ, data = result
        self.assertEqual(typ, "OK", data)
        return data

    def test_capabilities(self):
        m = self.imap("lara@example.test")
        for cap in ("LIST-EXTENDED", "LIST-STATUS", "STATUS=SIZE", "UTF8=ACCEPT",
                    f"APPENDLIMIT={APPEND_LIMIT}"):
            self.assertIn(cap, m.capabilities)

    def test_thunderbird_and_k9_discovery(self):
        m = self.imap("mario@example.test")
        self.ok(m.create("Projects/Alpha"))  # not subscribed
        r = self.raw("mario@example.test")
        # Thunderbird
        self.assertEqual(r.cmd(b"a", b'LIST (SUBSCRIBED) "" "*" RETURN (SPECIAL-USE)'), [
            b'* LIST (\\HasNoChildren \\Archive \\Subscribed) "/" "Archive"\r\n',
            b'* LIST (\\HasNoChildren \\Drafts \\Subscribed) "/" "Drafts"\r\n',
            b'* LIST (\\HasNoChildren \\Subscribed) "/" "INBOX"\r\n',
            b'* LIST (\\HasNoChildren \\Junk \\Subscribed) "/" "Junk"\r\n',
            b'* LIST (\\HasNoChildren \\Sent \\Subscribed) "/" "Sent"\r\n',
            b'* LIST (\\HasNoChildren \\Trash \\Subscribed) "/" "Trash"\r\n',
            b"a OK LIST completed\r\n"])
        # K-9 Mail
        lines = r.cmd(b"b", b'LIST "" "*" RETURN (SPECIAL-USE)')
        self.assertEqual(len(lines), 9, lines)
        self.assertIn(b'* LIST (\\HasNoChildren \\Sent) "/" "Sent"\r\n', lines)
        self.assertIn(b'* LIST (\\HasChildren) "/" "Projects"\r\n', lines)
        self.assertIn(b'* LIST (\\HasNoChildren) "/" "Projects/Alpha"\r\n', lines)
        # Several patterns, each name once; RECURSIVEMATCH with CHILDINFO.
        self.assertEqual(r.cmd(b"c", b'LIST "" ("INBOX" "Sent*" "IN*")'), [
            b'* LIST (\\HasNoChildren) "/" "INBOX"\r\n',
            b'* LIST (\\HasNoChildren \\Sent) "/" "Sent"\r\n', b"c OK LIST completed\r\n"])
        self.ok(m.subscribe("Projects/Alpha"))
        self.assertEqual(r.cmd(b"d", b'LIST (SUBSCRIBED RECURSIVEMATCH) "" "P%"'), [
            b'* LIST (\\HasChildren) "/" "Projects" ("CHILDINFO" ("SUBSCRIBED"))\r\n',
            b"d OK LIST completed\r\n"])
        self.assertEqual(r.cmd(b"e", b'LIST (RECURSIVEMATCH) "" "*"'),
                         [b"e BAD RECURSIVEMATCH needs another selection option\r\n"])
        # imaplib's plain LIST and LSUB still work.
        self.assertIn(b'(\\HasChildren) "/" "Projects"', self.ok(m.list()))
        self.assertIn(b'() "/" "Projects/Alpha"', self.ok(m.lsub()))

    def test_list_status_and_status_size_appendlimit(self):
        m = self.imap("nina@example.test")
        one = b"Subject: one\r\n\r\nfirst\r\n"
        two = b"Subject: two\r\n\r\nsecond body\r\n"
        self.ok(m.append("INBOX", "(\\Seen)", None, one))
        self.ok(m.append("INBOX", None, None, two))
        size = len(one) + len(two)
        r = self.raw("nina@example.test")
        self.assertEqual(
            r.cmd(b"a", b'LIST "" (INBOX Trash) RETURN (STATUS (MESSAGES UNSEEN SIZE))'), [
                b'* LIST (\\HasNoChildren) "/" "INBOX"\r\n',
                b'* STATUS "INBOX" (MESSAGES 2 UNSEEN 1 SIZE %d)\r\n' % size,
                b'* LIST (\\HasNoChildren \\Trash) "/" "Trash"\r\n',
                b'* STATUS "Trash" (MESSAGES 0 UNSEEN 0 SIZE 0)\r\n',
                b"a OK LIST completed\r\n"])
        data = self.ok(m.status("INBOX", "(SIZE APPENDLIMIT MESSAGES)"))
        self.assertEqual(data[0], b'"INBOX" (SIZE %d APPENDLIMIT %d MESSAGES 2)'
                         % (size, APPEND_LIMIT))

    def test_append_limit(self):
        r = self.raw("otto@example.test")
        # Refused before the "+": the client never has to send the bytes.
        r.send(b"a APPEND INBOX {%d}\r\n" % (APPEND_LIMIT + 1))
        self.assertEqual(r.f.readline(),
                         b"a NO [TOOBIG] Message too large (APPENDLIMIT=%d)\r\n" % APPEND_LIMIT)
        self.assertEqual(r.cmd(b"b", b"NOOP"), [b"b OK NOOP completed\r\n"])
        # Exactly the limit is taken, by imaplib too.
        head = b"Subject: big\r\n\r\n"
        msg = head + b"x" * (APPEND_LIMIT - len(head) - 2) + b"\r\n"
        self.assertEqual(len(msg), APPEND_LIMIT)
        m = self.imap("otto@example.test")
        data = self.ok(m.append("INBOX", None, None, msg))
        self.assertTrue(data[0].startswith(b"[APPENDUID "), data)
        self.assertEqual(self.ok(m.status("INBOX", "(MESSAGES SIZE)"))[0],
                         b'"INBOX" (MESSAGES 1 SIZE %d)' % APPEND_LIMIT)

    def test_utf8_accept(self):
        m = self.imap("paula@example.test")
        self.ok(m.enable("UTF8=ACCEPT"))
        self.assertEqual(m.untagged_responses.pop("ENABLED", None), [b"UTF8=ACCEPT"])
        self.ok(m.create("Entwürfe"))
        self.assertEqual(self.ok(m.list('""', "Entw*")),
                         ['(\\HasNoChildren) "/" "Entwürfe"'.encode()])
        self.assertEqual(self.ok(m.select("Entwürfe")), [b"0"])
        # A client that did not enable UTF8=ACCEPT sees modified UTF-7 (RFC 3501 5.1.3).
        r = self.raw("paula@example.test")
        self.assertEqual(r.cmd(b"a", b'LIST "" "Entw*"'), [
            b'* LIST (\\HasNoChildren) "/" "Entw&APw-rfe"\r\n', b"a OK LIST completed\r\n"])
        self.assertEqual(r.cmd(b"b", b'CREATE "Gr\xc3\xbc\xc3\x9fe"'),
                         [b"b NO [CANNOT] Invalid mailbox name\r\n"])
        r.send(b"c APPEND INBOX UTF8 (~{5+}\r\nhello)\r\n")
        self.assertEqual(r.until(b"c"), [b"c BAD APPEND UTF8 needs ENABLE UTF8=ACCEPT first\r\n"])
        # After ENABLE: APPEND UTF8 with a literal8, 8-bit headers come back as they are,
        # SEARCH with a CHARSET is BAD.
        self.assertEqual(r.cmd(b"d", b"ENABLE UTF8=ACCEPT"),
                         [b"* ENABLED UTF8=ACCEPT\r\n", b"d OK ENABLE completed\r\n"])
        msg = "Subject: Grüße aus Köln\r\nFrom: jörg@example.test\r\n\r\nHallo\r\n".encode()
        r.send(b'e APPEND "Entw\xc3\xbcrfe" UTF8 (~{%d}\r\n' % len(msg))
        self.assertEqual(r.f.readline(), b"+ Ready for literal data\r\n")
        r.send(msg + b")\r\n")
        self.assertTrue(r.until(b"e")[-1].startswith(b"e OK [APPENDUID "))
        self.assertTrue(r.cmd(b"f", b'SELECT "Entw\xc3\xbcrfe"')[-1]
                        .startswith(b"f OK [READ-WRITE]"))
        lines = r.cmd(b"g", b"FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        self.assertEqual(lines[1], "Subject: Grüße aus Köln\r\n".encode())
        self.assertEqual(r.cmd(b"h", b"SEARCH CHARSET UTF-8 ALL"),
                         [b"h BAD No CHARSET after ENABLE UTF8=ACCEPT\r\n"])
        self.assertEqual(r.cmd(b"i", b"SEARCH ALL"),
                         [b"* SEARCH 1\r\n", b"i OK SEARCH completed\r\n"])
        self.assertEqual(self.ok(m.status("Entwürfe", "(MESSAGES)"))[0],
                         '"Entwürfe" (MESSAGES 1)'.encode())

    def login_fails(self, user):
        m = imaplib.IMAP4("127.0.0.1", self.suite.port("imap"), timeout=30)
        try:
            with self.assertRaises(imaplib.IMAP4.error) as e:
                m.login(user, PASSWORD)
            return str(e.exception)
        finally:
            m.shutdown()

    def login_soon(self, user):
        """A login that may have to wait for the server to finish a closed session (5 s)."""
        for _ in range(100):
            m = imaplib.IMAP4("127.0.0.1", self.suite.port("imap"), timeout=30)
            try:
                m.login(user, PASSWORD)
                self.closers.append(m.logout)
                return m
            except imaplib.IMAP4.error:
                m.shutdown()
                time.sleep(0.05)
        self.fail("no free slot after 5 s")

    def test_per_user_connection_limit(self):
        user = "quinn@example.test"
        sessions = [self.imap(user) for _ in range(USER_LIMIT)]
        text = self.login_fails(user)
        self.assertIn("[LIMIT]", text)
        self.assertIn("Too many connections for this user", text)
        self.imap("rita@example.test")  # other users are not affected
        # A slot freed by LOGOUT is reusable; one more is still refused.
        sessions[0].logout()
        sessions[0] = self.login_soon(user)
        self.assertIn("[LIMIT]", self.login_fails(user))
        # A client that just drops its connection frees its slot as well.
        sessions[1].shutdown()
        sessions[1] = self.login_soon(user)
        self.assertIn("[LIMIT]", self.login_fails(user))
        self.assertIn("reason=max_connections_per_user(3)", self.suite.log("imapd"))


if __name__ == "__main__":
    unittest.main()
