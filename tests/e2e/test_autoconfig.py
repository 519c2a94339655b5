"""End-to-end: `mailsuite autoconfig DOMAIN` describes the servers that really run.

Thunderbird reads config-v1.1.xml (clientConfig version 1.1, emailProvider, incomingServer
imap/pop3 and outgoingServer smtp with hostname, port, socketType SSL|STARTTLS|plain, username
%EMAILADDRESS%, authentication password-cleartext) and then connects exactly there. So each entry
is checked against the daemons started from the same configuration: the port is one they bound,
the socketType is what that port speaks (TLS at once, or STARTTLS/STLS), the certificate
validates for the published hostname, and a password login with the full address works.
"""

import base64
import socket
import ssl
import unittest
import xml.etree.ElementTree as ET

from mailsuite_fixture import Suite

USER, PASSWORD = "carl@example.test", "auto-config"
HOSTNAME = "mail.example.test"
# (server type, socketType) -> the listener that must serve it (names from the ports file).
LISTENERS = {("imap", "SSL"): "imaps", ("imap", "STARTTLS"): "imap",
             ("pop3", "SSL"): "pop3s", ("pop3", "STARTTLS"): "pop3",
             ("smtp", "SSL"): "submissions", ("smtp", "STARTTLS"): "submission"}
CONFIG_KEYS = {"imaps": "imap.tls_listen", "imap": "imap.listen", "pop3s": "pop3.tls_listen",
               "pop3": "pop3.listen", "submissions": "smtp.submissions_listen",
               "submission": "smtp.submission_listen", "smtp": "smtp.listen"}


def free_ports(n):
    socks = [socket.create_server(("127.0.0.1", 0)) for _ in range(n)]
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


class Dialog:
    """Line-by-line talk on one connection; `upgrade` switches to TLS checked against the
    published hostname and the suite's certificate (what Thunderbird checks)."""

    def __init__(self, port, cafile):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.cafile = cafile
        self.file = self.sock.makefile("rb")

    def upgrade(self):
        ctx = ssl.create_default_context(cafile=self.cafile)
        ctx.check_hostname = True
        self.sock = ctx.wrap_socket(self.sock, server_hostname=HOSTNAME)
        self.file = self.sock.makefile("rb")

    def send(self, line):
        self.sock.sendall(line.encode() + b"\r\n")

    def line(self):
        return self.file.readline().decode().rstrip("\r\n")

    def smtp_reply(self):
        lines = [self.line()]
        while lines[-1][3:4] == "-":
            lines.append(self.line())
        return lines

    def close(self):
        self.sock.close()


def plain_token():
    return base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode()


class AutoconfigTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ports = dict(zip(CONFIG_KEYS, free_ports(len(CONFIG_KEYS))))
        settings = {key: f"127.0.0.1:{ports[name]}" for name, key in CONFIG_KEYS.items()}
        settings["general.hostname"] = HOSTNAME
        cls.suite = Suite(users={USER: PASSWORD}, settings=settings).start()
        cls.cafile = f"{cls.suite.dir}/cert.pem"
        cls.xml = cls.suite.cli("autoconfig", "example.test").stdout

    @classmethod
    def tearDownClass(cls):
        cls.suite.__exit__(None, None, None)

    def servers(self):
        provider = ET.fromstring(self.xml).find("emailProvider")
        return (provider.findall("incomingServer") + provider.findall("outgoingServer"))

    def test_document_is_what_thunderbird_reads(self):
        root = ET.fromstring(self.xml)
        self.assertEqual((root.tag, root.get("version")), ("clientConfig", "1.1"))
        provider = root.find("emailProvider")
        self.assertEqual(provider.get("id"), "example.test")
        self.assertEqual([d.text for d in provider.findall("domain")], ["example.test"])
        self.assertTrue(provider.findtext("displayName"))
        self.assertTrue(provider.findtext("displayShortName"))
        found = []
        for server in self.servers():
            kind = server.get("type")
            self.assertEqual(server.tag, "outgoingServer" if kind == "smtp" else "incomingServer")
            self.assertEqual(server.findtext("hostname"), HOSTNAME)
            self.assertEqual(server.findtext("username"), "%EMAILADDRESS%")
            self.assertEqual(server.findtext("authentication"), "password-cleartext")
            found.append((kind, server.findtext("socketType")))
        # Implicit TLS listed first for each type: Thunderbird takes the first one it can use.
        self.assertEqual(found, [("imap", "SSL"), ("imap", "STARTTLS"), ("pop3", "SSL"),
                                 ("pop3", "STARTTLS"), ("smtp", "SSL"), ("smtp", "STARTTLS")])

    def test_init_writes_the_same_file_and_says_where_to_publish_it(self):
        out = self.suite.cli("init", "--domain", "example.net").stdout  # a new domain
        for url in ("https://autoconfig.example.net/mail/config-v1.1.xml",
                    "https://example.net/.well-known/autoconfig/mail/config-v1.1.xml"):
            self.assertIn(url, out)
        with open(f"{self.suite.dir}/autoconfig-example.net.xml") as f:
            self.assertEqual(f.read(), self.suite.cli("autoconfig", "example.net").stdout)

    def test_every_entry_is_a_running_server_that_accepts_the_login(self):
        self.assertEqual(len(self.servers()), 6)
        for server in self.servers():
            kind, socket_type = server.get("type"), server.findtext("socketType")
            listener = LISTENERS[(kind, socket_type)]
            with self.subTest(kind=kind, socket_type=socket_type):
                port = int(server.findtext("port"))
                self.assertEqual(port, self.suite.port(listener), "the port the daemon bound")
                d = Dialog(port, self.cafile)
                try:
                    getattr(self, f"login_{kind}")(d, socket_type == "SSL")
                finally:
                    d.close()

    def login_imap(self, d, implicit):
        if implicit:
            d.upgrade()
            self.assertTrue(d.line().startswith("* OK"))
        else:
            greeting = d.line()
            self.assertIn(" STARTTLS", greeting)
            d.send("a STARTTLS")
            self.assertTrue(d.line().startswith("a OK"))
            d.upgrade()
        d.send("b CAPABILITY")
        caps = d.line()
        self.assertIn("AUTH=PLAIN", caps)
        self.assertTrue(d.line().startswith("b OK"))
        d.send(f'c LOGIN "{USER}" "{PASSWORD}"')
        self.assertTrue(d.line().startswith("c OK"))

    def login_pop3(self, d, implicit):
        if implicit:
            d.upgrade()
            self.assertTrue(d.line().startswith("+OK"))
        else:
            self.assertTrue(d.line().startswith("+OK"))
            d.send("STLS")
            self.assertTrue(d.line().startswith("+OK"))
            d.upgrade()
        d.send(f"USER {USER}")
        self.assertTrue(d.line().startswith("+OK"))
        d.send(f"PASS {PASSWORD}")
        self.assertTrue(d.line().startswith("+OK"))

    def login_smtp(self, d, implicit):
        if implicit:
            d.upgrade()
        self.assertTrue(d.smtp_reply()[0].startswith("220"))
        d.send("EHLO [127.0.0.1]")
        ehlo = d.smtp_reply()
        if not implicit:
            self.assertIn("250-STARTTLS", ehlo)
            d.send("STARTTLS")
            self.assertTrue(d.smtp_reply()[0].startswith("220"))
            d.upgrade()
            d.send("EHLO [127.0.0.1]")
            ehlo = d.smtp_reply()
        self.assertTrue([line for line in ehlo if line[4:].startswith("AUTH ") and
                         "PLAIN" in line.split()], ehlo)
        d.send(f"AUTH PLAIN {plain_token()}")
        self.assertTrue(d.smtp_reply()[0].startswith("235"))


if __name__ == "__main__":
    unittest.main()
