"""Running as a service: mailsuite check and backup, the sendmail(8) entry, SIGHUP reloading the
certificate, systemd readiness (sd_notify), dropping root after binding, and cmake --install."""

import os
import poplib
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

from mailsuite_fixture import (BUILD_DIR, PostgresDatabase, Suite, skip_on_postgres,
                               testing_postgres)

USERS = {"bob@example.test": "hungry", "alice@example.test": "wonderland"}
SOURCE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def inbox_count(suite, user):
    for line in suite.cli("mailbox", "list", user).stdout.splitlines():
        if line.startswith("INBOX\t"):
            return int(line.split("\t")[1].split()[0])
    raise AssertionError("no INBOX")


def wait_for(predicate, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def served_certificate(port):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw) as tls:
            return tls.getpeercert(binary_form=True)


class ServiceTest(unittest.TestCase):
    def test_check_reports_good_and_broken_configs(self):
        with Suite(users=USERS, daemons=()) as s:
            good = s.cli("check", check=False)
            self.assertEqual(good.returncode, 0, good.stdout + good.stderr)
            self.assertIn("ok      certificate", good.stdout)
            bad = s.cli("--set", "tls.certificate=/nonexistent.pem", "check", check=False)
            self.assertEqual(bad.returncode, 1)
            self.assertIn("PROBLEM certificate /nonexistent.pem", bad.stdout)
            busy = socket.socket()
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            port = busy.getsockname()[1]
            taken = s.cli("--set", f"imap.listen=127.0.0.1:{port}", "check", check=False)
            busy.close()
            self.assertEqual(taken.returncode, 1)
            self.assertIn(f"PROBLEM port 127.0.0.1:{port} (imap)", taken.stdout)
            other_key = os.path.join(s.dir, "other-key.pem")
            subprocess.run(["openssl", "genrsa", "-out", other_key, "2048"], check=True,
                           capture_output=True, timeout=60)
            mismatch = s.cli("--set", f"tls.private_key={other_key}", "check", check=False)
            self.assertEqual(mismatch.returncode, 1)
            self.assertIn(f"{other_key} is not the key of", mismatch.stdout)
            if not testing_postgres():  # store.path names the SQLite file only
                nodb = s.cli("--set", "store.path=/nonexistent/x.db", "check", check=False)
                self.assertIn("PROBLEM database /nonexistent/x.db", nodb.stdout)
            # DKIM (issue #15): a domain without keys is a warning, an unreadable key a problem.
            self.assertIn("warning DKIM for example.test: no signing key", good.stdout)
            s.cli("dkim", "keygen", "example.test")
            signing = s.cli("check", check=False)
            self.assertEqual(signing.returncode, 0, signing.stdout)
            self.assertRegex(signing.stdout, r"ok      DKIM for example\.test: signs with \d{6}r "
                                             r"\(rsa\), \d{6}e \(ed25519\)|ok      DKIM for "
                                             r"example\.test: signs with \d{6}e \(ed25519\), "
                                             r"\d{6}r \(rsa\)")
            with open(os.path.join(s.dir, "dkim", "example.test", "broken.key"), "w") as f:
                f.write("not a key\n")
            broken = s.cli("check", check=False)
            self.assertEqual(broken.returncode, 1, broken.stdout)
            self.assertIn("PROBLEM DKIM key: ", broken.stdout)
            self.assertIn("broken.key: not a readable RSA or Ed25519 PEM key", broken.stdout)

    def test_check_compares_the_dns_records_it_asked_for(self):
        # Issue #15: `check` looks up what `init` printed and says what is missing or differs.
        from fake_dns import FakeDns
        import re
        dns = FakeDns({("example.test", "MX"): [(10, "mail.example.test")],
                       ("example.test", "TXT"): ["v=spf1 ip4:192.0.2.1 -all"],
                       ("mta-sts.example.test", "A"): ["127.0.0.2"]}).start()
        try:
            with Suite(users=USERS, daemons=(),
                       settings={"dns.servers": f"127.0.0.1:{dns.port}"}) as s:
                s.cli("dkim", "keygen", "example.test")
                listed = s.cli("dkim", "list").stdout
                rsa = re.search(r"(\d{6}r)\._domainkey\.example\.test\.  TXT  (.*)", listed)
                dns.records[(f"{rsa.group(1)}._domainkey.example.test", "TXT")] = [
                    "".join(re.findall(r'"([^"]*)"', rsa.group(2)))]
                ed = re.search(r"(\d{6}e)\._domainkey", listed).group(1)
                dns.records[(f"{ed}._domainkey.example.test", "TXT")] = [
                    "v=DKIM1; k=ed25519; p=c29tZSBvbGQga2V5IHRoYXQgaXMgbm90IG91cnMhISE="]
                out = s.cli("check", check=False)
                self.assertEqual(out.returncode, 0, out.stdout)
                self.assertIn("ok      DNS example.test. MX: mail.example.test", out.stdout)
                self.assertIn("ok      DNS example.test. TXT: v=spf1 ip4:192.0.2.1 -all",
                              out.stdout)
                self.assertIn(f"ok      DNS {rsa.group(1)}._domainkey.example.test. TXT",
                              out.stdout)
                self.assertIn(f"warning DNS {ed}._domainkey.example.test. TXT: differs",
                              out.stdout)
                self.assertIn("warning DNS _dmarc.example.test. TXT: missing; publish "
                              '_dmarc.example.test.  TXT  "v=DMARC1; p=quarantine;', out.stdout)
                self.assertIn("ok      DNS mta-sts.example.test. CNAME", out.stdout)
        finally:
            dns.stop()
        # No DNS server at all: said once, not a timeout per record.
        with Suite(users=USERS, daemons=(), settings={"dns.servers": "127.0.0.1:9"}) as s:
            out = s.cli("check", check=False)
            self.assertIn("skip    DNS checks: no DNS server answered", out.stdout)
            self.assertEqual(out.stdout.count("DNS checks"), 1)

    def test_check_reports_store_health(self):
        skip_on_postgres(self, "the test damages the database file with sqlite3")
        import sqlite3
        with Suite(users=USERS, daemons=()) as s:
            good = s.cli("check", check=False)
            self.assertEqual(good.returncode, 0, good.stdout)
            self.assertRegex(good.stdout, r"ok      store: 0 messages, 0 bodies, fullest mailbox 0, "
                                          r"\d+ MB \(\d+ MB free for reuse\), expunge log 0 entries")
            # A counter that no longer matches its rows is a problem check names.
            db = sqlite3.connect(os.path.join(s.dir, "mailsuite.db"))
            db.execute("UPDATE mailboxes SET message_count = 7 WHERE name = 'INBOX'")  # every user's
            db.commit()
            db.close()
            broken = s.cli("check", check=False)
            self.assertEqual(broken.returncode, 1, broken.stdout)
            self.assertIn(f"PROBLEM store: {len(USERS)} mailboxes with wrong counters", broken.stdout)

    def test_autoconfig_file_for_thunderbird(self):
        import xml.etree.ElementTree as ET
        with Suite(users=USERS, daemons=(), settings={"imap.tls_listen": "0.0.0.0:993",
                                                      "smtp.submission_listen": "0.0.0.0:587"}) as s:
            xml = s.cli("autoconfig", "example.test").stdout
            root = ET.fromstring(xml)
            provider = root.find("emailProvider")
            self.assertEqual(provider.get("id"), "example.test")
            imap = provider.find("incomingServer[@type='imap']")
            self.assertEqual(imap.findtext("hostname"), "mail.example.test")
            self.assertEqual(imap.findtext("port"), "993")
            self.assertEqual(imap.findtext("socketType"), "SSL")
            self.assertEqual(imap.findtext("username"), "%EMAILADDRESS%")
            smtp = [o for o in provider.findall("outgoingServer")
                    if o.findtext("socketType") == "STARTTLS"]
            self.assertEqual(smtp[0].findtext("port"), "587")

    def test_backup_while_running(self):
        if testing_postgres():
            return self.backup_postgres_while_running()
        with Suite(users=USERS, daemons=("mta",)) as s:
            import smtplib
            with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=30) as c:
                for i in range(5):
                    c.sendmail("a@example.org", ["bob@example.test"], f"Subject: {i}\r\n\r\nx\r\n")
            copy = os.path.join(s.dir, "backup.db")
            s.cli("backup", copy)
            listed = s.cli("--set", f"store.path={copy}", "mailbox", "list", "bob@example.test")
            self.assertIn("INBOX\t5 messages", listed.stdout)
            again = s.cli("backup", copy, check=False)
            self.assertEqual(again.returncode, 1)

    def backup_postgres_while_running(self):
        """PostgreSQL: a pg_dump archive that pg_restore brings back into an empty database."""
        with Suite(users=USERS, daemons=("mta",)) as s:
            import smtplib
            with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=30) as c:
                for i in range(5):
                    c.sendmail("a@example.org", ["bob@example.test"], f"Subject: {i}\r\n\r\nx\r\n")
            archive = os.path.join(s.dir, "backup.dump")
            done = s.cli("backup", archive)
            self.assertIn(archive, done.stdout)
            restored = PostgresDatabase()
            try:
                subprocess.run(["pg_restore", f"--dbname={restored.url}", archive], check=True,
                               capture_output=True, timeout=120)
                listed = s.cli("--set", f"store.url={restored.url}", "mailbox", "list",
                               "bob@example.test")
                self.assertIn("INBOX\t5 messages", listed.stdout)
            finally:
                restored.drop()
            again = s.cli("backup", archive, check=False)
            self.assertEqual(again.returncode, 1)
            self.assertIn("already exists", again.stderr)

    def test_sendmail_entry(self):
        with Suite(users=USERS, daemons=("mta", "pop3d")) as s:
            cli = os.path.join(BUILD_DIR, "store", "mailsuite")
            message = ("To: Bob <bob@example.test>\nBcc: alice@example.test\n"
                       "Subject: from cron\n\nbackup finished\n.\nnot part of it\n")
            # The suite listens on port 0 (a free port); tell sendmail the real one.
            here = ["--config", s.config, "--set", f"smtp.listen=127.0.0.1:{s.port('smtp')}"]
            r = subprocess.run([cli, *here, "sendmail", "-t", "-f",
                                "root@example.test"], input=message, capture_output=True,
                               text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(wait_for(lambda: inbox_count(s, "alice@example.test") == 1))
            self.assertEqual(inbox_count(s, "bob@example.test"), 1)
            pop = poplib.POP3("127.0.0.1", s.port("pop3"), timeout=30)
            pop.user("alice@example.test")
            pop.pass_("wonderland")
            text = b"\r\n".join(pop.retr(1)[1]).decode()
            pop.quit()
            self.assertNotIn("Bcc:", text)
            self.assertIn("Subject: from cron", text)
            self.assertIn("backup finished", text)
            self.assertNotIn("not part of it", text, "a lone dot ends input without -i")
            self.assertIn("Return-Path: <root@example.test>", text)
            self.assertIn("Message-ID: <", text)
            # With arguments and -i, a lone dot is text.
            r = subprocess.run([cli, *here, "sendmail", "-i", "bob@example.test"],
                               input="Subject: dots\n\n.\nafter\n", capture_output=True,
                               text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(wait_for(lambda: inbox_count(s, "bob@example.test") == 2))
            # No recipient is a usage error (sysexits 64).
            r = subprocess.run([cli, *here, "sendmail"], input="x\n",
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 64)

    def test_sigterm_during_data_drains_or_stores_nothing(self):
        with Suite(users=USERS, daemons=("mta",),
                   settings={"server.shutdown_grace_seconds": "3"}) as s:
            def start_data():
                sock = s.connect("smtp")
                f = sock.makefile("rb")
                f.readline()
                for line in (b"EHLO c", b"MAIL FROM:<a@example.org>", b"RCPT TO:<bob@example.test>",
                             b"DATA"):
                    sock.sendall(line + b"\r\n")
                    while True:
                        reply = f.readline()
                        if reply[3:4] != b"-":
                            break
                sock.sendall(b"Subject: big\r\n\r\n" + b"x" * 70 + b"\r\n")
                return sock, f
            finishing, finishing_f = start_data()
            abandoned, _ = start_data()
            s.procs["mta"].send_signal(signal.SIGTERM)
            time.sleep(0.5)
            # A session that finishes within the grace period is served to the end.
            finishing.sendall(b"more text\r\n.\r\n")
            self.assertTrue(finishing_f.readline().startswith(b"250 "))
            self.assertEqual(s.procs.pop("mta").wait(timeout=30), 0)
            finishing.close()
            abandoned.close()
            # The abandoned half message was cut at the deadline and left nothing behind.
            self.assertEqual(inbox_count(s, "bob@example.test"), 1)

    def test_sighup_reloads_the_certificate(self):
        with Suite(users=USERS, daemons=("pop3d",)) as s:
            before = served_certificate(s.port("pop3s"))
            fresh = os.path.join(s.dir, "fresh")
            os.mkdir(fresh)
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                            "-subj", "/CN=renewed.example.test", "-days", "2",
                            "-keyout", os.path.join(fresh, "key.pem"),
                            "-out", os.path.join(fresh, "cert.pem")],
                           check=True, capture_output=True, timeout=60)
            os.replace(os.path.join(fresh, "key.pem"), os.path.join(s.dir, "key.pem"))
            os.replace(os.path.join(fresh, "cert.pem"), os.path.join(s.dir, "cert.pem"))
            with open(os.path.join(s.dir, "cert.pem")) as f:
                expected = ssl.PEM_cert_to_DER_cert(f.read())
            self.assertNotEqual(before, expected)
            s.procs["pop3d"].send_signal(signal.SIGHUP)
            self.assertTrue(wait_for(lambda: "reloaded the TLS certificate" in s.log("pop3d")))
            self.assertEqual(served_certificate(s.port("pop3s")), expected)

    @staticmethod
    def start_under_notify_socket(s, daemon, **env):
        """Starts `daemon` as systemd would for Type=notify (NOTIFY_SOCKET, and `env`);
        returns the datagram socket its notifications arrive on."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(os.path.join(s.dir, "notify.sock"))
        sock.settimeout(30)
        env["NOTIFY_SOCKET"] = sock.getsockname()
        os.environ.update(env)
        try:
            s.start_daemon(daemon)
        finally:
            for name in env:
                del os.environ[name]
        return sock

    def test_systemd_readiness_notification(self):
        with Suite(users=USERS, daemons=()) as s:
            sock = self.start_under_notify_socket(s, "pop3d")
            self.assertEqual(sock.recv(100), b"READY=1")
            s.stop_daemon("pop3d")
            self.assertEqual(sock.recv(100), b"STOPPING=1")
            sock.close()

    def test_systemd_watchdog_is_told_the_daemon_lives(self):
        # Under WatchdogSec systemd sets WATCHDOG_USEC; the daemon says WATCHDOG=1 at half that.
        with Suite(users=USERS, daemons=()) as s:
            sock = self.start_under_notify_socket(s, "imapd", WATCHDOG_USEC="400000")
            self.assertEqual(sock.recv(100), b"READY=1")
            start = time.monotonic()
            for _ in range(3):
                self.assertEqual(sock.recv(100), b"WATCHDOG=1")
            # Three pings 0.2 s apart, not a burst and not a stall.
            self.assertGreater(time.monotonic() - start, 0.3)
            self.assertLess(time.monotonic() - start, 10)
            s.stop_daemon("imapd")
            while (message := sock.recv(100)) == b"WATCHDOG=1":
                pass
            self.assertEqual(message, b"STOPPING=1")
            sock.close()

    @unittest.skipUnless(os.geteuid() == 0, "dropping root needs root")
    def test_root_binds_then_runs_as_server_user(self):
        nobody = pwd.getpwnam("nobody")
        with Suite(users=USERS, daemons=()) as s:
            for root, dirs, files in os.walk(s.dir):
                for name in dirs + files:
                    os.chown(os.path.join(root, name), nobody.pw_uid, nobody.pw_gid)
            os.chown(s.dir, nobody.pw_uid, nobody.pw_gid)
            proc = s.start_daemon("pop3d", ["server.user=nobody"])
            with open(f"/proc/{proc.pid}/status") as f:
                uids = next(l for l in f if l.startswith("Uid:")).split()[1:]
            self.assertEqual(set(uids), {str(nobody.pw_uid)}, "no uid of the process is root")
            pop = poplib.POP3("127.0.0.1", s.port("pop3"), timeout=30)
            pop.user("bob@example.test")
            pop.pass_("hungry")
            self.assertEqual(pop.stat()[0], 0)
            pop.quit()

    @unittest.skipUnless(os.geteuid() == 0, "dropping root needs root")
    def test_installed_daemons_started_as_root_serve_as_an_unprivileged_user(self):
        nobody = pwd.getpwnam("nobody")
        with tempfile.TemporaryDirectory() as dest, Suite(users=USERS, daemons=()) as s:
            r = subprocess.run(["cmake", "--install", BUILD_DIR, "--prefix", dest],
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(r.returncode, 0, r.stderr)
            for root, dirs, files in os.walk(s.dir):
                for name in dirs + files:
                    os.chown(os.path.join(root, name), nobody.pw_uid, nobody.pw_gid)
            os.chown(s.dir, nobody.pw_uid, nobody.pw_gid)
            procs = {}
            try:
                for d in ("mta", "pop3d", "imapd"):
                    ports = os.path.join(s.dir, f"installed-{d}.ports")
                    procs[d] = subprocess.Popen(
                        [os.path.join(dest, "sbin", f"mailsuite-{d}"), "--config", s.config,
                         "--set", "server.user=nobody", "--set", f"server.ports_file={ports}"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    self.assertTrue(wait_for(lambda: os.path.exists(ports)), d)
                for d, proc in procs.items():
                    users = subprocess.run(["ps", "-o", "user=", "-p", str(proc.pid)],
                                           capture_output=True, text=True).stdout.split()
                    self.assertEqual(users, ["nobody"], f"{d} runs as {users}")
            finally:
                for proc in procs.values():
                    proc.send_signal(signal.SIGTERM)
                for d, proc in procs.items():
                    self.assertEqual(proc.wait(timeout=30), 0, d)

    def test_init_for_a_real_host(self):
        with tempfile.TemporaryDirectory() as d:
            conf = os.path.join(d, "mailsuite.conf")
            cli = os.path.join(BUILD_DIR, "store", "mailsuite")
            r = subprocess.run([cli, "--config", conf, "init", "--hostname", "mail.example.org",
                                "--domain", "example.org", "--user", "admin@example.org",
                                "--set", "store.path=m.db", "--set", "tls.certificate=c.pem",
                                "--set", "tls.private_key=k.pem"], input="s3cret\n",
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("example.org.  MX  10 mail.example.org.", r.stdout)
            self.assertIn('example.org.  TXT  "v=spf1 mx -all"', r.stdout)
            # DKIM keys from the start (issue #15), both types, with the records to publish.
            self.assertRegex(r.stdout, r'\d{6}r\._domainkey\.example\.org\.  TXT  '
                                       r'"v=DKIM1; k=rsa; p=MIIBIjAN[^"]{229}" "[^"]+"')
            self.assertRegex(r.stdout, r'\d{6}e\._domainkey\.example\.org\.  TXT  '
                                       r'"v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}="')
            self.assertEqual(len(os.listdir(os.path.join(d, "dkim", "example.org"))), 2)
            self.assertIn('_dmarc.example.org.  TXT  "v=DMARC1; p=quarantine; '
                          'rua=mailto:postmaster@example.org"', r.stdout)
            self.assertIn('_mta-sts.example.org.  TXT  "v=STSv1; id=1"', r.stdout)
            self.assertIn('_smtp._tls.example.org.  TXT  "v=TLSRPTv1;', r.stdout)
            self.assertIn("version: STSv1\nmode: testing\nmx: mail.example.org\n", r.stdout)
            self.assertIn("added user admin@example.org", r.stdout)
            with open(os.path.join(d, "autoconfig-example.org.xml")) as f:
                self.assertIn("<hostname>mail.example.org</hostname>", f.read())
            again = subprocess.run([cli, "--config", conf, "init", "--domain", "example.org",
                                    "--user", "admin@example.org"], capture_output=True,
                                   text=True, timeout=60)
            self.assertEqual(again.returncode, 0, again.stderr)
            self.assertEqual(again.stdout, "", "a second init changes nothing")

    def test_every_command_refuses_a_bad_set_value(self):
        # Issue #14 check 7: `init --set store.backend=…` used to be accepted and dropped
        # (before issue #16 made it a key: now a bad value, or postgresql without a URL).
        cli = os.path.join(BUILD_DIR, "store", "mailsuite")
        bad = [("store.backend=oracle", "'oracle' is not a store backend"),
               ("store.backend=postgresql", "store.backend = postgresql needs store.url"),
               ("store.max_connections=0", "store.max_connections"),
               ("store.lisen=x", "unknown key store.lisen"),
               ("server.threads=abc", "server.threads"),
               ("nodot", "expected section.key=value")]
        with tempfile.TemporaryDirectory() as d:
            conf = os.path.join(d, "mailsuite.conf")
            commands = [["init"], ["config", "sample"], ["check"], ["user", "list"],
                        ["domain", "list"], ["queue", "list"], ["autoconfig", "example.org"],
                        ["backup", os.path.join(d, "b.db")]]
            for value, message in bad:
                for words in commands:
                    with self.subTest(value=value, command=words[0]):
                        r = subprocess.run([cli, "--config", conf, "--set", value, *words],
                                           capture_output=True, text=True, timeout=60)
                        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                        self.assertIn(message, r.stderr)
                # init's own --set after the word, and sendmail(8)'s.
                r = subprocess.run([cli, "--config", conf, "init", "--set", value],
                                   capture_output=True, text=True, timeout=60)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(message, r.stderr)
                r = subprocess.run([cli, "--config", conf, "--set", value, "sendmail", "a@b.c"],
                                   input="Subject: x\n\nx\n", capture_output=True, text=True,
                                   timeout=60)
                self.assertEqual(r.returncode, 64, r.stderr)  # EX_USAGE
                self.assertIn(message, r.stderr)
            self.assertFalse(os.path.exists(conf), "nothing was written")
            # A good value is written by the first init, and a later one says it is not.
            local = ["--set", "store.path=m.db", "--set", "tls.certificate=c.pem",
                     "--set", "tls.private_key=k.pem"]
            r = subprocess.run([cli, "--config", conf, "init", *local,
                                "--set", "server.max_connections=500"],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(conf) as f:
                self.assertIn("max_connections = 500", f.read())
            r = subprocess.run([cli, "--config", conf, "init", "--set", "server.threads=8"],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("not written", r.stderr)
            sample = subprocess.run([cli, "--set", "server.threads=8", "config", "sample"],
                                    capture_output=True, text=True, timeout=60)
            self.assertIn("\nthreads = 8\n", sample.stdout)

    def test_cmake_install_puts_everything_in_place(self):
        with tempfile.TemporaryDirectory() as dest:
            r = subprocess.run(["cmake", "--install", BUILD_DIR, "--prefix", dest],
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(r.returncode, 0, r.stderr)
            for path in ("sbin/mailsuite-mta", "sbin/mailsuite-pop3d", "sbin/mailsuite-imapd",
                         "bin/mailsuite", "sbin/sendmail.mailsuite", "etc/mailsuite/mailsuite.conf",
                         "lib/systemd/system/mailsuite-mta.service",
                         "lib/systemd/system/mailsuite.target"):
                self.assertTrue(os.path.exists(os.path.join(dest, path)), path)
            with open(os.path.join(dest, "lib/systemd/system/mailsuite-imapd.service")) as f:
                unit = f.read()
            self.assertIn("Type=notify", unit)
            self.assertIn("User=mailsuite", unit)
            self.assertNotIn("@SBINDIR@", unit)
            if not shutil.which("systemd-analyze"):
                return
            # No systemd runs here (CI): let systemd check the unit files themselves, pointed
            # at this temporary install.
            units = os.path.join(dest, "verify")
            os.mkdir(units)
            system = os.path.join(dest, "lib/systemd/system")
            prefix = subprocess.run(["cmake", "-L", "-N", BUILD_DIR], capture_output=True,
                                    text=True).stdout
            configured = next(l.split("=", 1)[1] for l in prefix.splitlines()
                              if l.startswith("CMAKE_INSTALL_PREFIX:"))
            for name in os.listdir(system):
                with open(os.path.join(system, name)) as f:
                    text = f.read().replace(configured.rstrip("/") + "/", dest + "/")
                with open(os.path.join(units, name), "w") as f:
                    f.write(text)
            r = subprocess.run(["systemd-analyze", "verify"] +
                               [os.path.join(units, n) for n in sorted(os.listdir(units))],
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main()
