"""Quota at every protocol boundary (issue #18): SMTP refuses a full mailbox at RCPT (452 4.2.2,
with the declared SIZE) or at the end of data (552 5.2.2 when nobody has room; 452 4.2.2 for a
stranger's message that others have room for; our own user's goes to the others with a DSN that
names the full mailbox); IMAP reports the quota (RFC 9208), refuses APPEND/COPY with NO
[OVERQUOTA] and frees space at once on EXPUNGE; POP3 and IMAP keep reading and deleting while
over quota; `mailsuite user quota` shows and sets limits; the config's default applies to users
without their own."""

import imaplib
import poplib
import re
import smtplib
import ssl
import unittest

from mailsuite_fixture import Suite

USERS = {"bob@example.test": "hungry", "alice@example.test": "sesame"}
# 127.0.0.1 on port 25 is a stranger; our own users submit on 587 with AUTH.
SETTINGS = {"smtp.trusted_networks": ""}


def tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def message(subject, octets):
    body = ("x" * 70 + "\r\n") * (octets // 72 + 1)
    return f"From: carol@example.org\r\nSubject: {subject}\r\n\r\n{body}"


def imap_login(suite, user):
    imap = imaplib.IMAP4("127.0.0.1", suite.port("imap"))
    imap.login(user, USERS[user])
    return imap


def inbox_count(suite, user):
    imap = imap_login(suite, user)
    typ, data = imap.status("INBOX", "(MESSAGES)")
    imap.logout()
    return int(re.search(rb"MESSAGES (\d+)", data[0]).group(1))


def quota_of(imap):
    """GETQUOTAROOT INBOX -> ({resource: (usage, limit)}, the QUOTAROOT line)."""
    typ, data = imap.getquotaroot("INBOX")
    assert typ == "OK", data
    root_lines, quota_lines = data
    resources = {}
    for line in quota_lines:
        for name, used, limit in re.findall(rb"(STORAGE|MESSAGE) (\d+) (\d+)", line):
            resources[name.decode()] = (int(used), int(limit))
    return resources, root_lines[0]


class QuotaTest(unittest.TestCase):
    def test_smtp_refuses_what_does_not_fit_and_says_so(self):
        with Suite(users=USERS, settings=SETTINGS) as s:
            out = s.cli("user", "quota", "bob@example.test", "20K").stdout
            self.assertIn("20.0 KiB", out)
            self.assertIn("the user's own limit", out)
            with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=30) as c:
                self.assertEqual(c.sendmail("carol@example.org", ["bob@example.test"],
                                            message("first", 8000)), {})
            self.assertEqual(inbox_count(s, "bob@example.test"), 1)

            with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=30) as c:
                c.ehlo("client.example.org")
                self.assertIn("size", c.esmtp_features)
                # RCPT knows the size from SIZE= (RFC 1870 6.4): 452 4.2.2 for bob only.
                self.assertEqual(c.mail("carol@example.org", ["SIZE=15000"])[0], 250)
                code, text = c.rcpt("bob@example.test")
                self.assertEqual((code, text[:5]), (452, b"4.2.2"), text)
                self.assertEqual(c.rcpt("alice@example.test")[0], 250)
                c.rset()
                # Without SIZE the end of data finds out: 552 5.2.2 when nobody has room.
                c.mail("carol@example.org")
                self.assertEqual(c.rcpt("bob@example.test")[0], 250)
                code, text = c.data(message("too big", 15000))
                self.assertEqual((code, text[:5]), (552, b"5.2.2"), text)
                self.assertIn(b"bob@example.test", text)
                # A stranger's message that alice has room for and bob has not: refused for
                # both for now (no half delivery, no bounce to a sender we cannot vouch for).
                c.mail("carol@example.org")
                c.rcpt("bob@example.test")
                c.rcpt("alice@example.test")
                code, text = c.data(message("shared", 15000))
                self.assertEqual((code, text[:5]), (452, b"4.2.2"), text)
            self.assertEqual(inbox_count(s, "bob@example.test"), 1)
            self.assertEqual(inbox_count(s, "alice@example.test"), 0)

            # Our own user's message goes to alice, and the sender learns that bob missed it.
            with smtplib.SMTP("127.0.0.1", s.port("submission"), timeout=30) as c:
                c.starttls(context=tls_context())
                c.login("alice@example.test", "sesame")
                # No SIZE= (smtplib would send it, and RCPT would refuse bob at once).
                c.mail("alice@example.test")
                self.assertEqual(c.rcpt("bob@example.test")[0], 250)
                self.assertEqual(c.rcpt("alice@example.test")[0], 250)
                self.assertEqual(c.data(message("from alice", 15000))[0], 250)
            self.assertEqual(inbox_count(s, "bob@example.test"), 1)
            imap = imap_login(s, "alice@example.test")
            imap.select("INBOX")
            typ, data = imap.search(None, "ALL")
            self.assertEqual(len(data[0].split()), 2, "her own copy and the DSN")
            typ, data = imap.search(None, "FROM", "MAILER-DAEMON")
            self.assertEqual(len(data[0].split()), 1)
            typ, data = imap.fetch(data[0].split()[0], "(BODY.PEEK[])")
            dsn = data[0][1]
            self.assertIn(b"Status: 5.2.2", dsn)
            self.assertIn(b"Final-Recipient: rfc822; bob@example.test", dsn)
            imap.logout()

            # Room again after bob deletes: the next one fits.
            imap = imap_login(s, "bob@example.test")
            imap.select("INBOX")
            imap.store("1", "+FLAGS", "\\Deleted")
            imap.expunge()
            imap.logout()
            with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=30) as c:
                self.assertEqual(c.sendmail("carol@example.org", ["bob@example.test"],
                                            message("fits now", 15000)), {})
            self.assertEqual(inbox_count(s, "bob@example.test"), 1)

    def test_imap_reports_refuses_and_frees_at_once(self):
        with Suite(users=USERS, settings=SETTINGS) as s:
            s.cli("user", "quota", "bob@example.test", "10K", "3")
            # Without any limit there is no quota root (RFC 9208 4.1.2, 9).
            imap = imap_login(s, "alice@example.test")
            typ, data = imap.getquotaroot("INBOX")
            self.assertEqual((typ, data[0]), ("OK", [b'"INBOX"']), data)
            self.assertEqual(data[1], [None])  # imaplib: no QUOTA response
            typ, data = imap._simple_command("GETQUOTA", '""')
            self.assertEqual(typ, "NO")
            imap.logout()
            imap = imap_login(s, "bob@example.test")
            typ, caps = imap.capability()
            for cap in (b"QUOTA", b"QUOTA=RES-STORAGE", b"QUOTA=RES-MESSAGE"):
                self.assertIn(cap, caps[0].split())
            self.assertNotIn(b"QUOTASET", caps[0].split())
            resources, root = quota_of(imap)
            self.assertEqual(root, b'"INBOX" ""')
            self.assertEqual(resources, {"STORAGE": (0, 10), "MESSAGE": (0, 3)})

            small = message("small", 2000).encode()
            for _ in range(2):
                typ, data = imap.append("INBOX", None, None, small)
                self.assertEqual(typ, "OK", data)
            resources, _ = quota_of(imap)
            self.assertEqual(resources["MESSAGE"], (2, 3))
            self.assertEqual(resources["STORAGE"][0], (2 * len(small) + 1023) // 1024)
            typ, data = imap._simple_command("GETQUOTA", '""')
            self.assertEqual(typ, "OK", data)
            self.assertIn(b"MESSAGE 2 3", imap.untagged_responses.pop("QUOTA")[0])

            # 4.3.1: APPEND and COPY that would cross a limit get NO [OVERQUOTA].
            typ, data = imap.append("INBOX", None, None, message("big", 8000).encode())
            self.assertEqual(typ, "NO")
            self.assertIn(b"[OVERQUOTA]", data[0])
            imap.select("INBOX")
            typ, data = imap.copy("1:2", "Archive")
            self.assertEqual(typ, "NO")
            self.assertIn(b"[OVERQUOTA]", data[0])
            # MOVE within the user's mailboxes adds nothing: allowed at any usage.
            typ, data = imap._simple_command("MOVE", "2", "Archive")
            self.assertEqual(typ, "OK", data)
            typ, data = imap.setquota('""', "(STORAGE 100000)")
            self.assertEqual(typ, "NO")
            self.assertIn(b"[NOPERM]", data[0])

            # Over the limit (the admin lowered it): reading and deleting still work.
            s.cli("user", "quota", "bob@example.test", "1K")
            typ, data = imap.fetch("1", "(BODY[])")
            self.assertEqual(typ, "OK")
            self.assertEqual(data[0][1], small)
            typ, data = imap.status("Archive", "(DELETED DELETED-STORAGE)")
            self.assertIn(b"DELETED 0 DELETED-STORAGE 0", data[0])
            imap.select("Archive")
            imap.store("1", "+FLAGS", "\\Deleted")
            typ, data = imap.status("Archive", "(DELETED DELETED-STORAGE SIZE)")
            size = len(small)
            self.assertIn(f"DELETED 1 DELETED-STORAGE {(size + 1023) // 1024} SIZE {size}"
                          .encode(), data[0])
            imap.expunge()
            resources, _ = quota_of(imap)
            self.assertEqual(resources["MESSAGE"], (1, 3), "EXPUNGE frees at once")
            self.assertEqual(resources["STORAGE"], ((size + 1023) // 1024, 1))
            imap.logout()

            pop = poplib.POP3("127.0.0.1", s.port("pop3"), timeout=30)
            pop.user("bob@example.test")
            pop.pass_("hungry")
            self.assertEqual(b"\r\n".join(pop.retr(1)[1]) + b"\r\n", small)
            pop.dele(1)
            pop.quit()
            out = s.cli("user", "quota", "bob@example.test").stdout
            self.assertIn("storage:  0 B of 1.0 KiB (0%)", out)
            self.assertIn("messages: 0 of 3 (0%)", out)

    def test_config_default_and_cli(self):
        with Suite(users=USERS, settings={**SETTINGS, "quota.messages": "1"}) as s:
            with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=30) as c:
                self.assertEqual(c.sendmail("carol@example.org", ["bob@example.test"],
                                            message("one", 100)), {})
                c.mail("carol@example.org")
                code, text = c.rcpt("bob@example.test")
                self.assertEqual((code, text[:5]), (452, b"4.2.2"), text)
            out = s.cli("user", "quota", "bob@example.test").stdout
            self.assertIn("messages: 1 of 1 (100%), the default", out)
            self.assertIn("storage:  ", out)
            # The user's own limit wins over the default; "default" gives it back.
            s.cli("user", "quota", "bob@example.test", "unlimited", "unlimited")
            with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=30) as c:
                self.assertEqual(c.sendmail("carol@example.org", ["bob@example.test"],
                                            message("two", 100)), {})
            out = s.cli("user", "quota", "bob@example.test", "default", "default").stdout
            self.assertIn("messages: 2 of 1 (200%), the default", out)
            bad = s.cli("user", "quota", "bob@example.test", "lots", check=False)
            self.assertEqual(bad.returncode, 2)
            self.assertIn("not a size", bad.stderr)
            gone = s.cli("user", "quota", "nobody@example.test", check=False)
            self.assertEqual(gone.returncode, 1)
            self.assertIn("does not exist", gone.stderr)


if __name__ == "__main__":
    unittest.main()
