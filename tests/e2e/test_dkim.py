"""DKIM signing (issue #15, outbound): mail from local senders leaves signed with an RSA and an
Ed25519 key for its From: domain, and dkimpy (an independent implementation) verifies both
signatures; strangers' mail is never signed; bounces are signed; keys rotate by selector with a
SIGHUP; `mailsuite dkim` manages the keys."""

import imaplib
import os
import re
import signal
import smtplib
import stat
import time
import unittest

from dkimpy_tool import dkim_check
from fake_dns import FakeDns
from mailsuite_fixture import Suite
from smtp_sink import SmtpSink
from test_relay import free_port_on, wait_for

USERS = {"bob@example.test": "hungry"}
TRUSTED = "127.0.0.5"  # the one trusted network address; 127.0.0.1 is a stranger here


def dkim_records(suite):
    """{"sel._domainkey.domain": "v=DKIM1; ..."} from `mailsuite dkim list`."""
    records = {}
    for line in suite.cli("dkim", "list").stdout.splitlines():
        m = re.match(r"\s+(\S+)\.\s+TXT\s+(.*)$", line)
        if m:
            records[m.group(1)] = "".join(re.findall(r'"([^"]*)"', m.group(2)))
    return records


def signature_fields(message):
    """The DKIM-Signature fields of a message, unfolded, in order."""
    header = message.split(b"\r\n\r\n", 1)[0].decode(errors="replace")
    fields = re.split(r"\r\n(?![ \t])", header)
    return [re.sub(r"\r\n[ \t]", " ", f) for f in fields if f.lower().startswith("dkim-signature:")]


def tag(field, name):
    m = re.search(r"(?:^|;)\s*" + name + r"=([^;]*)", field.split(":", 1)[1])
    return re.sub(r"\s+", "", m.group(1)) if m else None


class DkimSigningTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        port = free_port_on(["127.0.0.2"])
        cls.dns = FakeDns({
            ("example.net", "MX"): [(10, "mx1.example.net")],
            ("mx1.example.net", "A"): ["127.0.0.2"],
            ("gone.example", "rcode"): 3,
        }).start()
        cls.sink = SmtpSink(["127.0.0.2"], port, "mx1.example.net").start()
        cls.suite = Suite(users=USERS, daemons=("mta", "imapd"), settings={
            "dns.servers": f"127.0.0.1:{cls.dns.port}",
            "relay.port": str(port),
            "queue.retry_interval": "1",
            "queue.scan_interval": "1",
            "smtp.trusted_networks": TRUSTED + "/32",
        }).start()
        out = cls.suite.cli("dkim", "keygen", "example.test").stdout
        assert out.count("(signs)") == 2, out
        cls.reload_mta()

    @classmethod
    def tearDownClass(cls):
        cls.suite.__exit__(None, None, None)
        cls.sink.stop()
        cls.dns.stop()

    @classmethod
    def reload_mta(cls):
        before = cls.suite.log("mta").count("DKIM signing keys in")
        cls.suite.procs["mta"].send_signal(signal.SIGHUP)
        assert wait_for(lambda: cls.suite.log("mta").count("DKIM signing keys in") > before)

    def submit(self, rcpts, message):
        with smtplib.SMTP("127.0.0.1", self.suite.port("submission"), timeout=30) as c:
            c.login("bob@example.test", "hungry")
            c.sendmail("bob@example.test", rcpts, message, mail_options=["BODY=8BITMIME"])

    def relayed(self, rcpt):
        self.assertTrue(wait_for(lambda: any(rcpt in m[1] for m in list(self.sink.messages))),
                        f"nothing relayed to {rcpt}")
        return [m for m in list(self.sink.messages) if rcpt in m[1]][-1][2]

    def inbox_messages(self):
        imap = imaplib.IMAP4("127.0.0.1", self.suite.port("imap"))
        try:
            imap.login("bob@example.test", "hungry")
            imap.select("INBOX")
            _, data = imap.fetch("1:*", "(BODY.PEEK[])")
            return [part[1] for part in data if isinstance(part, tuple)]
        finally:
            imap.logout()

    def assert_verified(self, message, domain, count=2):
        fields = signature_fields(message)
        self.assertEqual(len(fields), count, message[:1500])
        results = dkim_check(message, dkim_records(self.suite))
        self.assertEqual(len(results), count)
        for r in results:
            self.assertTrue(r["ok"], f"dkimpy rejects {r}\n{message[:2000]!r}")
            self.assertEqual(r["d"], domain)
        return results

    def test_submitted_mail_carries_rsa_and_ed25519_signatures_that_dkimpy_verifies(self):
        # A long folded Subject, an 8-bit body, trailing blank lines and a tab: the
        # canonicalization corners (RFC 6376 3.4.2, 3.4.4).
        subject = "Quarterly figures " + " ".join(f"word{i}" for i in range(60))
        message = ("From: Bob <bob@example.test>\r\nTo: alice@example.net\r\n"
                   f"Subject: {subject[:70]}\r\n {subject[70:140]}\r\n\t{subject[140:]}\r\n"
                   "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                   "Content-Transfer-Encoding: 8bit\r\n\r\n"
                   "Grüße aus Köln  \t \r\nline\twith tab\r\n\r\n\r\n\r\n").encode()
        self.submit(["alice@example.net"], message)
        data = self.relayed("alice@example.net")
        self.assertTrue(data.startswith(b"DKIM-Signature: "), data[:300])
        results = self.assert_verified(data, "example.test")
        self.assertEqual([r["a"] for r in results], ["ed25519-sha256", "rsa-sha256"])
        for field in signature_fields(data):
            self.assertEqual(tag(field, "c"), "relaxed/relaxed")
            signed = tag(field, "h").lower().split(":")
            self.assertEqual(signed.count("from"), 2, "From: is oversigned")
            self.assertEqual(signed.count("subject"), 2)
            for name in ("to", "date", "message-id", "mime-version", "content-type"):
                self.assertIn(name, signed)
            self.assertNotIn("received", signed)
            self.assertNotIn("return-path", signed)
        # Date: and Message-ID: that submission added are signed too: the message had neither.
        self.assertIn(b"\r\nMessage-ID: <", data)

    def test_trusted_network_mail_is_signed_only_for_a_local_from_domain(self):
        for sender, signed in (("bob@example.test", True), ("someone@elsewhere.org", False)):
            with self.subTest(sender=sender):
                rcpt = f"t-{signed}@example.net"
                with smtplib.SMTP("127.0.0.1", self.suite.port("smtp"), timeout=30,
                                  source_address=(TRUSTED, 0)) as c:
                    c.sendmail(sender, [rcpt], f"From: {sender}\r\nTo: {rcpt}\r\n"
                               "Subject: from the office network\r\n\r\nhello\r\n")
                data = self.relayed(rcpt)
                if signed:
                    self.assert_verified(data, "example.test")
                else:
                    self.assertEqual(signature_fields(data), [])

    def test_a_strangers_mail_claiming_a_local_domain_is_not_signed(self):
        before = len(self.inbox_messages())
        with smtplib.SMTP("127.0.0.1", self.suite.port("smtp"), timeout=30) as c:
            c.sendmail("forger@evil.example", ["bob@example.test"],
                       "From: bob@example.test\r\nSubject: forged\r\n\r\ntrust me\r\n")
        messages = self.inbox_messages()
        self.assertEqual(len(messages), before + 1)
        self.assertIn(b"Subject: forged", messages[-1])
        self.assertEqual(signature_fields(messages[-1]), [])

    def test_a_bounce_is_signed_for_the_parent_domain_of_the_host(self):
        before = len(self.inbox_messages())
        self.submit(["y@gone.example"], b"From: bob@example.test\r\nSubject: to nowhere\r\n\r\nx\r\n")
        self.assertTrue(wait_for(lambda: len(self.inbox_messages()) == before + 1))
        bounce = self.inbox_messages()[-1]
        self.assertIn(b"MAILER-DAEMON@mail.example.test", bounce)
        self.assert_verified(bounce, "example.test")  # mail.example.test signs as example.test

    def test_rotation_by_selector_with_a_reload(self):
        out = self.suite.cli("dkim", "keygen", "example.test", "--type", "rsa",
                             "--selector", "next").stdout
        self.assertIn("(standby", out)
        self.assertIn('next._domainkey.example.test.  TXT  "v=DKIM1; k=rsa; p=', out)
        self.reload_mta()
        self.submit(["rot1@example.net"], b"From: bob@example.test\r\nSubject: before\r\n\r\nx\r\n")
        selectors = [tag(f, "s") for f in signature_fields(self.relayed("rot1@example.net"))]
        self.assertNotIn("next", selectors, "a standby key does not sign")

        out = self.suite.cli("dkim", "activate", "example.test", "next").stdout
        self.assertIn("next (rsa): signs", out)
        self.assertRegex(out, r"\d{6}r \(rsa\): standby")
        self.reload_mta()
        self.submit(["rot2@example.net"], b"From: bob@example.test\r\nSubject: after\r\n\r\nx\r\n")
        data = self.relayed("rot2@example.net")
        results = self.assert_verified(data, "example.test")
        self.assertTrue(any(r["s"] == "next" and r["a"] == "rsa-sha256" for r in results))
        # Put the first key back so the other tests see the set they expect, whatever the order.
        first = [s for s in dkim_records(self.suite) if re.match(r"\d{6}r\.", s)][0].split(".")[0]
        self.suite.cli("dkim", "activate", "example.test", first)
        self.suite.cli("dkim", "remove", "example.test", "next")
        self.reload_mta()

    def test_keys_are_private_and_only_for_local_domains(self):
        key_dir = os.path.join(self.suite.dir, "dkim", "example.test")
        for name in os.listdir(key_dir):
            mode = stat.S_IMODE(os.stat(os.path.join(key_dir, name)).st_mode)
            self.assertEqual(mode, 0o600, name)
        self.assertEqual(stat.S_IMODE(os.stat(key_dir).st_mode), 0o700)
        r = self.suite.cli("dkim", "keygen", "example.net", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("not a local domain", r.stderr)
        r = self.suite.cli("dkim", "keygen", "example.test", "--selector", "x", check=False)
        self.assertEqual(r.returncode, 2, "one selector cannot name two keys")
        r = self.suite.cli("dkim", "keygen", "example.test", "--type", "dsa", check=False)
        self.assertEqual(r.returncode, 2)

    @unittest.skipUnless(os.geteuid() == 0, "only root can give files to another user")
    def test_keys_belong_to_the_user_the_daemons_run_as(self):
        import pwd
        nobody = pwd.getpwnam("nobody")
        self.suite.cli("--set", "server.user=nobody", "dkim", "keygen", "example.test",
                       "--type", "ed25519", "--selector", "owned")
        key = os.path.join(self.suite.dir, "dkim", "example.test", "owned.key.standby")
        self.assertEqual(os.stat(key).st_uid, nobody.pw_uid)
        self.assertEqual(os.stat(os.path.dirname(key)).st_uid, nobody.pw_uid)
        self.suite.cli("dkim", "remove", "example.test", "owned")
        os.chown(os.path.join(self.suite.dir, "dkim"), 0, 0)
        for root, dirs, files in os.walk(os.path.join(self.suite.dir, "dkim")):
            for name in dirs + files:
                os.chown(os.path.join(root, name), 0, 0)


if __name__ == "__main__":
    unittest.main()
