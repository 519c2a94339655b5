"""End-to-end POP3: the real mailsuite-pop3d (with the mta for delivery) on loopback, driven by
raw sockets, Python's poplib, fetchmail and curl. Mail goes in by SMTP through the mta."""

import email.utils
import os
import poplib
import shutil
import smtplib
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

from mailsuite_fixture import Suite, read_line

PASSWORD = "hungry"
NAMES = ["bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
         "oscar", "peggy", "trent", "victor"]
USERS = {f"{n}@example.test": PASSWORD for n in NAMES}


def tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def message(subject, body):
    return (f"From: sender@example.org\r\nTo: someone@example.test\r\nSubject: {subject}\r\n"
            f"Date: {email.utils.formatdate()}\r\n\r\n{body}")


class Transcript:
    """A raw POP3 conversation: send a line, read status lines or whole multi-line answers."""

    def __init__(self, sock):
        self.sock = sock
        self.f = sock.makefile("rb")

    def line(self):
        return read_line(self.f)

    def cmd(self, text):
        self.sock.sendall(text.encode() + b"\r\n")
        return self.line()

    def multiline(self):
        lines = []
        while True:
            line = self.line()
            if line == ".":
                return lines
            lines.append(line)

    def close(self):
        self.f.close()
        self.sock.close()


class Pop3Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.suite = Suite(users=USERS, daemons=("pop3d", "mta")).start()

    @classmethod
    def tearDownClass(cls):
        cls.suite.__exit__(None, None, None)

    def setUp(self):
        self.closers = []

    def tearDown(self):
        for c in self.closers:
            try:
                c()
            except OSError:
                pass

    def deliver(self, user, *contents):
        with smtplib.SMTP("127.0.0.1", self.suite.port("smtp"), timeout=60) as smtp:
            for content in contents:
                smtp.sendmail("sender@example.org", [user], content.encode())

    def raw(self, listener="pop3"):
        t = Transcript(self.suite.connect(listener))
        self.closers.append(t.close)
        self.assertTrue(t.line().startswith("+OK "))
        return t

    def login(self, user, t=None):
        t = t or self.raw()
        self.assertEqual(t.cmd(f"USER {user}"), "+OK Send your password")
        self.assertTrue(t.cmd(f"PASS {PASSWORD}").startswith("+OK Logged in"))
        return t

    def poplib(self, user):
        p = poplib.POP3("127.0.0.1", self.suite.port("pop3"), timeout=30)
        self.closers.append(p.close)
        p.user(user)
        p.pass_(PASSWORD)
        return p

    def inbox_count(self, user):
        for line in self.suite.cli("mailbox", "list", user).stdout.splitlines():
            if line.startswith("INBOX\t"):
                return int(line.split("\t")[1].split()[0])
        raise AssertionError("no INBOX")

    # --- the textbook session and the phases ---------------------------------------------
    def test_textbook_transcript(self):
        user = "bob@example.test"
        self.deliver(user, message("one", "Hello Bob.\r\n"), message("two", ".dot\r\nend\r\n"))
        t = self.raw()
        self.assertEqual(t.cmd("user bob@example.test"), "+OK Send your password")
        self.assertEqual(t.cmd("pass hungry")[:14], "+OK Logged in,")
        first = t.cmd("list")
        self.assertRegex(first, r"^\+OK 2 messages \(\d+ octets\)$")
        listing = t.multiline()
        self.assertEqual([line.split()[0] for line in listing], ["1", "2"])
        sizes = [int(line.split()[1]) for line in listing]
        status = t.cmd("retr 1")
        self.assertEqual(status, f"+OK {sizes[0]} octets")
        body = t.multiline()
        self.assertEqual(sum(len(line) + 2 for line in body), sizes[0])
        self.assertEqual(body[-1], "Hello Bob.")
        self.assertEqual(t.cmd("retr 2"), f"+OK {sizes[1]} octets")
        body = t.multiline()
        self.assertEqual(body[-2:], ["..dot", "end"])
        self.assertEqual(t.cmd("dele 1"), "+OK Message 1 deleted")
        self.assertRegex(t.cmd("quit"), r"^\+OK .* signing off")
        self.assertEqual(self.inbox_count(user), 1)

    def test_every_phase_error_and_bad_command(self):
        t = self.raw()
        for command in ["STAT", "LIST", "RETR 1", "DELE 1", "NOOP", "RSET", "TOP 1 0", "UIDL",
                        "PASS x"]:
            self.assertEqual(t.cmd(command), "-ERR Command not valid in this state", command)
        self.assertEqual(t.cmd("FROB"), "-ERR Unknown command")
        t = self.login("carol@example.test")
        for command in ["USER carol@example.test", "PASS x", "AUTH PLAIN", "STLS"]:
            self.assertEqual(t.cmd(command), "-ERR Command not valid in this state", command)
        self.assertEqual(t.cmd("RETR 1"), "-ERR No such message")
        self.assertEqual(t.cmd("RETR x"), "-ERR Syntax: RETR message")
        self.assertEqual(t.cmd("TOP 1"), "-ERR Syntax: TOP message lines")
        self.assertEqual(t.cmd("x" * 3000), "-ERR Line too long")
        self.assertEqual(t.cmd("NOOP"), "+OK")
        self.assertEqual(t.cmd("STAT"), "+OK 0 0")
        self.assertEqual(t.cmd("BOGUS"), "-ERR Unknown command")  # 8 bad commands so far
        self.assertEqual(t.cmd("BOGUS"), "-ERR Unknown command")
        self.assertEqual(t.cmd("BOGUS"), "-ERR Unknown command")  # the 10th
        self.assertEqual(t.line(), "-ERR Too many bad commands, closing connection")
        self.assertEqual(t.f.read(), b"")

    def test_wrong_password_is_delayed_with_auth_code(self):
        t = self.raw()
        t.cmd("USER dave@example.test")
        start = time.monotonic()
        self.assertEqual(t.cmd("PASS wrong"), "-ERR [AUTH] Authentication failed")
        self.assertGreaterEqual(time.monotonic() - start, 0.09)
        self.assertIn("auth failed user=dave@example.test", self.suite.log("pop3d"))
        self.assertNotIn("wrong", self.suite.log("pop3d"))
        self.login("dave@example.test", t)

    # --- UPDATE, UIDL, the lock ----------------------------------------------------------
    def test_dele_then_drop_deletes_nothing_and_quit_deletes(self):
        user = "erin@example.test"
        self.deliver(user, message("a", "a\r\n"), message("b", "b\r\n"))
        t = self.login(user)
        t.cmd("DELE 1")
        t.cmd("DELE 2")
        t.close()
        time.sleep(0.2)
        self.assertEqual(self.inbox_count(user), 2)
        p = self.poplib(user)
        self.assertEqual(p.stat()[0], 2)
        p.dele(2)
        p.quit()
        self.assertEqual(self.inbox_count(user), 1)

    def test_uidl_is_stable_across_sessions_and_restarts(self):
        user = "frank@example.test"
        self.deliver(user, message("1", "x\r\n"), message("2", "y\r\n"), message("3", "z\r\n"))
        p = self.poplib(user)
        ids = [line.split()[1] for line in p.uidl()[1]]
        self.assertEqual(len(set(ids)), 3)
        for uid in ids:
            self.assertTrue(1 <= len(uid) <= 70 and all(0x21 <= b <= 0x7e for b in uid))
        p.dele(1)
        p.quit()
        self.suite.stop_daemon("pop3d")
        self.suite.start_daemon("pop3d")
        p = self.poplib(user)
        self.assertEqual([line.split()[1] for line in p.uidl()[1]], ids[1:])
        self.assertEqual(p.uidl(1).split()[2], ids[1])
        p.quit()

    def test_second_login_is_in_use_until_the_first_ends(self):
        user = "grace@example.test"
        first = self.poplib(user)
        second = poplib.POP3("127.0.0.1", self.suite.port("pop3"), timeout=30)
        self.closers.append(second.close)
        second.user(user)
        with self.assertRaises(poplib.error_proto) as err:
            second.pass_(PASSWORD)
        self.assertIn(b"[IN-USE]", err.exception.args[0])
        first.quit()
        second.user(user)
        self.assertTrue(second.pass_(PASSWORD).startswith(b"+OK"))
        second.quit()

    # --- TLS -----------------------------------------------------------------------------
    def test_stls_with_poplib_and_capa_after_tls(self):
        user = "heidi@example.test"
        self.deliver(user, message("tls", "secret\r\n"))
        p = poplib.POP3("127.0.0.1", self.suite.port("pop3"), timeout=30)
        self.closers.append(p.close)
        caps = p.capa()
        for cap in ["TOP", "USER", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "STLS",
                    "SASL", "IMPLEMENTATION"]:
            self.assertIn(cap, caps)
        self.assertEqual(caps["SASL"], ["PLAIN", "LOGIN"])
        p.stls(tls_context())
        self.assertNotIn("STLS", p.capa())
        p.user(user)
        p.pass_(PASSWORD)
        self.assertEqual(p.retr(1)[1][-1], b"secret")
        p.quit()

    def test_implicit_tls_on_pop3s_with_poplib(self):
        user = "ivan@example.test"
        self.deliver(user, message("s", "over tls\r\n"))
        p = poplib.POP3_SSL("127.0.0.1", self.suite.port("pop3s"), context=tls_context(),
                            timeout=30)
        self.closers.append(p.close)
        self.assertNotIn("STLS", p.capa())
        p.user(user)
        p.pass_(PASSWORD)
        resp, lines, octets = p.retr(1)
        self.assertEqual(resp, f"+OK {octets} octets".encode())
        self.assertEqual(lines[-1], b"over tls")
        p.quit()

    # --- big messages and real clients ---------------------------------------------------
    def test_five_megabyte_message_is_retrieved_byte_exact(self):
        user = "judy@example.test"
        lines = [(f"{i:07d} " + ("." if i % 7 == 0 else "") + "abcdefghij" * 7)[:76]
                 for i in range(5 * 1024 * 1024 // 78 + 1)]
        lines = [("." + line) if i % 11 == 0 else line for i, line in enumerate(lines)]
        sent = message("big", "\r\n".join(lines) + "\r\n")
        self.assertGreater(len(sent), 5 * 1024 * 1024)
        self.deliver(user, sent)
        p = self.poplib(user)
        size = int(p.list(1).split()[2])
        resp, got_lines, octets = p.retr(1)
        got = b"\r\n".join(got_lines) + b"\r\n"
        self.assertEqual(octets, size)
        self.assertEqual(len(got), size)
        self.assertTrue(got.endswith(sent.encode()), "the body arrives byte for byte")
        p.quit()

    def test_fetchmail_keep_mode_downloads_once_then_delete_mode(self):
        user = "mallory@example.test"
        self.deliver(user, message("f1", ".dotted\r\nbody one\r\n"), message("f2", "body two\r\n"))
        home = tempfile.mkdtemp(prefix="pop3-fetchmail-")
        self.closers.append(lambda: shutil.rmtree(home, ignore_errors=True))
        out = os.path.join(home, "mbox")
        rc = os.path.join(home, "fetchmailrc")
        with open(rc, "w") as f:
            f.write(f'set no syslog\npoll 127.0.0.1 protocol POP3 service {self.suite.port("pop3")}'
                    f' user "{user}" password "{PASSWORD}" no sslcertck\n')
        os.chmod(rc, 0o600)

        def fetch(*extra):
            env = dict(os.environ, HOME=home, FETCHMAILHOME=home)
            return subprocess.run(
                ["fetchmail", "-f", rc, "--idfile", os.path.join(home, "ids"), "--nodetach",
                 "--mda", f"cat >> {out}", "--uidl", *extra],
                env=env, capture_output=True, text=True, timeout=120)

        r = fetch("-k")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(out) as f:
            text = f.read()
        self.assertIn("\n.dotted\n", text)
        self.assertIn("body two", text)
        r = fetch("-k")
        self.assertEqual(r.returncode, 1, "keep mode: nothing new the second time")
        self.assertEqual(self.inbox_count(user), 2)
        r = fetch("--all")  # without -k: fetch and delete
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(self.inbox_count(user), 0)

    def test_curl_as_a_client(self):
        user = "oscar@example.test"
        self.deliver(user, message("c1", "curl one\r\n"), message("c2", ".curl two\r\n"))
        base = f"pop3://127.0.0.1:{self.suite.port('pop3')}/"
        common = ["curl", "-s", "--max-time", "30", "-u", f"{user}:{PASSWORD}"]
        r = subprocess.run(common + [base], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([line.split()[0] for line in r.stdout.splitlines()], ["1", "2"])
        r = subprocess.run(common + [base + "2"], capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0)
        self.assertTrue(r.stdout.endswith(b"\r\n.curl two\r\n"), r.stdout)
        r = subprocess.run(common + ["--ssl-reqd", "-k", base + "1"], capture_output=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0)
        self.assertTrue(r.stdout.endswith(b"curl one\r\n"))
        pop3s = f"pop3s://127.0.0.1:{self.suite.port('pop3s')}/1"
        r = subprocess.run(common + ["-k", pop3s], capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0)
        self.assertTrue(r.stdout.endswith(b"curl one\r\n"))
        r = subprocess.run(common + ["-X", "DELE", "-I", base + "1"], capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0)
        self.assertEqual(self.inbox_count(user), 1)

    def test_pipelined_commands_and_sasl_plain_like_thunderbird(self):
        import base64
        user = "peggy@example.test"
        self.deliver(user, message("p", "pipelined\r\n"))
        t = self.raw()
        t.sock.sendall(b"CAPA\r\nAUTH PLAIN\r\n")
        self.assertEqual(t.line(), "+OK Capability list follows")
        t.multiline()
        self.assertEqual(t.line(), "+ ")
        token = base64.b64encode(f"\0{user}\0{PASSWORD}".encode()).decode()
        self.assertTrue(t.cmd(token).startswith("+OK Logged in"))
        t.sock.sendall(b"STAT\r\nLIST\r\nUIDL\r\nRETR 1\r\nQUIT\r\n")
        self.assertRegex(t.line(), r"^\+OK 1 \d+$")
        self.assertTrue(t.line().startswith("+OK 1 messages"))
        self.assertEqual(len(t.multiline()), 1)
        self.assertTrue(t.line().startswith("+OK 1 messages"))
        self.assertEqual(len(t.multiline()), 1)
        self.assertRegex(t.line(), r"^\+OK \d+ octets$")
        self.assertEqual(t.multiline()[-1], "pipelined")
        self.assertRegex(t.line(), r"signing off")
        self.assertNotIn(token, self.suite.log("pop3d"))


class Pop3AutologoutTest(unittest.TestCase):
    def test_idle_timeout_closes_without_update(self):
        user = "zed@example.test"
        with Suite(users={user: PASSWORD}, daemons=("pop3d", "mta"),
                   settings={"pop3.idle_timeout": "1"}) as s:
            with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=60) as smtp:
                smtp.sendmail("sender@example.org", [user], message("idle", "x\r\n").encode())
            t = Transcript(s.connect("pop3"))
            try:
                read_line(t.f)
                t.cmd(f"USER {user}")
                self.assertTrue(t.cmd(f"PASS {PASSWORD}").startswith("+OK"))
                self.assertEqual(t.cmd("DELE 1"), "+OK Message 1 deleted")
                start = time.monotonic()
                self.assertEqual(t.line(), "-ERR Autologout; idle for too long")
                self.assertEqual(t.f.read(), b"")
                self.assertLess(time.monotonic() - start, 5)
            finally:
                t.close()
            out = s.cli("mailbox", "list", user).stdout
            self.assertRegex(out, r"INBOX\t1\b", "a timeout is not an UPDATE")


if __name__ == "__main__":
    unittest.main()
