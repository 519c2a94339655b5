"""End-to-end COMPRESS=DEFLATE (RFC 4978) on the real mailsuite-imapd, over plain IMAP and
IMAPS. imaplib cannot compress, so the client here speaks IMAP itself through Python's zlib
(raw deflate, the full 32 KB window, a sync flush per command, as Thunderbird does)."""

import random
import re
import socket
import ssl
import time
import unittest
import zlib

from mailsuite_fixture import Suite
from test_imap import PASSWORD, tls_context

USERS = {f"{n}@example.test": PASSWORD for n in ("kim", "lou", "max")}


def big_message(size):
    """About `size` bytes of mail-like text (words, not one repeated byte)."""
    rng = random.Random(4978)
    words = ["mail", "server", "deflate", "window", "thunderbird", "literal", "octet", "folder",
             "message", "header", "quoted", "printable", "the", "of", "and", "compress"]
    head = ("From: sender@example.org\r\nTo: someone@example.test\r\nSubject: big\r\n"
            "Message-ID: <big@example.org>\r\n\r\n")
    lines = [head]
    total = len(head)
    n = 0
    while total < size:
        n += 1
        line = f"{n:06d} " + " ".join(rng.choice(words) for _ in range(10)) + "\r\n"
        lines.append(line)
        total += len(line)
    return "".join(lines).encode()


class Client:
    """A bare IMAP client that can switch to DEFLATE after COMPRESS."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""  # plaintext (inflated once compressing) not yet consumed
        self.inflater = None
        self.deflater = None
        self.wire_in = 0  # bytes received from the socket since compression started
        self.plain_in = 0

    def send(self, data):
        if self.deflater:
            data = self.deflater.compress(data) + self.deflater.flush(zlib.Z_SYNC_FLUSH)
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("server closed the connection")
        if self.inflater:
            self.wire_in += len(chunk)
            chunk = self.inflater.decompress(chunk)
            self.plain_in += len(chunk)
        self.buf += chunk

    def line(self):
        for _ in range(100000):
            i = self.buf.find(b"\r\n")
            if i >= 0:
                out, self.buf = self.buf[:i], self.buf[i + 2:]
                return out
            self._fill()
        raise AssertionError("no line")

    def exact(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def response(self, tag):
        """Lines up to the tagged one; literals are returned inline as bytes items."""
        items = []
        for _ in range(100000):
            line = self.line()
            items.append(line)
            m = re.search(rb"\{(\d+)\}$", line)
            if m:
                items.append(self.exact(int(m.group(1))))
            elif line.startswith(tag + b" "):
                return items
        raise AssertionError("no tagged reply")

    def command(self, tag, text):
        self.send(tag + b" " + text + b"\r\n")
        return self.response(tag)

    def start_compression(self):
        # Whatever already followed the tagged OK in our buffer was compressed (section 3).
        self.inflater = zlib.decompressobj(wbits=-15)
        self.deflater = zlib.compressobj(wbits=-15)
        pending, self.buf = self.buf, b""
        if pending:
            self.buf = self.inflater.decompress(pending)


class ImapCompressTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.suite = Suite(users=USERS, daemons=("imapd",)).start()

    @classmethod
    def tearDownClass(cls):
        cls.suite.__exit__(None, None, None)

    def open(self, listener, user):
        sock = socket.create_connection(("127.0.0.1", self.suite.port(listener)), timeout=30)
        if listener == "imaps":
            sock = tls_context().wrap_socket(sock)
        self.addCleanup(sock.close)
        c = Client(sock)
        greeting = c.line()
        self.assertTrue(greeting.startswith(b"* OK"), greeting)
        self.assertNotIn(b"COMPRESS=DEFLATE", greeting)  # offered after login only
        login = c.command(b"l", b"LOGIN " + user.encode() + b" " + PASSWORD.encode())
        self.assertTrue(login[-1].startswith(b"l OK"), login)
        self.assertIn(b" COMPRESS=DEFLATE", login[-1])
        return c

    def compressed_session(self, listener, user):
        c = self.open(listener, user)
        self.assertEqual(c.command(b"c", b"COMPRESS DEFLATE"), [b"c OK DEFLATE active"])
        c.start_compression()
        return c

    def run_session(self, listener, user):
        c = self.compressed_session(listener, user)
        body = big_message(1 << 20)

        # APPEND the 1 MB message through the compressed stream, synchronizing literal.
        c.send(b"a APPEND INBOX {" + str(len(body)).encode() + b"}\r\n")
        self.assertTrue(c.line().startswith(b"+"))
        c.send(body + b"\r\n")
        appended = c.response(b"a")
        self.assertTrue(appended[-1].startswith(b"a OK [APPENDUID "), appended)
        uid = int(re.search(rb"APPENDUID \d+ (\d+)", appended[-1]).group(1))

        select = c.command(b"s", b"SELECT INBOX")
        self.assertTrue(select[-1].startswith(b"s OK [READ-WRITE]"), select)

        wire, plain = c.wire_in, c.plain_in
        fetch = c.command(b"f", b"UID FETCH " + str(uid).encode() + b" BODY.PEEK[]")
        self.assertTrue(fetch[-1].startswith(b"f OK"), fetch[-1])
        self.assertIn(body, fetch)  # byte-exact
        ratio = (c.plain_in - plain) / (c.wire_in - wire)
        print(f"\n[{listener}] FETCH of {len(body)} bytes: {c.plain_in - plain} plain, "
              f"{c.wire_in - wire} on the wire, ratio {ratio:.2f}")
        self.assertGreater(ratio, 2.0)

        # IDLE while compressed: a change made elsewhere must arrive at once (a sync flush).
        c.send(b"i IDLE\r\n")
        self.assertTrue(c.line().startswith(b"+"))
        other = self.open(listener, user)
        small = b"From: a@example.org\r\nSubject: ping\r\n\r\nping\r\n"
        other.send(b"x APPEND INBOX {" + str(len(small)).encode() + b"+}\r\n" + small + b"\r\n")
        self.assertTrue(other.response(b"x")[-1].startswith(b"x OK"))
        started = time.monotonic()
        seen = [c.line() for _ in range(1)]
        while b"* 2 EXISTS" not in seen and len(seen) < 10:
            seen.append(c.line())
        self.assertIn(b"* 2 EXISTS", seen)
        self.assertLess(time.monotonic() - started, 5)
        c.send(b"DONE\r\n")
        done = c.response(b"i")
        self.assertEqual(done[-1], b"i OK IDLE terminated")

        again = c.command(b"c2", b"COMPRESS DEFLATE")
        self.assertTrue(again[-1].startswith(b"c2 NO [COMPRESSIONACTIVE]"), again)

        bye = c.command(b"z", b"LOGOUT")
        self.assertTrue(bye[0].startswith(b"* BYE"), bye)
        self.assertEqual(bye[-1], b"z OK LOGOUT completed")
        with self.assertRaises(EOFError):
            c.line()

    def test_plain_imap(self):
        self.run_session("imap", "kim@example.test")

    def test_imaps(self):
        self.run_session("imaps", "lou@example.test")

    def test_refusals_stay_uncompressed(self):
        c = self.open("imap", "max@example.test")
        self.assertTrue(c.command(b"a", b"COMPRESS LZ4")[-1].startswith(b"a BAD"))
        self.assertEqual(c.command(b"n", b"NOOP"), [b"n OK NOOP completed"])

    def test_garbage_after_compress_ends_the_session(self):
        c = self.compressed_session("imap", "max@example.test")
        c.sock.sendall(b"n NOOP\r\n")  # plaintext where deflate is due
        c.sock.settimeout(10)
        with self.assertRaises((EOFError, ConnectionResetError)):
            c.line()


if __name__ == "__main__":
    unittest.main()
