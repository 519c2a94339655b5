"""End-to-end bodies by range (issue #12): a multi-megabyte message delivered by SMTP is fetched
whole, partially (across the daemon's 256 KB streaming chunks), by part and by header fields over
IMAP, plain and with COMPRESS=DEFLATE, and retrieved with POP3 RETR and TOP; every reply is
byte-exact. A FETCH of several messages sets \\Seen on all of them in one store transaction
(one MODSEQ) and reports FLAGS with the data."""

import poplib
import random
import re
import smtplib
import socket
import unittest

from mailsuite_fixture import Suite
from test_imap_compress import Client

PASSWORD = "hungry"
USERS = {f"{n}@example.test": PASSWORD for n in ("ann", "ben")}
CHUNK = 256 * 1024  # how much the daemons stream at a time


def big_message(size):
    """A text part with dot lines and a base64 attachment of about `size` octets."""
    rng = random.Random(12)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    head = ("From: Big Sender <big@example.org>\r\nTo: <ann@example.test>\r\n"
            "Subject: one big message\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
            "X-Tag: header-needle\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n")
    text = ("--b1\r\nContent-Type: text/plain\r\n\r\nThe attachment follows.\r\n"
            ".a line with a leading dot\r\n.\r\n..two dots\r\n")
    attach_head = ("--b1\r\nContent-Type: application/octet-stream\r\n"
                   "Content-Transfer-Encoding: base64\r\n\r\n")
    lines = []
    total = 0
    while total < size:
        line = "".join(rng.choice(alphabet) for _ in range(76))
        lines.append(line)
        total += 78
    attachment = "\r\n".join(lines) + "\r\nbody-needle"
    whole = head + text + attach_head + attachment + "\r\n--b1--\r\n"
    return whole.encode(), attachment.encode()


def header_without(header, names):
    """The header block without the fields (and their continuation lines) named in `names`."""
    out, keep = [], True
    for line in header[:-2].split(b"\r\n")[:-1]:
        if not line[:1].isspace():
            keep = line.split(b":", 1)[0].strip().lower() not in names
        if keep:
            out.append(line + b"\r\n")
    return b"".join(out) + b"\r\n"


class BigMessageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.suite = Suite(users=USERS, daemons=("mta", "imapd", "pop3d")).start()
        cls.message, cls.attachment = big_message(3 << 20)
        with smtplib.SMTP("127.0.0.1", cls.suite.port("smtp"), timeout=120) as smtp:
            smtp.sendmail("big@example.org", ["ann@example.test"], cls.message)
            for n in range(3):
                smtp.sendmail("small@example.org", ["ben@example.test"],
                              f"Subject: small {n}\r\n\r\nbody {n}\r\n")

    @classmethod
    def tearDownClass(cls):
        cls.suite.__exit__(None, None, None)

    def imap(self, user, compress=False):
        sock = socket.create_connection(("127.0.0.1", self.suite.port("imap")), timeout=60)
        self.addCleanup(sock.close)
        c = Client(sock)
        self.assertTrue(c.line().startswith(b"* OK"))
        login = c.command(b"l", f"LOGIN {user} {PASSWORD}".encode())
        self.assertTrue(login[-1].startswith(b"l OK"), login)
        if compress:
            self.assertEqual(c.command(b"c", b"COMPRESS DEFLATE"), [b"c OK DEFLATE active"])
            c.start_compression()
        return c

    def fetch(self, c, tag, what):
        """The literals of one FETCH, in order, and its response lines."""
        items = c.command(tag, b"FETCH 1 " + what)
        self.assertTrue(items[-1].startswith(tag + b" OK"), items[-1])
        literals, lines = [], []
        for prev, item in zip([b""] + items, items):
            (literals if re.search(rb"\{\d+\}$", prev) else lines).append(item)
        return literals, lines

    def check_imap(self, compress):
        c = self.imap("ann@example.test", compress)
        self.assertTrue(c.command(b"s", b"EXAMINE INBOX")[-1].startswith(b"s OK"))
        (whole,), lines = self.fetch(c, b"w", b"(RFC822.SIZE BODY.PEEK[])")
        size = int(re.search(rb"RFC822\.SIZE (\d+)", lines[0]).group(1))
        self.assertEqual(size, len(whole))
        # The MTA's trace lines, then exactly what was sent.
        self.assertTrue(whole.endswith(self.message))
        prefix = whole[:len(whole) - len(self.message)]
        self.assertTrue(prefix.startswith(b"Return-Path: <big@example.org>\r\n"), prefix)
        header = whole[:whole.index(b"\r\n\r\n") + 4]
        att_start = whole.index(self.attachment)

        partials = [(0, 1024), (1000, 1024), (CHUNK - 10, 20), (2 * CHUNK - 3, 5000),
                    (len(whole) - 100, 1000), (len(whole) + 5, 10)]
        what = b"(" + b" ".join(b"BODY.PEEK[]<%d.%d>" % p for p in partials) + b")"
        got, _ = self.fetch(c, b"p", what)
        self.assertEqual(got, [whole[o:o + n] for o, n in partials])

        got, _ = self.fetch(c, b"h", b"(BODY.PEEK[HEADER.FIELDS (From Subject Date)] "
                                     b"BODY.PEEK[HEADER] RFC822.HEADER "
                                     b"BODY.PEEK[HEADER.FIELDS.NOT (X-Tag Received)]<0.60>)")
        self.assertEqual(got[0], b"From: Big Sender <big@example.org>\r\n"
                                 b"Subject: one big message\r\n"
                                 b"Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\n")
        self.assertEqual(got[1], header)
        self.assertEqual(got[2], header)
        self.assertEqual(got[3], header_without(header, {b"x-tag", b"received"})[:60])

        got, _ = self.fetch(c, b"a", b"(BODY.PEEK[2] BODY.PEEK[2]<%d.300> BODY.PEEK[1] "
                                     b"BODY.PEEK[TEXT]<0.40> BODY.PEEK[2.MIME])" % (CHUNK - 50))
        self.assertEqual(got[0], self.attachment)
        self.assertEqual(got[1], self.attachment[CHUNK - 50:CHUNK + 250])
        self.assertEqual(got[2], b"The attachment follows.\r\n.a line with a leading dot\r\n"
                                 b".\r\n..two dots")
        self.assertEqual(got[3], whole[len(header):len(header) + 40])
        self.assertEqual(got[4], whole[whole.rindex(b"--b1\r\n", 0, att_start) + 6:att_start])

        found = c.command(b"f", b"SEARCH HEADER X-Tag header-needle BODY \"leading dot\"")
        self.assertIn(b"* SEARCH 1", found)
        # RFC 9051 6.4.4: a server may leave attachments out of SEARCH; this one does, so a
        # word at the end of the 3 MB base64 attachment is not found, and nothing reads it.
        beyond = c.command(b"g", b"SEARCH BODY body-needle")
        self.assertEqual(beyond[0], b"* SEARCH")
        none = c.command(b"n", b"SEARCH SUBJECT body-needle")
        self.assertIn(b"* SEARCH", none)
        c.command(b"z", b"LOGOUT")
        return whole

    def test_imap_fetch_is_byte_exact(self):
        self.check_imap(compress=False)

    def test_imap_fetch_over_compress_is_byte_exact(self):
        self.check_imap(compress=True)

    def test_pop3_retr_and_top_are_byte_exact(self):
        whole = self.check_imap(compress=False)  # what IMAP says the text is
        pop = poplib.POP3("127.0.0.1", self.suite.port("pop3"), timeout=60)
        self.addCleanup(pop.close)
        pop.user("ann@example.test")
        pop.pass_(PASSWORD)
        resp, lines, octets = pop.retr(1)
        self.assertEqual(resp, b"+OK %d octets" % len(whole))
        self.assertEqual(b"\r\n".join(lines) + b"\r\n", whole)  # poplib undoes the stuffing
        header = whole[:whole.index(b"\r\n\r\n") + 4]
        _, lines, _ = pop.top(1, 0)
        self.assertEqual(b"\r\n".join(lines) + b"\r\n", header)
        _, lines, _ = pop.top(1, 5)
        body_lines = whole[len(header):].split(b"\r\n")[:5]
        self.assertEqual(b"\r\n".join(lines) + b"\r\n", header + b"\r\n".join(body_lines) + b"\r\n")
        self.assertIn(b".a line with a leading dot", lines)
        pop.quit()

    def test_fetch_of_many_sets_seen_in_one_transaction(self):
        c = self.imap("ben@example.test")
        self.assertTrue(c.command(b"s", b"SELECT INBOX")[-1].startswith(b"s OK"))
        items = c.command(b"f", b"FETCH 1:* (BODY[TEXT] MODSEQ)")
        self.assertTrue(items[-1].startswith(b"f OK"), items[-1])
        # RFC 7162 3.1: MODSEQ turns CONDSTORE on, announced with the HIGHESTMODSEQ first.
        self.assertTrue(items[0].startswith(b"* OK [HIGHESTMODSEQ "), items[0])
        fetches = [i for i in items if i.startswith(b"* ") and b" FETCH (" in i]
        self.assertEqual(len(fetches), 3, items)
        modseqs = set()
        for n, line in enumerate(fetches, 1):
            # CONDSTORE is on (MODSEQ): an implicit \Seen comes with the UID (RFC 7162 3.2.4).
            self.assertTrue(line.startswith(b"* %d FETCH (UID %d BODY[TEXT] {" % (n, n)), line)
        # \Recent: this session's SELECT claimed all three (RFC 3501 2.3.2); no other session
        # ever selects ben's INBOX.
        for line in items:
            m = re.search(rb"MODSEQ \((\d+)\)", line)
            if m:
                modseqs.add(m.group(1))
                self.assertIn(b"FLAGS (\\Recent \\Seen)", line)
        self.assertEqual(len(modseqs), 1, items)  # one UpdateFlags, one MODSEQ
        again = c.command(b"g", b"FETCH 1:* (FLAGS)")
        self.assertEqual(sum(b"FLAGS (\\Recent \\Seen)" in i for i in again), 3, again)
        c.command(b"z", b"LOGOUT")


if __name__ == "__main__":
    unittest.main()
