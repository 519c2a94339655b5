"""Users' Sieve scripts at delivery (issue #18, RFC 5228): the CLI refuses a broken script with its
line; the active script files mail by header, address and envelope, discards, keeps copies, makes
a missing folder with :create, compares a spam score numerically (RFC 5231), redirects to a local user and to a remote one through the queue,
stops a redirect that comes back round; a script that fails at run time keeps the message in
INBOX; mail placed by APPEND is never filtered."""

import imaplib
import os
import re
import smtplib
import tempfile
import time
import unittest

from mailsuite_fixture import Suite

USERS = {"bob@example.test": "hungry", "alice@example.test": "sesame"}
SETTINGS = {"smtp.trusted_networks": ""}  # 127.0.0.1 on port 25 is a stranger

# After RFC 5228 section 9 (its examples use extensions beyond this set; these keep their shape).
SCRIPT = """require ["fileinto", "envelope", "copy", "mailbox", "relational",
           "comparator-i;ascii-numeric"];
# A spam filter's score (RFC 5231 with RFC 4790's numeric comparator: 12.5 counts as 12).
if header :value "ge" :comparator "i;ascii-numeric" "X-Spam-Score" "10" {
    fileinto "Junk";
    stop;
}
# Mailing lists first.
if header :contains "List-Id" "<dev.lists.example.org>" {
    fileinto :create "Lists/dev";
    stop;
}
if anyof (header :matches "Subject" "*MAKE*MONEY*FAST*",
          address :domain :is "From" "spammer.example") {
    discard;
} elsif address :localpart :is ["To", "Cc"] "billing" {
    fileinto "Archive";
} elsif envelope :is "from" "boss@example.org" {
    fileinto :copy "Archive";
} elsif size :over 20K {
    redirect "alice@example.test";
} elsif header :is "X-Forward" "out" {
    redirect "friend@elsewhere.example";
}
"""


def imap_login(suite, user):
    imap = imaplib.IMAP4("127.0.0.1", suite.port("imap"))
    imap.login(user, USERS[user])
    return imap


def subjects(suite, user, mailbox):
    imap = imap_login(suite, user)
    typ, _ = imap.select(f'"{mailbox}"')
    if typ != "OK":
        imap.logout()
        return None
    typ, data = imap.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    imap.logout()
    found = []
    for item in data:
        if isinstance(item, tuple):
            found.append(item[1].decode().split(":", 1)[1].strip())
    return found


def send(suite, sender, rcpts, subject, headers="", body="hello\r\n"):
    text = f"From: {sender}\r\nTo: {rcpts[0]}\r\nSubject: {subject}\r\n{headers}\r\n{body}"
    with smtplib.SMTP("127.0.0.1", suite.port("smtp"), timeout=30) as c:
        refused = c.sendmail(sender, rcpts, text)
        assert refused == {}, refused


class SieveTest(unittest.TestCase):
    def put_script(self, suite, text, name="rules", user="bob@example.test"):
        with tempfile.NamedTemporaryFile("w", suffix=".sieve", delete=False) as f:
            f.write(text)
        try:
            return suite.cli("sieve", "put", user, name, f.name, check=False)
        finally:
            os.unlink(f.name)

    def test_cli_refuses_a_broken_script_with_its_line(self):
        with Suite(users=USERS, settings=SETTINGS, daemons=()) as s:
            r = self.put_script(s, 'require "fileinto";\r\nif true {\r\n  filein "x";\r\n}\r\n')
            self.assertEqual(r.returncode, 1)
            self.assertIn("line 3", r.stderr)
            self.assertIn("filein", r.stderr)
            r = self.put_script(s, 'fileinto "x";\n')  # RFC 5228 3.2: require first
            self.assertEqual(r.returncode, 1)
            self.assertIn("line 1", r.stderr)
            self.assertEqual(s.cli("sieve", "list", "bob@example.test").stdout, "")
            self.assertEqual(self.put_script(s, SCRIPT).returncode, 0)
            self.assertEqual(s.cli("sieve", "list", "bob@example.test").stdout, "rules\n")
            s.cli("sieve", "activate", "bob@example.test", "rules")
            self.assertEqual(s.cli("sieve", "list", "bob@example.test").stdout, "rules\tactive\n")
            self.assertEqual(s.cli("sieve", "get", "bob@example.test", "rules").stdout, SCRIPT)
            r = s.cli("sieve", "delete", "bob@example.test", "rules", check=False)
            self.assertEqual(r.returncode, 1)
            self.assertIn("active", r.stderr)
            s.cli("sieve", "deactivate", "bob@example.test")
            s.cli("sieve", "delete", "bob@example.test", "rules")
            self.assertEqual(s.cli("sieve", "list", "bob@example.test").stdout, "")
            r = s.cli("sieve", "put", "bob@example.test", "bad\x01name", "/dev/null", check=False)
            self.assertEqual(r.returncode, 1)

    def test_active_script_decides_where_mail_goes(self):
        with Suite(users=USERS, settings=SETTINGS) as s:
            self.assertEqual(self.put_script(s, SCRIPT).returncode, 0)
            # Stored but not active: no filtering yet.
            send(s, "carol@example.org", ["bob@example.test"], "before",
                 "List-Id: Dev <dev.lists.example.org>\r\n")
            s.cli("sieve", "activate", "bob@example.test", "rules")
            send(s, "carol@example.org", ["bob@example.test"], "list mail",
                 "List-Id: Dev <dev.lists.example.org>\r\n")
            send(s, "carol@example.org", ["bob@example.test"], "MAKE MONEY FAST now")
            send(s, "x@spammer.example", ["bob@example.test"], "from a spammer")
            send(s, "carol@example.org", ["bob@example.test"], "invoice",
                 "Cc: Billing <billing@example.test>\r\n")
            send(s, "boss@example.org", ["bob@example.test"], "from the boss")
            send(s, "carol@example.org", ["bob@example.test"], "big one", body=("y" * 70 + "\r\n") * 400)
            send(s, "carol@example.org", ["bob@example.test"], "plain")
            send(s, "carol@example.org", ["bob@example.test"], "scored high",
                 "X-Spam-Score: 12.5\r\n")
            send(s, "carol@example.org", ["bob@example.test"], "scored low",
                 "X-Spam-Score: 9.9\r\n")

            self.assertEqual(subjects(s, "bob@example.test", "Lists/dev"), ["list mail"])
            self.assertEqual(subjects(s, "bob@example.test", "Archive"),
                             ["invoice", "from the boss"])
            self.assertEqual(subjects(s, "bob@example.test", "INBOX"),
                             ["before", "from the boss", "plain", "scored low"])
            self.assertEqual(subjects(s, "bob@example.test", "Junk"), ["scored high"])
            self.assertEqual(subjects(s, "alice@example.test", "INBOX"), ["big one"])
            # The redirected copy says whom it came through.
            imap = imap_login(s, "alice@example.test")
            imap.select("INBOX")
            typ, data = imap.fetch("1", "(BODY.PEEK[HEADER])")
            self.assertIn(b"Delivered-To: alice@example.test", data[0][1])
            imap.logout()

            # APPEND is never filtered (the script would discard this).
            imap = imap_login(s, "bob@example.test")
            typ, _ = imap.append("INBOX", None, None,
                                 b"From: x@spammer.example\r\nSubject: appended\r\n\r\nhi\r\n")
            self.assertEqual(typ, "OK")
            imap.logout()
            self.assertEqual(subjects(s, "bob@example.test", "INBOX")[-1], "appended")

    def test_redirects_go_through_the_queue_and_loops_stop(self):
        with Suite(users=USERS, settings={**SETTINGS, "queue.retry_interval": "3600"}) as s:
            self.assertEqual(self.put_script(s, SCRIPT).returncode, 0)
            s.cli("sieve", "activate", "bob@example.test", "rules")
            send(s, "carol@example.org", ["bob@example.test"], "forward me",
                 "X-Forward: out\r\n")
            deadline = time.monotonic() + 20
            queued = ""
            while "friend@elsewhere.example" not in queued and time.monotonic() < deadline:
                queued = s.cli("queue", "list").stdout + s.log("mta")
                time.sleep(0.2)
            self.assertIn("friend@elsewhere.example", queued)
            self.assertEqual(subjects(s, "bob@example.test", "INBOX"), [])
            # The same message coming back round (it carries bob's Delivered-To) is kept.
            send(s, "carol@example.org", ["bob@example.test"], "came back",
                 "X-Forward: out\r\nDelivered-To: bob@example.test\r\n")
            self.assertEqual(subjects(s, "bob@example.test", "INBOX"), ["came back"])
            self.assertRegex(s.log("mta"), r"redirect to friend@elsewhere.example dropped")

    def test_a_failing_script_keeps_mail_in_inbox(self):
        with Suite(users=USERS, settings=SETTINGS) as s:
            # Compiles, but takes more actions than a message may cause (a run-time error).
            many = 'require "fileinto";\n' + "".join(f'fileinto "F{i}";\n' for i in range(80))
            self.assertEqual(self.put_script(s, many, name="many").returncode, 0)
            s.cli("sieve", "activate", "bob@example.test", "many")
            send(s, "carol@example.org", ["bob@example.test"], "still here")
            self.assertEqual(subjects(s, "bob@example.test", "INBOX"), ["still here"])
            self.assertRegex(s.log("mta"), r"Sieve script 'many' of bob@example.test failed")
            # A redirect that reaches nobody (the user themself, an unknown local address)
            # must not lose the message: it is kept.
            self.assertEqual(self.put_script(
                s, 'redirect "bob@example.test";\nredirect "nobody@example.test";\n',
                name="self").returncode, 0)
            s.cli("sieve", "activate", "bob@example.test", "self")
            send(s, "carol@example.org", ["bob@example.test"], "to myself")
            self.assertEqual(subjects(s, "bob@example.test", "INBOX"), ["still here", "to myself"])


if __name__ == "__main__":
    unittest.main()
