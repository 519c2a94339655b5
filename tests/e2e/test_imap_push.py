"""End-to-end IMAP push: an IDLE session is told about a change made by any process within one
second — an SMTP delivery by the mta, a POP3 DELE+QUIT by pop3d, a STORE by another IMAP
session — and idling sessions hold no thread: with server.threads=4, forty sessions idle at
once and every one of them still hears about a delivery. Raw sockets, so the time from the
change to the untagged response is measured on the wire."""

import os
import poplib
import smtplib
import socket
import ssl
import time
import unittest

from mailsuite_fixture import Suite
from test_imap import PASSWORD, message, tls_context

NAMES = ["ada", "ben", "cy", "dee", "eve", "fay", "gus", "hal"]
USERS = {f"{n}@example.test": PASSWORD for n in NAMES}
PUSH_LIMIT = 1.0  # seconds, from the issue


class Client:
    """A minimal line-level IMAP client."""

    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""
        self.tag = 0
        self.greeting = self.readline()

    def send(self, line):
        self.sock.sendall(line.encode() + b"\r\n")

    def readline(self):
        # Own buffering: a file from makefile() is unusable after one timeout.
        while b"\r\n" not in self.buffer:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("server closed the connection")
            self.buffer += data
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line.decode(errors="replace")

    def command(self, text):
        """Sends a tagged command; returns (untagged lines, tagged line)."""
        self.tag += 1
        tag = f"t{self.tag}"
        self.send(f"{tag} {text}")
        untagged = []
        while True:
            line = self.readline()
            if line.startswith(tag + " "):
                return untagged, line
            untagged.append(line)

    def ok(self, text):
        untagged, tagged = self.command(text)
        if " OK " not in tagged:
            raise AssertionError(f"{text!r}: {tagged!r}")
        return untagged

    def idle(self):
        self.tag += 1
        self.idle_tag = f"t{self.tag}"
        self.send(f"{self.idle_tag} IDLE")
        line = self.readline()
        if not line.startswith("+ "):
            raise AssertionError(f"IDLE: {line!r}")

    def done(self):
        self.send("DONE")
        untagged = []
        while True:
            line = self.readline()
            if line.startswith(self.idle_tag + " "):
                if line != f"{self.idle_tag} OK IDLE terminated":
                    raise AssertionError(line)
                return untagged
            untagged.append(line)

    def wait_for(self, predicate, timeout):
        """Reads lines until one satisfies predicate; returns (line, seconds waited)."""
        start = time.monotonic()
        self.sock.settimeout(timeout)
        try:
            while True:
                line = self.readline()
                if predicate(line):
                    return line, time.monotonic() - start
        finally:
            self.sock.settimeout(30)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def threads_of(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    raise AssertionError("no Threads line")


class ImapPushTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Few threads on purpose: the 40-session test proves idlers give theirs back.
        cls.suite = Suite(users=USERS, daemons=("imapd", "mta", "pop3d"),
                          settings={"server.threads": "4",
                                    "imap.max_connections_per_user": "100"}).start()

    @classmethod
    def tearDownClass(cls):
        cls.suite.__exit__(None, None, None)

    def setUp(self):
        self.clients = []

    def tearDown(self):
        for c in self.clients:
            c.close()

    def login(self, user, tls=False, select="INBOX"):
        if tls:
            sock = tls_context().wrap_socket(self.suite.connect("imaps", timeout=30))
        else:
            sock = self.suite.connect("imap", timeout=30)
        c = Client(sock)
        self.clients.append(c)
        self.assertTrue(c.greeting.startswith("* OK"), c.greeting)
        c.ok(f"LOGIN {user} {PASSWORD}")
        if select:
            c.ok(f"SELECT {select}")
        return c

    def deliver(self, user, subject="push"):
        with smtplib.SMTP("127.0.0.1", self.suite.port("smtp"), timeout=30) as smtp:
            smtp.sendmail("sender@example.org", [user], message(subject, "body\r\n"))

    def test_smtp_delivery_wakes_idle(self):
        user = "ada@example.test"
        self.deliver(user)
        c = self.login(user)
        c.idle()
        for n in (2, 3):
            sent = time.monotonic()
            self.deliver(user, f"number {n}")
            line, _ = c.wait_for(lambda l: l.endswith("EXISTS"), 5)
            elapsed = time.monotonic() - sent
            self.assertEqual(line, f"* {n} EXISTS")
            self.assertLess(elapsed, PUSH_LIMIT)
        # The session is whole after the park: DONE, then ordinary commands.
        c.done()
        untagged = c.ok("UID FETCH 3 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        self.assertIn("Subject: number 3", untagged)

    def test_pop3_delete_wakes_idle(self):
        user = "ben@example.test"
        for i in range(3):
            self.deliver(user, f"pop {i}")
        c = self.login(user)
        c.idle()
        pop = poplib.POP3("127.0.0.1", self.suite.port("pop3"), timeout=30)
        pop.user(user)
        pop.pass_(PASSWORD)
        pop.dele(2)
        sent = time.monotonic()
        pop.quit()  # the UPDATE state: the delete happens here (RFC 1939 6)
        line, _ = c.wait_for(lambda l: "EXPUNGE" in l, 5)
        self.assertLess(time.monotonic() - sent, PUSH_LIMIT)
        self.assertEqual(line, "* 2 EXPUNGE")
        c.done()
        self.assertEqual(c.ok("SEARCH ALL"), ["* SEARCH 1 2"])

    def test_store_by_another_session_wakes_idle(self):
        user = "cy@example.test"
        self.deliver(user)
        idler = self.login(user, tls=True)  # parked over TLS too
        other = self.login(user)
        idler.idle()
        sent = time.monotonic()
        other.ok("STORE 1 +FLAGS (\\Flagged)")
        line, _ = idler.wait_for(lambda l: "FETCH" in l, 5)
        self.assertLess(time.monotonic() - sent, PUSH_LIMIT)
        # \Recent: the idler selected first, so its SELECT claimed the message (RFC 3501 2.3.2).
        self.assertEqual(line, "* 1 FETCH (FLAGS (\\Recent \\Flagged))")
        # Another session's EXPUNGE as well.
        other.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
        other.ok("EXPUNGE")
        line, _ = idler.wait_for(lambda l: "EXPUNGE" in l, 5)
        self.assertEqual(line, "* 1 EXPUNGE")
        idler.done()

    def test_changes_elsewhere_do_not_wake(self):
        # A delivery to another user's mailbox says nothing to this one.
        c = self.login("dee@example.test")
        c.idle()
        self.deliver("eve@example.test")
        with self.assertRaises(socket.timeout):
            c.wait_for(lambda l: True, 1.5)
        self.assertEqual(c.done(), [])

    def test_many_idlers_hold_no_threads(self):
        user = "fay@example.test"
        self.deliver(user)
        count = 40
        idlers = []
        for _ in range(count):
            c = self.login(user)
            c.idle()
            idlers.append(c)
        # server.threads is 4: without parking the fifth login above would never be greeted.
        pid = self.suite.procs["imapd"].pid
        self.assertLess(threads_of(pid), count)
        sent = time.monotonic()
        self.deliver(user)
        for c in idlers:
            line, _ = c.wait_for(lambda l: l.endswith("EXISTS"), 5)
            self.assertEqual(line, "* 2 EXISTS")
        self.assertLess(time.monotonic() - sent, PUSH_LIMIT)
        # Renewals as Thunderbird does them: DONE, NOOP, IDLE again.
        for c in idlers[:10]:
            c.done()
            c.ok("NOOP")
            c.idle()
        for c in idlers:
            c.done()

    def test_clients_stalled_mid_command_do_not_freeze_push(self):
        # More stalled sessions than server.threads (4): each holds a resume thread while it
        # waits for the rest of its line; the others' IDLE must still be woken.
        stalled = []
        for _ in range(6):
            c = self.login("gus@example.test")
            time.sleep(1.3)  # quiet long enough to park, then begin a command and stop
            c.sock.sendall(b"a NOO")
            stalled.append(c)
        idler = self.login("hal@example.test")
        before = int(idler.ok("STATUS INBOX (MESSAGES)")[0].split()[-1].rstrip(")"))
        idler.idle()
        sent = time.monotonic()
        self.deliver("hal@example.test", "past the stalled ones")
        line, _ = idler.wait_for(lambda l: l.endswith("EXISTS"), 5)
        self.assertLess(time.monotonic() - sent, PUSH_LIMIT)
        self.assertEqual(line, f"* {before + 1} EXISTS")
        idler.done()
        for c in stalled:  # finishing the line completes the command
            c.sock.sendall(b"P\r\n")
            self.assertEqual(c.readline(), "a OK NOOP completed")

    def test_shutdown_cuts_a_tls_client_that_stopped_reading(self):
        suite = Suite(users={"gus@example.test": PASSWORD}, daemons=("imapd",),
                      settings={"server.shutdown_grace_seconds": "1"}).start()
        try:
            c = Client(tls_context().wrap_socket(suite.connect("imaps", timeout=30)))
            self.clients.append(c)
            c.ok(f"LOGIN gus@example.test {PASSWORD}")
            big = "Subject: big\r\n\r\n" + ("x" * 998 + "\r\n") * 8000  # 8 MB
            c.send(f"a1 APPEND INBOX {{{len(big)}+}}")
            c.sock.sendall(big.encode() + b"\r\n")
            self.assertTrue(c.readline().startswith("a1 OK"))
            c.ok("SELECT INBOX")
            c.send("f1 FETCH 1 BODY[]")  # and never read the answer
            time.sleep(1)
            stopped = time.monotonic()
            suite.procs["imapd"].send_signal(15)
            self.assertEqual(suite.procs["imapd"].wait(timeout=30), 0)
            self.assertLess(time.monotonic() - stopped, 10)
        finally:
            suite.__exit__(None, None, None)

    def test_shutdown_ends_parked_idle_with_bye(self):
        suite = Suite(users={"gus@example.test": PASSWORD}, daemons=("imapd",)).start()
        try:
            sock = suite.connect("imap", timeout=30)
            c = Client(sock)
            self.clients.append(c)
            c.ok(f"LOGIN gus@example.test {PASSWORD}")
            c.ok("SELECT INBOX")
            c.idle()
            stopped = time.monotonic()
            suite.procs["imapd"].send_signal(15)
            line, _ = c.wait_for(lambda l: True, 10)
            self.assertEqual(line, "* BYE Server shutting down, try again later")
            self.assertEqual(suite.procs["imapd"].wait(timeout=30), 0)
            self.assertLess(time.monotonic() - stopped, 5)
        finally:
            suite.__exit__(None, None, None)


if __name__ == "__main__":
    unittest.main()
