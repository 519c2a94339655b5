"""End-to-end relay: mailsuite-mta delivers queued mail to scripted SMTP sinks found through a
fake DNS server on loopback, retries temporary failures, and bounces permanent ones."""

import re
import smtplib
import socket
import time
import unittest

from fake_dns import FakeDns
from mailsuite_fixture import Suite
from smtp_sink import SmtpSink

USERS = {"bob@example.test": "hungry"}


def bounced(address, relay, status):
    """The mta's event line for a recipient that bounced (shared/event_log.h)."""
    return (r"event=bounced queue=\d+ to=<" + re.escape(address) + "> relay=" + re.escape(relay) +
            r" delay=\d+ attempts=\d+ size=\d+ status=" + re.escape(status) + " ")


def free_port_on(hosts):
    """A port that is free on every one of `hosts`."""
    for _ in range(50):
        s = socket.socket()
        s.bind((hosts[0], 0))
        port = s.getsockname()[1]
        s.close()
        ok = True
        for h in hosts:
            t = socket.socket()
            try:
                t.bind((h, port))
            except OSError:
                ok = False
            t.close()
        if ok:
            return port
    raise RuntimeError("no common free port")


def wait_for(predicate, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def inbox_count(suite, user):
    for line in suite.cli("mailbox", "list", user).stdout.splitlines():
        if line.startswith("INBOX\t"):
            return int(line.split("\t")[1].split()[0])
    raise AssertionError("no INBOX")


class RelayTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        port = free_port_on(["127.0.0.2", "127.0.0.3", "127.0.0.4"])
        cls.dns = FakeDns({
            ("example.net", "MX"): [(10, "mx1.example.net"), (20, "mx2.example.net")],
            ("mx1.example.net", "A"): ["127.0.0.2"],
            ("mx2.example.net", "A"): ["127.0.0.3"],
            ("other.net", "MX"): [(10, "down.other.net"), (20, "mx2.example.net")],
            ("down.other.net", "A"): ["127.0.0.4"],
            ("implicit.net", "A"): ["127.0.0.3"],
            ("nullmx.example", "MX"): [(0, "")],
            ("gone.example", "rcode"): 3,
            ("self.example", "MX"): [(10, "mail.example.test")],  # that is us
        }).start()
        cls.sink1 = SmtpSink(["127.0.0.2"], port, "mx1.example.net").start()
        cls.sink2 = SmtpSink(["127.0.0.3"], port, "mx2.example.net").start()
        cls.suite = Suite(users=USERS, daemons=("mta",), settings={
            "dns.servers": f"127.0.0.1:{cls.dns.port}",
            "relay.port": str(port),
            "queue.retry_interval": "1",
            "queue.scan_interval": "1",
        }).start()

    @classmethod
    def tearDownClass(cls):
        cls.suite.__exit__(None, None, None)
        cls.sink1.stop()
        cls.sink2.stop()
        cls.dns.stop()

    def send(self, sender, rcpts, body):
        with smtplib.SMTP("127.0.0.1", self.suite.port("smtp"), timeout=30) as c:
            return c.sendmail(sender, rcpts, body)

    def received_by(self, sink, rcpt):
        return [m for m in list(sink.messages) if rcpt in m[1]]

    def test_preferred_mx_gets_the_message_byte_exact(self):
        body = ("Subject: relay test\r\nFrom: bob@example.test\r\n\r\n"
                "line one\r\n.leading dot\r\n\r\nend\r\n")
        self.send("bob@example.test", ["alice@example.net"], body)
        self.assertTrue(wait_for(lambda: self.received_by(self.sink1, "alice@example.net")))
        mail_from, rcpts, data = self.received_by(self.sink1, "alice@example.net")[0]
        self.assertEqual(mail_from, "bob@example.test")
        self.assertEqual(rcpts, ["alice@example.net"])
        text = data.decode()
        self.assertTrue(text.startswith("Received: from "), text[:200])
        self.assertTrue(text.endswith(body), text[-200:])
        self.assertEqual(self.received_by(self.sink2, "alice@example.net"), [])

    def test_next_mx_when_the_first_refuses_connections(self):
        self.send("bob@example.test", ["carol@other.net"], "Subject: failover\r\n\r\nx\r\n")
        self.assertTrue(wait_for(lambda: self.received_by(self.sink2, "carol@other.net")))

    def test_domain_without_mx_uses_its_address(self):
        self.send("bob@example.test", ["dan@implicit.net"], "Subject: implicit\r\n\r\nx\r\n")
        self.assertTrue(wait_for(lambda: self.received_by(self.sink2, "dan@implicit.net")))

    def test_recipients_of_two_domains_are_split(self):
        self.send("bob@example.test", ["eve@example.net", "frank@other.net"],
                  "Subject: split\r\n\r\nx\r\n")
        self.assertTrue(wait_for(lambda: self.received_by(self.sink1, "eve@example.net")))
        self.assertTrue(wait_for(lambda: self.received_by(self.sink2, "frank@other.net")))
        self.assertEqual(self.received_by(self.sink1, "eve@example.net")[0][1], ["eve@example.net"])

    def test_temporary_failure_is_retried(self):
        self.sink1.rcpt_replies["later@example.net"] = "450 4.2.0 mailbox busy, try later"
        self.send("bob@example.test", ["later@example.net"], "Subject: later\r\n\r\nx\r\n")
        time.sleep(2.5)  # at least one refused attempt
        self.assertEqual(self.received_by(self.sink1, "later@example.net"), [])
        del self.sink1.rcpt_replies["later@example.net"]
        self.assertTrue(wait_for(lambda: self.received_by(self.sink1, "later@example.net")))

    def test_permanent_failures_bounce_to_the_local_sender(self):
        self.sink1.rcpt_replies["nobody@example.net"] = "550 5.1.1 no such user"
        for rcpt in ("nobody@example.net", "x@nullmx.example", "y@gone.example", "z@self.example"):
            with self.subTest(rcpt=rcpt):
                before = inbox_count(self.suite, "bob@example.test")
                self.send("bob@example.test", [rcpt], f"Subject: to {rcpt}\r\n\r\nx\r\n")
                self.assertTrue(wait_for(
                    lambda: inbox_count(self.suite, "bob@example.test") == before + 1),
                    f"no bounce for {rcpt}")
        log = self.suite.log("mta")
        self.assertRegex(log, bounced("nobody@example.net", "mx1.example.net", "5.1.1"))
        self.assertRegex(log, bounced("x@nullmx.example", "none", "5.1.10"))
        self.assertRegex(log, bounced("y@gone.example", "none", "5.1.2"))
        self.assertRegex(log, bounced("z@self.example", "none", "5.4.6"))

    def test_queue_cli_lists_shows_and_bounces(self):
        self.sink1.rcpt_replies["held@example.net"] = "451 4.3.0 not today"
        self.send("bob@example.test", ["held@example.net"], "Subject: held\r\n\r\nx\r\n")
        self.assertTrue(wait_for(lambda: "4.3.0" in self.suite.cli("queue", "list").stdout))
        listing = self.suite.cli("queue", "list").stdout
        qid = None
        for line in listing.splitlines():  # a message line, then its recipients indented
            if not line.startswith("\t"):
                current = line.split("\t")[0]
            elif "<held@example.net>" in line:
                qid = current
        self.assertIsNotNone(qid, listing)
        self.assertIn("<held@example.net> queued, attempts", listing)
        shown = self.suite.cli("queue", "show", qid).stdout
        self.assertIn("Subject: held", shown)
        before = inbox_count(self.suite, "bob@example.test")
        self.suite.cli("queue", "bounce", qid)
        self.assertTrue(wait_for(lambda: inbox_count(self.suite, "bob@example.test") == before + 1))
        self.assertTrue(wait_for(lambda: "held@example.net" not in self.suite.cli("queue", "list").stdout))
        bad = self.suite.cli("queue", "show", "999999", check=False)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("does not exist", bad.stderr)

    def test_notify_success_to_a_server_without_dsn_gets_a_relayed_notice(self):
        before = inbox_count(self.suite, "bob@example.test")
        with smtplib.SMTP("127.0.0.1", self.suite.port("smtp"), timeout=30) as c:
            c.ehlo("c")
            c.sendmail("bob@example.test", ["notify@example.net"], "Subject: n\r\n\r\nx\r\n",
                       rcpt_options=["NOTIFY=SUCCESS"])
        self.assertTrue(wait_for(lambda: self.received_by(self.sink1, "notify@example.net")))
        self.assertTrue(wait_for(lambda: inbox_count(self.suite, "bob@example.test") == before + 1))
        # The notice is stored before the line that says so is logged.
        self.assertTrue(wait_for(
            lambda: "DSN (relayed) sent to <bob@example.test>" in self.suite.log("mta")))

    def test_utf8_or_8bit_mail_is_not_sent_to_servers_without_the_extension(self):
        # The sinks offer 8BITMIME but not SMTPUTF8: UTF-8 headers cannot go there.
        before = inbox_count(self.suite, "bob@example.test")
        with smtplib.SMTP("127.0.0.1", self.suite.port("smtp"), timeout=30) as c:
            c.ehlo("c")
            c.sendmail("bob@example.test", ["utf8@example.net"],
                       "Subject: Gr\u00fc\u00dfe\r\n\r\nx\r\n".encode(),
                       mail_options=["SMTPUTF8", "BODY=8BITMIME"])
        self.assertTrue(wait_for(lambda: inbox_count(self.suite, "bob@example.test") == before + 1))
        self.assertRegex(self.suite.log("mta"), bounced("utf8@example.net", "mx1.example.net", "5.6.7"))
        self.assertEqual(self.received_by(self.sink1, "utf8@example.net"), [])
        # 8-bit body, plain headers, and a server without 8BITMIME: refused, not sent.
        self.sink1.eight_bit_mime = False
        try:
            with smtplib.SMTP("127.0.0.1", self.suite.port("smtp"), timeout=30) as c:
                c.ehlo("c")
                c.sendmail("bob@example.test", ["eightbit@example.net"],
                           "Subject: plain\r\n\r\ncaf\u00e9\r\n".encode(),
                           mail_options=["BODY=8BITMIME"])
            self.assertTrue(wait_for(lambda: "to=<eightbit@example.net>" in self.suite.log("mta")))
            self.assertRegex(self.suite.log("mta"),
                             bounced("eightbit@example.net", "mx1.example.net", "5.6.3"))
        finally:
            self.sink1.eight_bit_mime = True

    def test_null_sender_is_never_bounced(self):
        self.sink1.rcpt_replies["nobody2@example.net"] = "550 5.1.1 no such user"
        before = inbox_count(self.suite, "bob@example.test")
        self.send("", ["nobody2@example.net"], "Subject: bounce of a bounce\r\n\r\nx\r\n")
        self.assertTrue(wait_for(lambda: "to=<nobody2@example.net>" in self.suite.log("mta")))
        time.sleep(1.5)
        self.assertEqual(inbox_count(self.suite, "bob@example.test"), before)


class SmarthostTest(unittest.TestCase):
    def test_everything_goes_through_the_smarthost_with_tls_and_auth(self):
        import os
        import ssl
        port = free_port_on(["127.0.0.5"])
        sink = SmtpSink(["127.0.0.5"], port, "smarthost.example")
        sink.auth = ("relayuser", "s3cret")
        with Suite(users=USERS, daemons=(), settings={
                "relay.smarthost": f"127.0.0.5:{port}",
                "relay.smarthost_user": "relayuser",
                "queue.scan_interval": "1"}) as s:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(os.path.join(s.dir, "cert.pem"), os.path.join(s.dir, "key.pem"))
            sink.tls_context = ctx
            sink.start()
            secret = os.path.join(s.dir, "smarthost-password")
            with open(secret, "w") as f:
                f.write("s3cret\n")
            s.start_daemon("mta", [f"relay.smarthost_password_file={secret}"])
            with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=30) as c:
                c.sendmail("bob@example.test", ["someone@anywhere.example"],
                           "Subject: via smarthost\r\n\r\nx\r\n")
            self.assertTrue(wait_for(lambda: sink.messages))
            self.assertEqual(sink.messages[0][1], ["someone@anywhere.example"])
            self.assertTrue(any(x["tls"] and x["auth"] == "relayuser" for x in sink.sessions))
        sink.stop()


class CrashTest(unittest.TestCase):
    def test_sigkill_during_relay_loses_nothing(self):
        import signal
        port = free_port_on(["127.0.0.6"])
        dns = FakeDns({("far.example", "MX"): [(10, "mx.far.example")],
                       ("mx.far.example", "A"): ["127.0.0.6"]}).start()
        sink = SmtpSink(["127.0.0.6"], port, "mx.far.example")
        sink.data_delay = 3.0
        sink.start()
        try:
            with Suite(users=USERS, daemons=("mta",), settings={
                    "dns.servers": f"127.0.0.1:{dns.port}", "relay.port": str(port),
                    "queue.retry_interval": "1", "queue.scan_interval": "1"}) as s:
                with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=30) as c:
                    c.sendmail("bob@example.test", ["x@far.example"], "Subject: k\r\n\r\nx\r\n")
                # Kill the mta while the sink holds the end of DATA.
                self.assertTrue(wait_for(lambda: any(True for _ in sink.sessions)))
                time.sleep(1)
                s.procs["mta"].send_signal(signal.SIGKILL)
                s.procs.pop("mta").wait()
                self.assertIn("x@far.example", s.cli("queue", "list").stdout)
                sink.data_delay = 0
                s.start_daemon("mta")
                self.assertTrue(wait_for(lambda: "the queue is empty" in
                                         s.cli("queue", "list").stdout, 30))
                self.assertGreaterEqual(len([m for m in sink.messages if m[1] == ["x@far.example"]]), 1)
        finally:
            sink.stop()
            dns.stop()


class ExpiryTest(unittest.TestCase):
    def test_message_too_old_is_bounced(self):
        dns = FakeDns({("slow.example", "rcode"): 2}).start()  # SERVFAIL: temporary
        try:
            with Suite(users=USERS, daemons=("mta",), settings={
                    "dns.servers": f"127.0.0.1:{dns.port}", "dns.timeout_ms": "200",
                    "queue.retry_interval": "1", "queue.scan_interval": "1",
                    "queue.max_lifetime": "2"}) as s:
                with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=30) as c:
                    c.sendmail("bob@example.test", ["z@slow.example"], "Subject: s\r\n\r\nx\r\n")
                self.assertTrue(wait_for(lambda: inbox_count(s, "bob@example.test") == 1, 30))
                self.assertIn("expired", s.log("mta"))
        finally:
            dns.stop()


if __name__ == "__main__":
    unittest.main()
