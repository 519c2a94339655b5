"""Sieve actions that answer or mark (issue #18): vacation (RFC 5230 with RFC 3834's rules)
replies once per sender and period and never to lists, bounces, auto-replies or mail not
addressed to the user; reject/ereject (RFC 5429) refuse in SMTP when every recipient refuses,
and otherwise deliver to the rest and tell the sender by a DSN; imap4flags (RFC 5232) stores
the flags a script set."""

import imaplib
import signal
import smtplib
import time
import unittest

from mailsuite_fixture import Suite
from test_imap import tls_context
from test_sieve import subjects

USERS = {"bob@example.test": "hungry", "alice@example.test": "sesame",
         "dave@example.test": "secret"}
SETTINGS = {"smtp.trusted_networks": ""}


def message(sender, to, subject, headers=""):
    message_id = subject.replace(" ", ".") + "@example.test"
    return (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
            f"Message-ID: <{message_id}>\r\n{headers}\r\nhello\r\n")


def send(suite, sender, rcpts, subject, headers="", to=None):
    with smtplib.SMTP("127.0.0.1", suite.port("smtp"), timeout=30) as c:
        return c.sendmail(sender, rcpts, message(sender or "MAILER-DAEMON@example.org",
                                                 to or rcpts[0], subject, headers))


def fetch_all(suite, user, mailbox, items="(FLAGS BODY.PEEK[])"):
    imap = imaplib.IMAP4("127.0.0.1", suite.port("imap"))
    imap.login(user, USERS[user])
    typ, _ = imap.select(f'"{mailbox}"')
    out = []
    if typ == "OK":
        typ, data = imap.fetch("1:*", items)
        out = [item for item in data if isinstance(item, tuple)]
    imap.logout()
    return out


class SieveRepliesTest(unittest.TestCase):
    def activate(self, suite, text, user="bob@example.test"):
        r = suite.cli("sieve", "put", user, "rules", "-", input_text=text, check=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        suite.cli("sieve", "activate", user, "rules")

    def test_vacation_once_per_sender_never_to_lists_or_bounces(self):
        with Suite(users=USERS, settings=SETTINGS) as s:
            # A DKIM key for example.test: the reply is signed like the user's own mail.
            s.cli("dkim", "keygen", "example.test")
            s.procs["mta"].send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 20
            while "DKIM signing keys in" not in s.log("mta") and time.monotonic() < deadline:
                time.sleep(0.1)
            self.activate(s, 'require "vacation";\r\n'
                             'vacation :days 3 :subject "Away until Monday"\r\n'
                             '  "I am away until Monday; Alice handles urgent things.";\r\n')
            send(s, "alice@example.test", ["bob@example.test"], "question one")
            send(s, "alice@example.test", ["bob@example.test"], "question two")
            send(s, "dave@example.test", ["bob@example.test"], "list post",
                 "List-Id: <dev.lists.example.org>\r\n")
            send(s, "dave@example.test", ["bob@example.test"], "bulk", "Precedence: bulk\r\n")
            send(s, "dave@example.test", ["bob@example.test"], "robot",
                 "Auto-Submitted: auto-generated\r\n")
            send(s, "", ["bob@example.test"], "a bounce")
            # bob only as Bcc: the message is not addressed to him (RFC 5230 4.5).
            send(s, "dave@example.test", ["bob@example.test"], "bcc", to="team@example.org")
            self.assertEqual(len(subjects(s, "bob@example.test", "INBOX")), 7)  # all kept

            replies = fetch_all(s, "alice@example.test", "INBOX")
            self.assertEqual(len(replies), 1)
            reply = replies[0][1].decode()
            self.assertIn("Subject: Away until Monday", reply)
            self.assertIn("From: bob@example.test", reply)
            self.assertIn("To: alice@example.test", reply)
            self.assertIn("Auto-Submitted: auto-replied", reply)
            self.assertIn("In-Reply-To: <question.one@example.test>", reply)
            self.assertIn("Return-Path: <>", reply)  # sent from the null sender
            self.assertIn("Alice handles urgent things.", reply)
            self.assertRegex(reply, r"(?s)DKIM-Signature:.{0,300}\bd=example\.test;")
            self.assertEqual(fetch_all(s, "dave@example.test", "INBOX"), [])
            log = s.log("mta")
            self.assertRegex(log, r"vacation of bob@example.test not sent: .*alice@example.test")
            self.assertRegex(log, r"vacation of bob@example.test not sent: .*(list|List)")
            self.assertRegex(log, r"vacation of bob@example.test sent to <alice@example.test>")

    def test_reject_in_smtp_or_by_dsn(self):
        with Suite(users=USERS, settings=SETTINGS) as s:
            self.activate(s, 'require ["reject", "ereject"];\r\n'
                             'if header :contains "Subject" "offer" {\r\n'
                             '  reject "No offers, thank you.";\r\n'
                             '} elsif header :contains "Subject" "survey" {\r\n'
                             '  ereject "No surveys.";\r\n'
                             '}\r\n')
            # Every recipient refuses: the SMTP reply says so, and nothing is stored.
            with self.assertRaises(smtplib.SMTPDataError) as cm:
                send(s, "dave@example.test", ["bob@example.test"], "an offer")
            self.assertEqual(cm.exception.smtp_code, 550)
            self.assertIn(b"5.7.1 Rejected by the recipient: No offers, thank you.",
                          cm.exception.smtp_error)
            with self.assertRaises(smtplib.SMTPDataError):
                send(s, "dave@example.test", ["bob@example.test"], "a survey")
            self.assertEqual(fetch_all(s, "dave@example.test", "INBOX"), [])
            # Another recipient takes it: 250 and alice has it. A stranger on port 25 hears no
            # more (a DSN to an unverified sender would be backscatter) ...
            self.assertEqual(send(s, "dave@example.test",
                                  ["bob@example.test", "alice@example.test"], "an offer"), {})
            self.assertEqual(subjects(s, "alice@example.test", "INBOX"), ["an offer"])
            self.assertEqual(fetch_all(s, "dave@example.test", "INBOX"), [])
            self.assertRegex(s.log("mta"), r"not reported to the unverified sender")
            # ... while our own user, logged in, gets a DSN for bob.
            with smtplib.SMTP("127.0.0.1", s.port("submission"), timeout=30) as c:
                c.starttls(context=tls_context())
                c.login("dave@example.test", "secret")
                self.assertEqual(c.sendmail("dave@example.test",
                                            ["bob@example.test", "alice@example.test"],
                                            message("dave@example.test", "bob@example.test",
                                                    "another offer")), {})
            self.assertEqual(subjects(s, "alice@example.test", "INBOX"),
                             ["an offer", "another offer"])
            self.assertEqual(subjects(s, "bob@example.test", "INBOX"), [])
            dsns = fetch_all(s, "dave@example.test", "INBOX")
            self.assertEqual(len(dsns), 1)
            dsn = dsns[0][1].decode()
            self.assertIn("Status: 5.7.1", dsn)
            self.assertIn("Final-Recipient: rfc822; bob@example.test", dsn)
            self.assertIn("No offers, thank you.", dsn)
            self.assertNotIn("alice@example.test", dsn.split("Content-Type: message/")[0]
                             .split("\r\n\r\n", 1)[1])
            send(s, "dave@example.test", ["bob@example.test"], "plain")  # not refused
            self.assertEqual(subjects(s, "bob@example.test", "INBOX"), ["plain"])

    def test_imap4flags_set_flags_of_the_stored_message(self):
        with Suite(users=USERS, settings=SETTINGS) as s:
            self.activate(s, 'require ["imap4flags", "fileinto"];\r\n'
                             'if header :contains "Subject" "urgent" {\r\n'
                             '  addflag ["\\\\Flagged", "$Urgent"];\r\n'
                             '}\r\n'
                             'if header :contains "Subject" "read" {\r\n'
                             '  fileinto :flags "\\\\Seen" "Archive";\r\n'
                             '  stop;\r\n'
                             '}\r\n')
            send(s, "dave@example.test", ["bob@example.test"], "urgent matter")
            send(s, "dave@example.test", ["bob@example.test"], "already read")
            send(s, "dave@example.test", ["bob@example.test"], "nothing special")
            inbox = fetch_all(s, "bob@example.test", "INBOX",
                              "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            flags = {item[1].decode().strip(): item[0].decode() for item in inbox}
            self.assertEqual(len(flags), 2)
            urgent = flags["Subject: urgent matter"]
            self.assertIn("\\Flagged", urgent)
            self.assertIn("$Urgent", urgent)
            self.assertNotIn("\\Flagged", flags["Subject: nothing special"])
            imap = imaplib.IMAP4("127.0.0.1", s.port("imap"))
            imap.login("bob@example.test", "hungry")
            imap.select("Archive")
            typ, data = imap.fetch("1:*", "(FLAGS)")
            imap.logout()
            self.assertEqual(len(data), 1)
            self.assertIn(b"\\Seen", data[0])

    def test_rfc_examples_of_variables_body_and_date(self):
        """The extension RFCs' own examples, against delivered mail: RFC 5229 3.2 (a list's
        name from a match variable), RFC 5173 (a body test), RFC 5260 (office hours by the
        sender's Date: in its own zone)."""
        with Suite(users=USERS, settings=SETTINGS) as s:
            self.activate(s, 'require ["fileinto", "mailbox", "variables", "body", "date",\r\n'
                             '         "relational"];\r\n'
                             'if header :matches "List-ID" "*<*@*" {\r\n'
                             '  fileinto :create "lists/${2}"; stop;\r\n'
                             '}\r\n'
                             'if body :raw :contains "MAKE MONEY FAST" { discard; stop; }\r\n'
                             'if allof(header :is "from" "boss@example.com",\r\n'
                             '         date :value "ge" :originalzone "date" "hour" "09",\r\n'
                             '         date :value "lt" :originalzone "date" "hour" "17") {\r\n'
                             '  fileinto :create "urgent";\r\n'
                             '}\r\n')
            send(s, "dave@example.test", ["bob@example.test"], "list mail",
                 "List-ID: Developers <dev@lists.example.org>\r\n")
            with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=30) as c:
                c.sendmail("x@example.org", ["bob@example.test"],
                           "From: x@example.org\r\nSubject: hi\r\n\r\nMAKE MONEY FAST\r\n")
                for hour, subject in (("10:30:00 +0900", "in hours"),
                                      ("18:30:00 +0900", "after hours")):
                    c.sendmail("boss@example.com", ["bob@example.test"],
                               "From: boss@example.com\r\nSubject: " + subject +
                               "\r\nDate: Mon, 7 Dec 2026 " + hour + "\r\n\r\nhi\r\n")
            self.assertEqual(subjects(s, "bob@example.test", "lists/dev"), ["list mail"])
            self.assertEqual(subjects(s, "bob@example.test", "urgent"), ["in hours"])
            self.assertEqual(subjects(s, "bob@example.test", "INBOX"), ["after hours"])


if __name__ == "__main__":
    unittest.main()
