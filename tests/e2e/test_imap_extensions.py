"""End-to-end IMAP extensions: UIDPLUS, MOVE, UNSELECT, NAMESPACE, ID, ENABLE, SPECIAL-USE (with
CREATE) and IDLE on the real mailsuite-imapd, driven by Python's imaplib."""

import imaplib
import re
import time
import unittest

from mailsuite_fixture import Suite
from test_imap import PASSWORD, message, tls_context

NAMES = ["uma", "victor", "wendy", "xavier", "yara", "zoe"]
USERS = {f"{n}@example.test": PASSWORD for n in NAMES}


class ImapExtensionsTest(unittest.TestCase):
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

    def imap(self, user):
        m = imaplib.IMAP4("127.0.0.1", self.suite.port("imap"), timeout=30)
        self.closers.append(m.logout)
        m.login(user, PASSWORD)
        return m

    def ok(self, result):
        typ, data = result
        self.assertEqual(typ, "OK", data)
        return data

    def append(self, m, box, subject):
        data = self.ok(m.append(box, None, None, message(subject, "x\r\n").encode()))
        match = re.match(rb"\[APPENDUID (\d+) (\d+)\]", data[0])
        self.assertIsNotNone(match, data)
        return int(match.group(1)), int(match.group(2))

    def test_capabilities(self):
        m = self.imap("uma@example.test")
        for cap in ("UIDPLUS", "MOVE", "UNSELECT", "NAMESPACE", "ID", "ENABLE", "CHILDREN",
                    "SPECIAL-USE", "CREATE-SPECIAL-USE", "IDLE"):
            self.assertIn(cap, m.capabilities)

    def test_uidplus(self):
        m = self.imap("victor@example.test")
        validity, first = self.append(m, "INBOX", "one")
        _, second = self.append(m, "INBOX", "two")
        self.assertEqual(second, first + 1)
        self.ok(m.select("INBOX"))
        # imaplib's uid() returns untagged data; the COPYUID is in the tagged OK.
        data = self.ok(m._simple_command("UID", "COPY", f"{first}:{second}", "Archive"))
        match = re.match(rb"\[COPYUID (\d+) (\S+) (\S+)\]", data[0])
        self.assertIsNotNone(match, data)
        self.assertEqual(match.group(2), f"{first}:{second}".encode())
        status = self.ok(m.status("Archive", "(UIDVALIDITY)"))[0]
        self.assertIn(b"UIDVALIDITY " + match.group(1), status)
        self.assertNotEqual(int(match.group(1)), 0)
        self.assertTrue(validity)
        # UID EXPUNGE removes only the named \Deleted message.
        self.ok(m.store("1:2", "+FLAGS.SILENT", "(\\Deleted)"))
        self.ok(m.uid("EXPUNGE", str(second)))
        self.assertEqual(m.response("EXPUNGE")[1], [b"2"])
        self.assertEqual(self.ok(m.uid("SEARCH", "ALL"))[0], str(first).encode())

    def test_move(self):
        m = self.imap("wendy@example.test")
        uids = [self.append(m, "INBOX", f"m{i}")[1] for i in range(3)]
        self.ok(m.select("INBOX"))
        typ, data = m.uid("MOVE", f"{uids[0]}:{uids[1]}", "Trash")
        self.assertEqual(typ, "OK", data)
        code = m.response("COPYUID")[1]
        self.assertTrue(code and code[0].split()[1] == f"{uids[0]}:{uids[1]}".encode(), code)
        self.assertEqual(self.ok(m.uid("SEARCH", "ALL"))[0], str(uids[2]).encode())
        self.ok(m._simple_command("MOVE", "1", "Junk"))
        self.assertEqual(self.ok(m.search(None, "ALL"))[0], b"")
        self.assertRegex(self.ok(m.status("Trash", "(MESSAGES)"))[0], rb"MESSAGES 2")
        self.assertRegex(self.ok(m.status("Junk", "(MESSAGES)"))[0], rb"MESSAGES 1")

    def test_unselect_namespace_id_enable_special_use(self):
        m = self.imap("xavier@example.test")
        self.append(m, "INBOX", "keep")
        self.ok(m.select("INBOX"))
        self.ok(m.store("1", "+FLAGS.SILENT", "(\\Deleted)"))
        self.ok(m.unselect())
        self.assertEqual(m.state, "AUTH")
        self.assertRegex(self.ok(m.status("INBOX", "(MESSAGES)"))[0], rb"MESSAGES 1")
        self.assertEqual(self.ok(m.namespace())[0], b'(("" "/")) NIL NIL')
        typ, data = m.xatom("ID", '("name" "imaplib" "version" "3")')
        self.assertEqual(typ, "OK", data)
        self.assertEqual(m.response("ID")[1], [b'("name" "mailsuite")'])
        self.assertIn("client id name=imaplib", self.suite.log("imapd"))
        self.ok(m.enable("CONDSTORE"))
        typ, data = m.list('""', '"*" RETURN (SPECIAL-USE)')
        self.assertEqual(typ, "OK", data)
        self.assertIn(b'(\\HasNoChildren \\Sent) "/" "Sent"', b"\n".join(data))
        typ, data = m._simple_command("LIST", "(SPECIAL-USE)", '""', '"*"')
        self.assertEqual(typ, "OK", data)
        listed = m.response("LIST")[1]
        self.assertEqual(len(listed), 5, listed)
        self.assertNotIn(b"INBOX", b"\n".join(listed))
        self.ok(m._simple_command("CREATE", "Outbox", "(USE (\\Sent))"))
        listed = b"".join(self.ok(m.list('""', "Outbox")))
        self.assertIn(b'(\\HasNoChildren \\Sent) "/" "Outbox"', listed)

    def idle_sees_append(self, m, other, box):
        self.ok(m.select(box))
        m.send(b"t1 IDLE\r\n")
        self.assertTrue(m.readline().startswith(b"+ "))
        started = time.monotonic()
        self.append(other, box, "while idling")
        self.assertEqual(m.readline(), b"* 1 EXISTS\r\n")
        # `other` has nothing selected, so this session is the first to hear of the message and
        # it is \Recent here (RFC 3501 2.3.2).
        self.assertEqual(m.readline(), b"* 1 RECENT\r\n")
        self.assertLess(time.monotonic() - started, 5)
        m.send(b"done\r\n")
        self.assertEqual(m.readline(), b"t1 OK IDLE terminated\r\n")
        self.ok(m.noop())

    def test_idle(self):
        self.idle_sees_append(self.imap("yara@example.test"), self.imap("yara@example.test"),
                              "INBOX")

    def test_idle_over_tls(self):
        s = imaplib.IMAP4_SSL("127.0.0.1", self.suite.port("imaps"), ssl_context=tls_context(),
                              timeout=30)
        self.closers.append(s.logout)
        s.login("zoe@example.test", PASSWORD)
        self.idle_sees_append(s, self.imap("zoe@example.test"), "INBOX")


if __name__ == "__main__":
    unittest.main()
