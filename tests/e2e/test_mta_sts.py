"""MTA-STS for relay (RFC 8461, issue #15): the queue runner fetches a recipient domain's policy
over HTTPS (a loopback server with a certificate from a private CA, relay.tls_ca_file) and,
when it says enforce, delivers only to the MX hosts it names, only over TLS with a certificate
valid for the MX name; otherwise the mail waits. testing only logs."""

import http.server
import os
import smtplib
import ssl
import subprocess
import tempfile
import threading
import time
import unittest

from fake_dns import FakeDns
from mailsuite_fixture import Suite
from smtp_sink import SmtpSink
from test_relay import free_port_on, wait_for

USERS = {"bob@example.test": "hungry"}
POLICIES = {  # served at https://mta-sts.<domain>/.well-known/mta-sts.txt
    "sts.example": "version: STSv1\nmode: enforce\nmx: mx1.sts.example\nmax_age: 86400\n",
    "badmx.example": "version: STSv1\nmode: enforce\nmx: *.elsewhere.example\nmax_age: 86400\n",
    "testing.example": "version: STSv1\nmode: testing\nmx: *.elsewhere.example\nmax_age: 86400\n",
    "notls.example": "version: STSv1\nmode: enforce\nmx: mx.notls.example\nmax_age: 86400\n",
    "wrongcert.example": "version: STSv1\nmode: enforce\nmx: mx.wrongcert.example\n"
                         "max_age: 86400\n",
}


def make_pki(d):
    """A CA, a certificate it signs for every name the tests use, and one it does not sign."""
    names = [f"mta-sts.{domain}" for domain in POLICIES] + [
        "mx1.sts.example", "mx1.badmx.example", "mx1.testing.example", "mx.notls.example"]
    run = lambda *a: subprocess.run(a, check=True, capture_output=True, cwd=d, timeout=60)
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
        "-out", "ca.pem", "-days", "2", "-subj", "/CN=mailsuite test CA")
    with open(os.path.join(d, "san.cnf"), "w") as f:
        f.write("subjectAltName=" + ",".join(f"DNS:{n}" for n in names) + "\n")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key",
        "-out", "server.csr", "-subj", "/CN=mta-sts.sts.example")
    run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.cnf")
    # mx.wrongcert.example gets a certificate of the right CA for another name.
    return os.path.join(d, "ca.pem"), os.path.join(d, "server.pem"), os.path.join(d, "server.key")


class PolicyHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        host = self.headers.get("Host", "").split(":")[0]
        domain = host[len("mta-sts."):] if host.startswith("mta-sts.") else ""
        if self.path != "/.well-known/mta-sts.txt" or domain not in POLICIES:
            self.send_response(404)
            self.end_headers()
            return
        body = POLICIES[domain].encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class MtaStsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pki = tempfile.mkdtemp(prefix="mailsuite-sts-")
        ca, cert, key = make_pki(cls.pki)
        port = free_port_on(["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"])
        https_port = free_port_on(["127.0.0.2"])
        server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_ctx.load_cert_chain(cert, key)
        cls.https = http.server.ThreadingHTTPServer(("127.0.0.2", https_port), PolicyHandler)
        cls.https.socket = server_ctx.wrap_socket(cls.https.socket, server_side=True)
        threading.Thread(target=cls.https.serve_forever, daemon=True).start()

        records = {("mx1.sts.example", "A"): ["127.0.0.2"],
                   ("mx1.badmx.example", "A"): ["127.0.0.3"],
                   ("mx1.testing.example", "A"): ["127.0.0.3"],
                   ("mx.notls.example", "A"): ["127.0.0.4"],
                   ("mx.wrongcert.example", "A"): ["127.0.0.5"],
                   ("plain.example", "MX"): [(10, "mx1.badmx.example")]}
        mx = {"sts.example": "mx1.sts.example", "badmx.example": "mx1.badmx.example",
              "testing.example": "mx1.testing.example", "notls.example": "mx.notls.example",
              "wrongcert.example": "mx.wrongcert.example"}
        for domain, host in mx.items():
            records[(domain, "MX")] = [(10, host)]
            records[(f"_mta-sts.{domain}", "TXT")] = ["v=STSv1; id=20261206"]
            records[(f"mta-sts.{domain}", "A")] = ["127.0.0.2"]
        cls.dns = FakeDns(records).start()

        sink_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        sink_ctx.load_cert_chain(cert, key)
        cls.good = SmtpSink(["127.0.0.2", "127.0.0.3"], port, "mx1.sts.example").start()
        cls.good.tls_context = sink_ctx
        cls.notls = SmtpSink(["127.0.0.4"], port, "mx.notls.example").start()
        cls.wrong = SmtpSink(["127.0.0.5"], port, "mx.wrongcert.example").start()
        cls.wrong.tls_context = sink_ctx  # valid chain, but not for mx.wrongcert.example
        cls.suite = Suite(users=USERS, daemons=("mta",), settings={
            "dns.servers": f"127.0.0.1:{cls.dns.port}",
            "relay.port": str(port),
            "relay.mta_sts_port": str(https_port),
            "relay.tls_ca_file": ca,
            "queue.retry_interval": "1",
            "queue.scan_interval": "1",
        }).start()

    @classmethod
    def tearDownClass(cls):
        cls.suite.__exit__(None, None, None)
        for sink in (cls.good, cls.notls, cls.wrong):
            sink.stop()
        cls.https.shutdown()
        cls.dns.stop()
        subprocess.run(["rm", "-rf", cls.pki])

    def send(self, rcpt):
        with smtplib.SMTP("127.0.0.1", self.suite.port("smtp"), timeout=30) as c:
            c.sendmail("bob@example.test", [rcpt],
                       f"From: bob@example.test\r\nTo: {rcpt}\r\nSubject: sts\r\n\r\nx\r\n")

    def received(self, sink, rcpt):
        return [m for m in list(sink.messages) if rcpt in m[1]]

    def assert_waits(self, sink, rcpt, log_text):
        """Not delivered after several attempts, still queued, and the log says why."""
        self.assertTrue(wait_for(lambda: log_text in self.suite.log("mta")), log_text)
        time.sleep(2.5)  # more retries (queue.retry_interval = 1)
        self.assertEqual(self.received(sink, rcpt), [])
        listing = self.suite.cli("queue", "list").stdout
        self.assertIn(f"<{rcpt}> queued", listing)

    def test_enforce_delivers_over_verified_tls_to_a_listed_mx(self):
        self.send("alice@sts.example")
        self.assertTrue(wait_for(lambda: self.received(self.good, "alice@sts.example")))
        self.assertTrue(any(s["tls"] for s in self.good.sessions), "delivered over TLS")
        self.assertIn("MTA-STS policy of sts.example: mode enforce", self.suite.log("mta"))

    def test_enforce_skips_an_mx_the_policy_does_not_name(self):
        self.send("carol@badmx.example")
        self.assert_waits(self.good, "carol@badmx.example",
                          "MX mx1.badmx.example is not in the policy; skipped")

    def test_enforce_without_starttls_waits(self):
        self.send("dave@notls.example")
        self.assert_waits(self.notls, "dave@notls.example", "mx.notls.example")

    def test_enforce_with_a_certificate_for_another_name_waits(self):
        self.send("erin@wrongcert.example")
        self.assert_waits(self.wrong, "erin@wrongcert.example", "mx.wrongcert.example")

    def test_testing_mode_only_logs(self):
        self.send("frank@testing.example")
        self.assertTrue(wait_for(lambda: self.received(self.good, "frank@testing.example")))
        self.assertIn("MTA-STS (testing) of testing.example: MX mx1.testing.example is not in "
                      "the policy; used anyway", self.suite.log("mta"))

    def test_a_domain_without_a_policy_is_unaffected(self):
        self.send("gina@plain.example")
        self.assertTrue(wait_for(lambda: self.received(self.good, "gina@plain.example")))


if __name__ == "__main__":
    unittest.main()
