"""End-to-end tests of the foundation: every daemon starts from a real config, listens on its
plain, implicit-TLS and ManageSieve ports, greets and says goodbye, enforces line limits, idle timeouts and
the per-IP cap, refuses bad configs before listening, and stops cleanly on SIGTERM."""

import os
import signal
import subprocess
import time
import unittest

from mailsuite_fixture import PostgresDatabase, Suite, binary, read_line, testing_postgres

GREETINGS = {
    # listener: (greeting prefix, goodbye command, goodbye reply prefix)
    "smtp": ("220 mail.example.test ESMTP", b"QUIT\r\n", "221 2.0.0"),
    "submission": ("220 mail.example.test ESMTP", b"QUIT\r\n", "221 2.0.0"),
    "submissions": ("220 mail.example.test ESMTP", b"QUIT\r\n", "221 2.0.0"),
    "pop3": ("+OK ", b"QUIT\r\n", "+OK "),
    "pop3s": ("+OK ", b"QUIT\r\n", "+OK "),
    "imap": ("* OK ", b"a1 LOGOUT\r\n", "* BYE"),
    "imaps": ("* OK ", b"a1 LOGOUT\r\n", "* BYE"),
    # The greeting is the capability list, up to a line "OK" (RFC 5804 1.7).
    "managesieve": ('"IMPLEMENTATION" "mailsuite"', b"LOGOUT\r\n", 'OK "Logout'),
}
TLS_LISTENERS = {"submissions", "pop3s", "imaps"}


class FoundationTest(unittest.TestCase):
    def test_every_listener_greets_and_says_goodbye(self):
        with Suite() as s:
            self.assertEqual(set(s.ports), set(GREETINGS))
            for listener, (greeting, bye, reply) in GREETINGS.items():
                with self.subTest(listener=listener):
                    sock = (s.connect_tls if listener in TLS_LISTENERS else s.connect)(listener)
                    f = sock.makefile("rb")
                    self.assertTrue(read_line(f).startswith(greeting))
                    if listener == "managesieve":
                        while read_line(f) != "OK":
                            pass
                    sock.sendall(bye)
                    self.assertTrue(read_line(f).startswith(reply))
                    if listener.startswith("imap"):
                        self.assertEqual(read_line(f), "a1 OK LOGOUT completed")
                    self.assertEqual(f.read(), b"", "the server closes after goodbye")
                    sock.close()

    def test_overlong_line_is_refused_and_the_session_goes_on(self):
        with Suite(daemons=("mta",)) as s:
            sock = s.connect("smtp")
            f = sock.makefile("rb")
            read_line(f)
            sock.sendall(b"NOOP " + b"x" * 100000 + b"\r\nQUIT\r\n")
            self.assertEqual(read_line(f), "500 5.5.2 Line too long")
            self.assertTrue(read_line(f).startswith("221 "))
            sock.close()

    def test_idle_timeout_closes_with_a_reply(self):
        with Suite(daemons=("mta",), settings={"smtp.idle_timeout": "1"}) as s:
            sock = s.connect("smtp")
            f = sock.makefile("rb")
            read_line(f)
            started = time.monotonic()
            self.assertTrue(read_line(f).startswith("421 4.4.2"))
            self.assertEqual(f.read(), b"")
            self.assertLess(time.monotonic() - started, 10)
            sock.close()

    def test_per_ip_connection_cap(self):
        with Suite(daemons=("pop3d",), settings={"server.max_connections_per_ip": "3"}) as s:
            held = []
            for _ in range(3):
                sock = s.connect("pop3")
                self.assertTrue(read_line(sock.makefile("rb")).startswith("+OK"))
                held.append(sock)
            extra = s.connect("pop3")
            f = extra.makefile("rb")
            self.assertTrue(read_line(f).startswith("-ERR [SYS/TEMP] Too many connections"))
            self.assertEqual(f.read(), b"")
            extra.close()
            # A slot frees up when a session ends.
            held.pop().close()
            deadline = time.monotonic() + 10
            while True:
                sock = s.connect("pop3")
                line = read_line(sock.makefile("rb"))
                sock.close()
                if line.startswith("+OK") or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            self.assertTrue(line.startswith("+OK"), line)
            for sock in held:
                sock.close()

    def test_sigterm_with_an_open_session_ends_cleanly_after_the_grace_period(self):
        with Suite(daemons=("imapd",), settings={"server.shutdown_grace_seconds": "1"}) as s:
            sock = s.connect("imap")
            read_line(sock.makefile("rb"))
            started = time.monotonic()
            self.assertEqual(s.stop_daemon("imapd"), 0)
            self.assertLess(time.monotonic() - started, 10)
            self.assertIn("stopped", s.log("imapd"))
            sock.close()

    def test_session_log_lines_carry_session_id_and_peer(self):
        with Suite(daemons=("mta",)) as s:
            sock = s.connect("smtp")
            f = sock.makefile("rb")
            read_line(f)
            sock.sendall(b"QUIT\r\n")
            read_line(f)
            sock.close()
            s.stop_daemon("mta")
            log = s.log("mta")
            self.assertRegex(log, r"session=[0-9a-f]{10} peer=127\.0\.0\.1 connect on smtp")


class StartupErrorTest(unittest.TestCase):
    def setUp(self):
        self.suite = Suite(daemons=())
        self.suite.start()

    def tearDown(self):
        self.suite.__exit__(None, None, None)

    def run_daemon(self, *sets):
        cmd = [binary("mta/mailsuite-mta"), "--config", self.suite.config]
        for s in sets:
            cmd += ["--set", s]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60)

    def test_unknown_key_in_file_names_file_line_and_key(self):
        with open(self.suite.config, "a") as f:
            f.write("\n[smtp]\nlisen = 127.0.0.1:0\n")
        r = self.run_daemon()
        self.assertEqual(r.returncode, 2)
        self.assertIn(self.suite.config, r.stderr)
        self.assertIn("unknown key smtp.lisen", r.stderr)

    def test_bad_override_value(self):
        r = self.run_daemon("smtp.idle_timeout=forever")
        self.assertEqual(r.returncode, 2)
        self.assertIn("smtp.idle_timeout", r.stderr)

    def test_missing_config_file(self):
        r = subprocess.run([binary("pop3d/mailsuite-pop3d"), "--config", "/nonexistent.conf"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 2)
        self.assertIn("/nonexistent.conf", r.stderr)

    def test_missing_database_says_run_init(self):
        if testing_postgres():  # a database without mailsuite's tables: none are created
            empty = PostgresDatabase()
            try:
                r = self.run_daemon("store.url=" + empty.url)
                self.assertEqual(r.returncode, 1)
                self.assertIn("has no mailsuite tables; run mailsuite init", r.stderr)
            finally:
                empty.drop()
            return
        r = self.run_daemon("store.path=" + os.path.join(self.suite.dir, "none.db"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("mailsuite init", r.stderr)

    def test_port_in_use_is_a_clear_error(self):
        import socket
        busy = socket.socket()
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        r = self.run_daemon(f"smtp.listen=127.0.0.1:{port}")
        busy.close()
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"cannot listen on 127.0.0.1:{port}", r.stderr)


if __name__ == "__main__":
    unittest.main()
