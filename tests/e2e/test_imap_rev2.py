"""End-to-end IMAP4rev2 (RFC 9051) on the real daemons: ENABLE IMAP4rev2 and what it changes
(ESEARCH answers, UTF-8 names, LIST in SELECT, no \\Recent, UID in unsolicited FETCH, [CLOSED]),
ESEARCH (RFC 4731), SEARCHRES (RFC 5182) pipelined, BINARY fetch and literal8 APPEND (RFC 3516)
of mail that came in over SMTP, STATUS DELETED, DELETE's HASCHILDREN and UNSUBSCRIBE."""

import base64
import imaplib
import smtplib
import unittest
from email.message import EmailMessage

from mailsuite_fixture import Suite
from test_imap import PASSWORD

USER = "vera@example.test"
OTHER = "walt@example.test"
READER = "xena@example.test"
ATTACHMENT = bytes(range(256)) * 4  # NULs, 8-bit, bare CR and LF


class Raw:
    """One IMAP connection spoken line by line (literals read whole)."""

    def __init__(self, suite, user=USER):
        self.sock = suite.connect("imap", timeout=30)
        self.f = self.sock.makefile("rb")
        assert self.f.readline().startswith(b"* OK [CAPABILITY")
        assert self.cmd(b"l", b"LOGIN " + user.encode() + b" " + PASSWORD.encode())[-1] \
            .startswith(b"l OK")

    def line(self):
        """One response line with any literals it announces inlined."""
        line = self.f.readline()
        while line.endswith(b"}\r\n"):
            size = int(line[line.rindex(b"{") + 1:-3].rstrip(b"+"))
            line += self.f.read(size) + self.f.readline()
        return line

    def until(self, tag):
        lines = []
        for _ in range(1000):
            line = self.line()
            if not line:
                break
            lines.append(line)
            if line.startswith(tag + b" "):
                break
        return lines

    def cmd(self, tag, text):
        self.sock.sendall(tag + b" " + text + b"\r\n")
        return self.until(tag)

    def close(self):
        self.f.close()
        self.sock.close()


def grep(lines, prefix):
    return [l for l in lines if l.startswith(prefix)]


class ImapRev2Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.suite = Suite(users={USER: PASSWORD, OTHER: PASSWORD, READER: PASSWORD},
                          daemons=("mta", "imapd")).start()
        msg = EmailMessage()
        msg["From"] = "sender@example.org"
        msg["To"] = USER
        msg["Subject"] = "binary attachment"
        msg.set_content("see attached\n")
        msg.add_attachment(ATTACHMENT, maintype="application", subtype="octet-stream",
                           filename="bl\u00f6b.bin")  # sent as RFC 2231 filename*=utf-8''…
        with smtplib.SMTP("127.0.0.1", cls.suite.port("smtp"), timeout=60) as smtp:
            smtp.send_message(msg)
            for n in range(2, 5):
                smtp.sendmail("sender@example.org", [USER],
                              f"From: sender@example.org\r\nSubject: note {n}\r\n\r\nnote {n}\r\n")
        # Delivery is asynchronous only for relay; local mail is in the store after 250.

    @classmethod
    def tearDownClass(cls):
        cls.suite.__exit__(None, None, None)

    def test_capability_and_enable(self):
        c = Raw(self.suite)
        caps = grep(c.cmd(b"c", b"CAPABILITY"), b"* CAPABILITY")[0].split()
        for cap in (b"IMAP4rev1", b"IMAP4rev2", b"ESEARCH", b"SEARCHRES", b"BINARY"):
            self.assertIn(cap, caps)
        self.assertEqual(grep(c.cmd(b"e", b"ENABLE IMAP4rev2"), b"* ENABLED"),
                         [b"* ENABLED IMAP4rev2\r\n"])
        sel = c.cmd(b"s", b"SELECT INBOX")
        self.assertEqual(grep(sel, b"* LIST"), [b'* LIST (\\HasNoChildren \\Subscribed) "/" "INBOX"\r\n'])
        self.assertEqual(grep(sel, b"* 4 EXISTS"), [b"* 4 EXISTS\r\n"])
        self.assertFalse(grep(sel, b"* 0 RECENT") or grep(sel, b"* 4 RECENT"))
        # RFC 9051 7.5.2: parameters RFC 2231-decoded (a rev1 session sees them as written).
        out = c.cmd(b"f", b"FETCH 1 BODYSTRUCTURE")
        self.assertIn('"FILENAME" {9}\r\nbl\u00f6b.bin'.encode(), grep(out, b"* 1 FETCH")[0])
        out = c.cmd(b"a", b"SEARCH SUBJECT note")
        self.assertEqual(grep(out, b"* ESEARCH"), [b'* ESEARCH (TAG "a") ALL 2:4\r\n'])
        out = c.cmd(b"b", b"UID SEARCH SUBJECT nothing-like-this")
        self.assertEqual(grep(out, b"* ESEARCH"), [b'* ESEARCH (TAG "b") UID\r\n'])
        # UTF-8 mailbox names; a rev1 session sees the same mailbox in modified UTF-7.
        self.assertTrue(c.cmd(b"k", "CREATE \"Reçus\"".encode())[-1].startswith(b"k OK"))
        # A non-synchronizing literal of at most 4096 octets (LITERAL-, RFC 7888, which rev2
        # includes; LITERAL+ is advertised, which allows any size).
        note = b"Subject: kept\r\n\r\nhello\r\n"
        c.sock.sendall("p APPEND \"Reçus\" {%d+}\r\n".encode() % len(note) + note + b"\r\n")
        self.assertTrue(c.until(b"p")[-1].startswith(b"p OK [APPENDUID"))
        out = c.cmd(b"t", "SELECT \"Reçus\"".encode())
        self.assertEqual(grep(out, b"* OK [CLOSED]")[0][:15], b"* OK [CLOSED] P")
        self.assertIn('* LIST (\\HasNoChildren) "/" "Reçus"\r\n'.encode(), out)
        c.close()
        m = imaplib.IMAP4("127.0.0.1", self.suite.port("imap"))
        m.login(USER, PASSWORD)
        typ, names = m.list('""', "Re*")
        self.assertEqual(names, [b'(\\HasNoChildren) "/" "Re&AOc-us"'])
        m.logout()

    def test_unsolicited_fetch_carries_uid(self):
        a = Raw(self.suite)
        a.cmd(b"e", b"ENABLE IMAP4rev2")
        a.cmd(b"s", b"SELECT INBOX")
        b = imaplib.IMAP4("127.0.0.1", self.suite.port("imap"))
        b.login(USER, PASSWORD)
        b.select("INBOX")
        b.uid("STORE", "3", "+FLAGS", "(\\Flagged)")
        out = a.cmd(b"n", b"NOOP")
        self.assertIn(b"* 3 FETCH (UID 3 FLAGS (\\Flagged))\r\n", out)
        b.uid("STORE", "3", "-FLAGS", "(\\Flagged)")
        b.logout()
        a.close()

    def test_esearch_and_saved_result_pipelined(self):
        c = Raw(self.suite)
        c.cmd(b"s", b"EXAMINE INBOX")
        out = c.cmd(b"a", b"SEARCH RETURN (MIN MAX COUNT) SUBJECT note")
        self.assertEqual(grep(out, b"* ESEARCH"), [b'* ESEARCH (TAG "a") MIN 2 MAX 4 COUNT 3\r\n'])
        # RFC 5182: SEARCH (SAVE) and commands using $ may be sent without waiting.
        c.sock.sendall(b"b UID SEARCH RETURN (SAVE) SUBJECT note\r\n"
                       b"f UID FETCH $ (UID)\r\ng SEARCH $ NOT SUBJECT 3\r\n")
        out = c.until(b"b") + c.until(b"f") + c.until(b"g")
        self.assertFalse(grep(out, b"* ESEARCH"))  # SAVE alone returns nothing
        self.assertEqual(grep(out, b"* "), [b"* 2 FETCH (UID 2)\r\n", b"* 3 FETCH (UID 3)\r\n",
                                            b"* 4 FETCH (UID 4)\r\n", b"* SEARCH 2 4\r\n"])
        self.assertTrue(out[-1].startswith(b"g OK"))
        c.close()

    def test_binary_fetch_of_smtp_mail(self):
        c = Raw(self.suite)
        c.cmd(b"s", b"EXAMINE INBOX")
        out = c.cmd(b"a", b"FETCH 1 (BINARY.SIZE[2] BINARY.PEEK[2] BODY.PEEK[2])")
        line = grep(out, b"* 1 FETCH")[0]
        self.assertIn(b"BINARY.SIZE[2] 1024 ", line)
        start = line.index(b"BINARY[2] ~{1024}\r\n") + len(b"BINARY[2] ~{1024}\r\n")
        self.assertEqual(line[start:start + 1024], ATTACHMENT)
        body = line[line.index(b"BODY[2] {"):]
        encoded = body[body.index(b"}\r\n") + 3:-3]
        self.assertEqual(base64.b64decode(encoded), ATTACHMENT)
        c.close()

    def test_search_decodes_what_a_reader_sees(self):
        msg = EmailMessage()
        msg["From"] = "J\u00f6rg <joerg@example.org>"
        msg["To"] = READER
        msg["Subject"] = "Caf\u00e9 cr\u00e8me"
        msg.set_content("Une na\u00efve soupe\n", charset="iso-8859-1", cte="quoted-printable")
        with smtplib.SMTP("127.0.0.1", self.suite.port("smtp"), timeout=60) as smtp:
            smtp.send_message(msg)
        m = imaplib.IMAP4("127.0.0.1", self.suite.port("imap"))
        m.login(READER, PASSWORD)
        m.select("INBOX", readonly=True)
        # RFC 9051 6.4.4: encoded words and transfer encodings are decoded, other charsets
        # compared as UTF-8.
        m.literal = "na\u00efve soupe".encode()
        typ, found = m.search("UTF-8", "BODY")
        self.assertEqual((typ, found), ("OK", [b"1"]))
        m.literal = "caf\u00e9 CR\u00c8ME".encode()[:6]  # "café" (the é is not ASCII-folded)
        typ, found = m.search("UTF-8", "SUBJECT")
        self.assertEqual(found, [b"1"])
        m.literal = "J\u00f6rg".encode()
        typ, found = m.search("UTF-8", "FROM")
        self.assertEqual(found, [b"1"])
        m.logout()

    def test_literal8_append_keeps_the_octets(self):
        c = Raw(self.suite, OTHER)
        payload = b"\x00\x01binary\r\x00\n\xff"
        msg = (b"Subject: raw\r\nContent-Type: application/octet-stream\r\n"
               b"Content-Transfer-Encoding: binary\r\n\r\n" + payload)
        c.sock.sendall(b"a APPEND INBOX ~{%d}\r\n" % len(msg))
        self.assertTrue(c.f.readline().startswith(b"+"))
        c.sock.sendall(msg + b"\r\n")
        self.assertTrue(c.until(b"a")[-1].startswith(b"a OK [APPENDUID"))
        c.cmd(b"s", b"SELECT INBOX")
        out = grep(c.cmd(b"f", b"FETCH 1 (BINARY.PEEK[1] BODY.PEEK[])"), b"* 1 FETCH")[0]
        self.assertIn(b"BINARY[1] ~{%d}\r\n" % len(payload) + payload, out)
        body = out[out.index(b"BODY[] {"):]
        self.assertNotIn(b"\x00", body)
        self.assertIn(b"Content-Transfer-Encoding: base64", body)
        # STATUS DELETED follows \Deleted; DELETE with children is HASCHILDREN.
        c.cmd(b"d", b"STORE 1 +FLAGS.SILENT (\\Deleted)")
        out = c.cmd(b"t", b"STATUS INBOX (MESSAGES DELETED)")
        self.assertEqual(grep(out, b"* STATUS"), [b"* STATUS \"INBOX\" (MESSAGES 1 DELETED 1)\r\n"])
        c.cmd(b"k", b"CREATE Proj/A")
        self.assertTrue(c.cmd(b"x", b"DELETE Proj")[-1].startswith(b"x NO [HASCHILDREN]"))
        self.assertTrue(c.cmd(b"u", b"UNSUBSCRIBE Proj/A")[-1].startswith(b"u OK"))
        c.close()


if __name__ == "__main__":
    unittest.main()
