"""ManageSieve (RFC 5804) on imapd's port 4190 (issue #18): a user edits their Sieve filters
remotely, and what they store is what delivery runs. Spoken two ways: by hand over the wire
(Python, with STARTTLS and AUTHENTICATE PLAIN, checking every reply) and with a real client,
Debian's sieve-connect, which uploads, lists, checks, activates and downloads."""

import base64
import os
import re
import smtplib
import ssl
import subprocess
import tempfile
import unittest

from mailsuite_fixture import Suite
from test_sieve import subjects

USERS = {"bob@example.test": "hungry"}
SETTINGS = {"smtp.trusted_networks": ""}

SCRIPT = 'require ["fileinto", "mailbox"];\r\n' \
         'if header :contains "Subject" "[dev]" {\r\n' \
         '    fileinto :create "Lists/dev";\r\n' \
         '}\r\n'
BROKEN = 'require "fileinto";\r\nif true {\r\n  filein "x";\r\n}\r\n'


class Client:
    """ManageSieve spoken by hand: lines, quoted strings and literals, one reply at a time."""

    def __init__(self, suite):
        self.sock = suite.connect("managesieve")
        self.file = self.sock.makefile("rb")

    def line(self):
        raw = self.file.readline()
        if not raw.endswith(b"\r\n"):
            raise AssertionError(f"connection ended: {raw!r}")
        return raw[:-2].decode()

    def reply(self):
        """The lines up to and including the OK/NO/BYE, literals read whole."""
        lines = []
        while True:
            text = self.line()
            m = re.fullmatch(r".*\{(\d+)\}", text)
            if m:
                lines.append(text)
                lines.append(self.file.read(int(m.group(1))).decode())
                continue
            lines.append(text)
            if re.match(r"(OK|NO|BYE)\b", text):
                return lines

    def send(self, data):
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def command(self, text):
        self.send(text + "\r\n")
        return self.reply()

    def starttls(self):
        self.assertion(self.command("STARTTLS")[-1].startswith("OK"))
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.sock = ctx.wrap_socket(self.sock)
        self.file = self.sock.makefile("rb")
        return self.reply()  # the capabilities again (RFC 5804 2.2)

    def login(self, user, password):
        token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
        return self.command(f'AUTHENTICATE "PLAIN" "{token}"')

    @staticmethod
    def assertion(ok):
        if not ok:
            raise AssertionError("unexpected reply")

    def close(self):
        self.sock.close()


def literal(text):
    data = text.encode()
    return f"{{{len(data)}+}}\r\n".encode() + data


def send_mail(suite, subject):
    text = f"From: carol@example.org\r\nTo: bob@example.test\r\nSubject: {subject}\r\n\r\nhi\r\n"
    with smtplib.SMTP("127.0.0.1", suite.port("smtp"), timeout=30) as c:
        c.sendmail("carol@example.org", ["bob@example.test"], text)


class ManageSieveTest(unittest.TestCase):
    def test_session_by_hand_and_delivery_runs_what_was_stored(self):
        with Suite(users=USERS, settings=SETTINGS) as s:
            c = Client(s)
            greeting = c.reply()
            self.assertEqual(greeting[0], '"IMPLEMENTATION" "mailsuite"')
            self.assertIn('"STARTTLS"', greeting)
            self.assertEqual(greeting[-1], "OK")
            sieve = [g for g in greeting if g.startswith('"SIEVE"')][0]
            for extension in ("fileinto", "mailbox", "envelope", "copy", "relational"):
                self.assertIn(extension, sieve.split('"')[3].split())

            caps = c.starttls()
            self.assertIn('"SASL" "PLAIN"', caps)
            self.assertNotIn('"STARTTLS"', caps)
            self.assertEqual(c.login("bob@example.test", "nope"), ['NO "Authentication failed"'])
            self.assertEqual(c.login("bob@example.test", "hungry"), ['OK "Logged in"'])

            c.send(b'PUTSCRIPT "rules" ' + literal(BROKEN) + b"\r\n")
            self.assertEqual(c.reply(), ['NO "line 3: unknown command \'filein\'"'])
            c.send(b'CHECKSCRIPT ' + literal(SCRIPT) + b"\r\n")
            self.assertEqual(c.reply(), ['OK "Script is valid"'])
            self.assertEqual(c.command('HAVESPACE "rules" 2000'),
                             ['OK "Putting the script will succeed"'])
            c.send(b'PUTSCRIPT "rules" ' + literal(SCRIPT) + b"\r\n")
            self.assertEqual(c.reply(), ['OK "Script stored"'])
            self.assertEqual(c.command("LISTSCRIPTS"), ['"rules"', "OK"])
            self.assertEqual(c.command('GETSCRIPT "rules"'),
                             [f"{{{len(SCRIPT)}}}", SCRIPT, "", "OK"])

            send_mail(s, "[dev] before activation")
            self.assertEqual(c.command('SETACTIVE "rules"'), ['OK "Script activated"'])
            self.assertEqual(c.command("LISTSCRIPTS"), ['"rules" ACTIVE', "OK"])
            self.assertEqual(c.command('DELETESCRIPT "rules"'),
                             ['NO (ACTIVE) "The active script cannot be deleted"'])
            send_mail(s, "[dev] after activation")
            send_mail(s, "plain")
            self.assertEqual(subjects(s, "bob@example.test", "Lists/dev"),
                             ["[dev] after activation"])
            self.assertEqual(subjects(s, "bob@example.test", "INBOX"),
                             ["[dev] before activation", "plain"])
            # The CLI sees what ManageSieve stored.
            self.assertEqual(s.cli("sieve", "list", "bob@example.test").stdout, "rules\tactive\n")

            self.assertEqual(c.command('RENAMESCRIPT "rules" "filters"'), ['OK "Script renamed"'])
            self.assertEqual(c.command('GETSCRIPT "rules"'),
                             ['NO (NONEXISTENT) "There is no script by that name"'])
            self.assertEqual(c.command('SETACTIVE ""'), ['OK "No script is active"'])
            self.assertEqual(c.command('DELETESCRIPT "filters"'), ['OK "Script deleted"'])
            self.assertEqual(c.command('NOOP "tag-7"'), ['OK (TAG "tag-7") "Done"'])
            self.assertEqual(c.command("LOGOUT"), ['OK "Logout completed"'])
            self.assertEqual(c.file.read(), b"")  # and the server closed
            c.close()
            self.assertEqual(s.cli("sieve", "list", "bob@example.test").stdout, "")

    def test_sieve_connect(self):
        """Debian's sieve-connect, a real client: STARTTLS, PLAIN, upload, list, activate,
        download and a server-side check of a broken script."""
        with Suite(users=USERS, settings=SETTINGS, daemons=("mta", "imapd")) as s, \
                tempfile.TemporaryDirectory() as tmp:
            local = os.path.join(tmp, "rules.sieve")
            with open(local, "w", newline="") as f:
                f.write(SCRIPT)

            def sieve_connect(*args):
                read, write = os.pipe()
                os.write(write, b"hungry\n")
                os.close(write)
                try:
                    return subprocess.run(
                        ["sieve-connect", "--server", "127.0.0.1",
                         "--port", str(s.port("managesieve")), "--user", "bob@example.test",
                         "--authmech", "PLAIN", "--passwordfd", str(read), "--notlsverify",
                         "--noclearauth", *args],
                        pass_fds=(read,), capture_output=True, text=True, timeout=60,
                        stdin=subprocess.DEVNULL)
                finally:
                    os.close(read)

            r = sieve_connect("--upload", "--localsieve", local, "--remotesieve", "rules")
            self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
            r = sieve_connect("--activate", "--remotesieve", "rules")
            self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
            r = sieve_connect("--list")
            self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
            self.assertEqual(r.stdout, '"rules" ACTIVE\n')
            downloaded = os.path.join(tmp, "back.sieve")
            r = sieve_connect("--download", "--remotesieve", "rules", "--localsieve", downloaded)
            self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
            with open(downloaded, newline="") as f:
                self.assertEqual(f.read(), SCRIPT)

            broken = os.path.join(tmp, "broken.sieve")
            with open(broken, "w", newline="") as f:
                f.write(BROKEN)
            r = sieve_connect("--checkscript", "--localsieve", broken)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("line 3: unknown command 'filein'", r.stderr + r.stdout)
            r = sieve_connect("--upload", "--localsieve", broken, "--remotesieve", "broken")
            self.assertNotEqual(r.returncode, 0)
            self.assertEqual(s.cli("sieve", "list", "bob@example.test").stdout, "rules\tactive\n")

            send_mail(s, "[dev] through a script sieve-connect uploaded")
            self.assertEqual(subjects(s, "bob@example.test", "Lists/dev"),
                             ["[dev] through a script sieve-connect uploaded"])

    def test_no_password_over_cleartext_from_afar_and_bad_input(self):
        with Suite(users=USERS, settings=SETTINGS, daemons=("imapd",)) as s:
            c = Client(s)
            c.reply()
            # Before AUTHENTICATE only the unauthenticated commands work.
            self.assertEqual(c.command('GETSCRIPT "x"'), ['NO "Authenticate first"'])
            self.assertEqual(c.command('GETSCRIPT "unterminated'),
                             ['NO "Syntax error: unterminated quoted string"'])
            # A too-large script is drained, never run as commands, and refused.
            c.login("bob@example.test", "hungry")
            payload = ("x" * 100 + "\r\nLOGOUT\r\n") * 11000
            c.send(b'PUTSCRIPT "big" ' + literal(payload) + b"\r\n")
            self.assertEqual(c.reply()[-1],
                             'NO (QUOTA/MAXSIZE) "Literal too large (at most 1048576 octets)"')
            self.assertEqual(c.command("NOOP"), ['OK "Done"'])
            c.close()
            self.assertEqual(s.cli("sieve", "list", "bob@example.test").stdout, "")


if __name__ == "__main__":
    unittest.main()
