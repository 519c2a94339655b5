"""End-to-end monitoring: each daemon's metrics.listen endpoint. Known traffic over SMTP, POP3,
IMAP and ManageSieve must move the counters of /metrics by exactly what it was; the output must
pass `promtool check metrics` (from Debian's prometheus package, unpacked by
tests/e2e/get-promtool.sh); /healthz and /readyz answer; a password guards /metrics."""

import base64
import imaplib
import os
import poplib
import re
import smtplib
import socket
import ssl
import subprocess
import time
import unittest
import urllib.error
import urllib.request

from mailsuite_fixture import BUILD_DIR, Suite, read_line, testing_postgres

USERS = {"bob@example.test": "hungry", "carol@example.test": "thirsty"}
ALL_METRICS = "mta=127.0.0.1:0, pop3d=127.0.0.1:0, imapd=127.0.0.1:0"
PROMTOOL = os.path.join(BUILD_DIR, "promtool", "usr", "bin", "promtool")
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def fetch(suite, daemon, path="/metrics", password=None):
    """(status, body) of an HTTP GET to the daemon's monitoring listener."""
    request = urllib.request.Request(f"http://127.0.0.1:{suite.port('metrics-' + daemon)}{path}")
    if password is not None:
        token = base64.b64encode(f"prometheus:{password}".encode()).decode()
        request.add_header("Authorization", "Basic " + token)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:  # 4xx and 5xx, with the body readable
        return e.code, e.read().decode()


def parse(text):
    """{(name, frozenset of (label, value)): value} of every sample in an exposition."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            raise AssertionError(f"not a sample line: {line!r}")
        labels = frozenset(LABEL.findall(m.group(2) or ""))
        samples[(m.group(1), labels)] = float(m.group(3))
    return samples


def scrape(suite, daemon):
    status, body = fetch(suite, daemon)
    if status != 200:
        raise AssertionError(f"/metrics of {daemon}: HTTP {status}: {body}")
    return parse(body)


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


def scrape_until(suite, daemon, done, seconds=30, pause=0.1):
    """Scrapes until done(samples) holds or `seconds` pass; returns the last samples."""
    deadline = time.monotonic() + seconds
    while True:
        samples = scrape(suite, daemon)
        if done(samples) or time.monotonic() > deadline:
            return samples
        time.sleep(pause)


class MetricsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # 127.0.0.1 on port 25 is a stranger: its mail goes through SPF, DKIM and DMARC.
        cls.suite = Suite(users=USERS, settings={"metrics.listen": ALL_METRICS,
                                                 "smtp.trusted_networks": ""}).start()

    @classmethod
    def tearDownClass(cls):
        cls.suite.__exit__(None, None, None)

    def delta(self, before, after, name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    def wait_for_gauge(self, daemon, name, expected, **labels):
        samples = scrape_until(self.suite, daemon,
                               lambda s: value(s, name, **labels) == expected, 10, 0.05)
        return value(samples, name, **labels)

    def test_smtp_counters_follow_known_traffic(self):
        s = self.suite
        port = str(s.port("smtp"))
        before = scrape(s, "mta")
        message = (b"From: alice@example.org\r\nTo: bob@example.test\r\nSubject: counted\r\n\r\n"
                   b"One message, counted once.\r\n")
        with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=30) as smtp:
            smtp.ehlo("client.example.org")
            smtp.mail("alice@example.org")
            self.assertEqual(smtp.rcpt("bob@example.test")[0], 250)
            self.assertEqual(smtp.rcpt("nobody@example.test")[0], 550)
            self.assertEqual(smtp.data(message)[0], 250)
            self.assertEqual(smtp.docmd("FROBNICATE")[0], 500)
            # A login that fails (loopback may send a password without TLS).
            code, _ = smtp.docmd("AUTH", "PLAIN " + base64.b64encode(
                b"\0bob@example.test\0wrong").decode())
            self.assertEqual(code, 535)
        after = scrape(s, "mta")
        d = lambda name, **labels: self.delta(before, after, name, **labels)
        self.assertEqual(d("mailsuite_connections_total", listener="smtp", port=port), 1)
        for command, result, count in [("EHLO", "2xx", 1), ("MAIL", "2xx", 1), ("RCPT", "2xx", 1),
                                       ("RCPT", "5xx", 1), ("DATA", "2xx", 1),
                                       ("unknown", "5xx", 1), ("AUTH", "5xx", 1),
                                       ("DATA", "3xx", 0)]:
            self.assertEqual(d("mailsuite_commands_total", protocol="smtp", command=command,
                               result=result), count, (command, result))
        self.assertEqual(d("mailsuite_smtp_messages_total", result="accepted", reason="ok"), 1)
        self.assertEqual(d("mailsuite_smtp_received_bytes_total"), len(message))
        self.assertEqual(d("mailsuite_logins_total", protocol="smtp", result="failure"), 1)
        self.assertEqual(d("mailsuite_logins_total", protocol="smtp", result="success"), 0)
        self.assertEqual(d("mailsuite_deliveries_total", result="stored"), 1)
        # The fake DNS knows no name: SPF none, no signature, DMARC none.
        for method in ("spf", "dkim", "dmarc"):
            self.assertEqual(d("mailsuite_mail_auth_results_total", method=method,
                               result="none"), 1, method)
        self.assertGreaterEqual(d("mailsuite_dns_lookups_total", type="TXT",
                                  outcome="no_domain"), 1)
        self.assertGreaterEqual(d("mailsuite_dns_lookup_duration_seconds_count", type="TXT"), 1)
        self.assertGreaterEqual(d("mailsuite_store_transaction_duration_seconds_count",
                                  backend="postgresql" if testing_postgres() else "sqlite",
                                  kind="write"), 1)
        # QUIT closed the connection: the open gauge comes back down.
        self.assertEqual(self.wait_for_gauge("mta", "mailsuite_connections_open",
                                             value(before, "mailsuite_connections_open",
                                                   listener="smtp", port=port),
                                             listener="smtp", port=port),
                         value(before, "mailsuite_connections_open", listener="smtp", port=port))

    def test_tls_handshakes(self):
        s = self.suite
        before = scrape(s, "mta")
        with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=30) as smtp:
            smtp.starttls(context=tls_context())
            self.assertEqual(smtp.noop()[0], 250)
        with s.connect("submissions") as sock:
            sock.sendall(b"EHLO this is not a ClientHello\r\n")
            try:
                self.assertEqual(sock.recv(100), b"")  # the server gives up on it
            except ConnectionResetError:
                pass  # or resets the connection
        after = scrape(s, "mta")
        self.assertEqual(self.delta(before, after, "mailsuite_tls_handshakes_total",
                                    listener="smtp", result="ok"), 1)
        self.assertEqual(self.delta(before, after, "mailsuite_tls_handshakes_total",
                                    listener="submissions", result="failed"), 1)

    def test_relay_attempts_and_the_queue(self):
        s = self.suite
        before = scrape(s, "mta")
        with smtplib.SMTP("127.0.0.1", s.port("submission"), timeout=30) as smtp:
            smtp.login("bob@example.test", "hungry")
            smtp.sendmail("bob@example.test", ["someone@nowhere.example"],
                          b"Subject: out\r\n\r\nto another host\r\n")
        # The fake DNS has no MX or address for nowhere.example: the recipient bounces at once,
        # without a server reached.
        bounced = lambda after: self.delta(before, after, "mailsuite_relay_attempts_total",
                                           result="bounced", destination="none")
        after = scrape_until(s, "mta", bounced)
        self.assertEqual(bounced(after), 1)
        self.assertEqual(self.delta(before, after, "mailsuite_deliveries_total", result="queued"), 1)
        self.assertEqual(self.delta(before, after, "mailsuite_logins_total", protocol="smtp",
                                    result="success"), 1)
        for state in ("fresh", "deferred"):
            self.assertIn(("mailsuite_queue_recipients", frozenset({("state", state)})), after)
        self.assertIn(("mailsuite_queue_messages", frozenset()), after)

    def test_oversized_message_is_counted_as_rejected(self):
        s = self.suite
        before = scrape(s, "mta")
        with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=30) as smtp:
            smtp.ehlo("client.example.org")
            smtp.mail("alice@example.org")
            smtp.rcpt("carol@example.test")
            code, _ = smtp.data(b"Subject: x\r\n\r\n" + b"x" * 998 + b"xx\r\n")
            self.assertEqual(code, 554)  # a line over 1000 octets
        after = scrape(s, "mta")
        self.assertEqual(self.delta(before, after, "mailsuite_smtp_messages_total",
                                    result="rejected", reason="line_too_long"), 1)
        self.assertEqual(self.delta(before, after, "mailsuite_smtp_received_bytes_total"), 0)

    def test_pop3_and_imap_commands_and_logins(self):
        s = self.suite
        with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=30) as smtp:
            smtp.sendmail("alice@example.org", ["carol@example.test"],
                          b"Subject: for RETR\r\n\r\nread me\r\n")
        pop_before = scrape(s, "pop3d")
        imap_before = scrape(s, "imapd")
        pop = poplib.POP3("127.0.0.1", s.port("pop3"), timeout=30)
        pop.user("carol@example.test")
        pop.pass_("thirsty")
        pop.stat()
        pop.capa()
        pop.list()
        pop.uidl()
        pop.retr(1)
        with self.assertRaises(poplib.error_proto):
            pop._shortcmd("XYZZY")
        pop.quit()
        imap = imaplib.IMAP4("127.0.0.1", s.port("imap"), timeout=30)
        with self.assertRaises(imaplib.IMAP4.error):
            imap.login("carol@example.test", "wrong")
        time.sleep(0.3)  # past the failure delay (auth.failure_delay_ms = 100 in the fixture)
        imap.login("carol@example.test", "thirsty")
        imap.select("INBOX")
        imap.noop()
        with self.assertRaises(imaplib.IMAP4.error):
            imap.xatom("FROB")  # BAD: an unknown command
        imap.logout()
        pop_after = scrape(s, "pop3d")
        imap_after = scrape(s, "imapd")
        p = lambda name, **labels: self.delta(pop_before, pop_after, name, **labels)
        i = lambda name, **labels: self.delta(imap_before, imap_after, name, **labels)
        self.assertEqual(p("mailsuite_connections_total", listener="pop3",
                           port=str(s.port("pop3"))), 1)
        for command, result in [("USER", "ok"), ("PASS", "ok"), ("STAT", "ok"), ("CAPA", "ok"),
                                ("LIST", "ok"), ("UIDL", "ok"), ("RETR", "ok"),
                                ("unknown", "err"), ("QUIT", "ok")]:
            self.assertEqual(p("mailsuite_commands_total", protocol="pop3", command=command,
                               result=result), 1, command)
        self.assertEqual(p("mailsuite_logins_total", protocol="pop3", result="success"), 1)
        self.assertEqual(i("mailsuite_connections_total", listener="imap",
                           port=str(s.port("imap"))), 1)
        for command, result in [("LOGIN", "no"), ("LOGIN", "ok"), ("SELECT", "ok"),
                                ("NOOP", "ok"), ("unknown", "bad"), ("LOGOUT", "ok")]:
            self.assertEqual(i("mailsuite_commands_total", protocol="imap", command=command,
                               result=result), 1, (command, result))
        self.assertEqual(i("mailsuite_logins_total", protocol="imap", result="failure"), 1)
        self.assertEqual(i("mailsuite_logins_total", protocol="imap", result="success"), 1)

    def test_managesieve_commands_and_logins(self):
        s = self.suite
        before = scrape(s, "imapd")
        with s.connect("managesieve") as sock:
            f = sock.makefile("rb")
            while read_line(f) != "OK":
                pass
            token = base64.b64encode(b"\0bob@example.test\0hungry").decode()
            sock.sendall(f'AUTHENTICATE "PLAIN" "{token}"\r\n'.encode())
            self.assertTrue(read_line(f).startswith("OK"))
            sock.sendall(b"CAPABILITY\r\n")
            while read_line(f) != "OK":
                pass
            sock.sendall(b"LISTSCRIPTS\r\nBOGUS\r\nLOGOUT\r\n")
            self.assertTrue(read_line(f).startswith("OK"))  # no scripts yet
            self.assertTrue(read_line(f).startswith("NO"))
            self.assertTrue(read_line(f).startswith("OK"))
        after = scrape(s, "imapd")
        for command, result in [("AUTHENTICATE", "ok"), ("CAPABILITY", "ok"), ("LISTSCRIPTS", "ok"),
                                ("unknown", "no"), ("LOGOUT", "ok")]:
            self.assertEqual(self.delta(before, after, "mailsuite_commands_total",
                                        protocol="managesieve", command=command, result=result),
                             1, command)
        self.assertEqual(self.delta(before, after, "mailsuite_logins_total",
                                    protocol="managesieve", result="success"), 1)

    def test_sessions_parked_and_process_figures(self):
        s = self.suite
        quiet = [s.connect("imap") for _ in range(3)]
        try:
            for sock in quiet:
                sock.recv(1000)  # the greeting; then silence: the session parks
            parked = self.wait_for_gauge("imapd", "mailsuite_sessions", 3, state="parked")
            self.assertGreaterEqual(parked, 3)
        finally:
            for sock in quiet:
                sock.close()
        samples = scrape(s, "imapd")
        pid = s.procs["imapd"].pid
        with open(f"/proc/{pid}/status") as f:
            threads = int(re.search(r"^Threads:\s+(\d+)", f.read(), re.M).group(1))
        self.assertGreater(value(samples, "process_resident_memory_bytes"), 1 << 20)
        self.assertGreater(value(samples, "process_open_fds"), 5)
        self.assertAlmostEqual(value(samples, "process_threads"), threads, delta=4)
        self.assertGreater(value(samples, "process_start_time_seconds"), time.time() - 3600)
        self.assertGreaterEqual(value(samples, "mailsuite_metrics_scrape_cpu_seconds_count"), 1)

    def test_health_and_readiness(self):
        for daemon in ("mta", "pop3d", "imapd"):
            self.assertEqual(fetch(self.suite, daemon, "/healthz"), (200, "ok\n"))
            self.assertEqual(fetch(self.suite, daemon, "/readyz"), (200, "ready\n"))
            self.assertEqual(fetch(self.suite, daemon, "/nothing")[0], 404)

    def test_promtool_accepts_every_daemons_output(self):
        if not os.access(PROMTOOL, os.X_OK):
            self.skipTest(f"SKIPPED: no promtool at {PROMTOOL} (tests/e2e/get-promtool.sh "
                          f"{os.path.dirname(os.path.dirname(os.path.dirname(PROMTOOL)))} "
                          "unpacks it; tests/run.sh does)")
        # Some traffic first, so that labelled families have series to check.
        with smtplib.SMTP("127.0.0.1", self.suite.port("smtp"), timeout=30) as smtp:
            smtp.sendmail("alice@example.org", ["bob@example.test"], b"Subject: p\r\n\r\nx\r\n")
        for daemon in ("mta", "pop3d", "imapd"):
            status, body = fetch(self.suite, daemon)
            self.assertEqual(status, 200)
            check = subprocess.run([PROMTOOL, "check", "metrics"], input=body, text=True,
                                   capture_output=True, timeout=60)
            self.assertEqual((check.returncode, check.stdout + check.stderr), (0, ""),
                             f"{daemon}:\n{body}")


class DeferredQueueTest(unittest.TestCase):
    def test_a_deferred_recipient_shows_in_the_queue_gauges(self):
        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        smarthost = f"127.0.0.1:{closed.getsockname()[1]}"
        try:
            with Suite(users=USERS, daemons=("mta",),
                       settings={"metrics.listen": "mta=127.0.0.1:0",
                                 "relay.smarthost": smarthost}) as s:
                before = scrape(s, "mta")
                with smtplib.SMTP("127.0.0.1", s.port("submission"), timeout=30) as smtp:
                    smtp.login("bob@example.test", "hungry")
                    smtp.sendmail("bob@example.test", ["someone@elsewhere.example"],
                                  b"Subject: waits\r\n\r\nfor a server that is down\r\n")
                # The figures are read from the store every 5 s at most.
                after = scrape_until(
                    s, "mta", lambda a: value(a, "mailsuite_queue_recipients", state="deferred"),
                    pause=0.2)
                self.assertEqual(value(after, "mailsuite_queue_recipients", state="deferred"), 1)
                self.assertEqual(value(after, "mailsuite_queue_recipients", state="fresh"), 0)
                self.assertEqual(value(after, "mailsuite_queue_messages"), 1)
                self.assertGreaterEqual(
                    value(after, "mailsuite_queue_oldest_age_seconds", state="deferred"), 0)
                self.assertEqual(value(after, "mailsuite_relay_attempts_total", result="deferred",
                                       destination="none") -
                                 value(before, "mailsuite_relay_attempts_total",
                                       result="deferred", destination="none"), 1)
        finally:
            closed.close()


class RefusedConnectionsTest(unittest.TestCase):
    def test_per_ip_refusals_are_counted(self):
        with Suite(users=USERS, daemons=("pop3d",),
                   settings={"metrics.listen": "pop3d=127.0.0.1:0",
                             "server.max_connections_per_ip": "2"}) as s:
            port = str(s.port("pop3"))
            before = scrape(s, "pop3d")
            held = [s.connect("pop3") for _ in range(2)]
            for sock in held:
                sock.recv(1000)
            with s.connect("pop3") as third:
                self.assertTrue(read_line(third.makefile("rb")).startswith("-ERR [SYS/TEMP]"))
            after = scrape(s, "pop3d")
            for sock in held:
                sock.close()
            self.assertEqual(value(after, "mailsuite_connections_refused_total", listener="pop3",
                                   port=port, reason="per_ip_limit") -
                             value(before, "mailsuite_connections_refused_total",
                                   listener="pop3", port=port, reason="per_ip_limit"), 1)
            self.assertEqual(value(after, "mailsuite_connections_open", listener="pop3",
                                   port=port), 2)


class PasswordTest(unittest.TestCase):
    def test_metrics_need_the_password_and_probes_do_not(self):
        suite = Suite(users=USERS, daemons=("mta",))
        password_file = os.path.join(suite.dir, "metrics.password")
        with open(password_file, "w") as f:
            f.write("correct horse\n")
        suite.settings = {"metrics.listen": "mta=127.0.0.1:0",
                          "metrics.password_file": password_file}
        with suite as s:
            self.assertEqual(fetch(s, "mta")[0], 401)
            self.assertEqual(fetch(s, "mta", password="wrong")[0], 401)
            status, body = fetch(s, "mta", password="correct horse")
            self.assertEqual(status, 200)
            self.assertIn("mailsuite_connections_total", body)
            self.assertEqual(fetch(s, "mta", "/healthz"), (200, "ok\n"))
            self.assertEqual(fetch(s, "mta", "/readyz"), (200, "ready\n"))

    def test_an_unreadable_password_file_stops_the_daemon(self):
        suite = Suite(users=USERS, daemons=(),
                      settings={"metrics.listen": "mta=127.0.0.1:0",
                                "metrics.password_file": "/nonexistent/metrics.password"})
        with suite as s:
            with self.assertRaises(RuntimeError) as e:
                s.start_daemon("mta")
            self.assertIn("cannot read metrics.password_file", str(e.exception))
            self.assertEqual(s.procs.pop("mta").wait(timeout=30), 1)


if __name__ == "__main__":
    unittest.main()
