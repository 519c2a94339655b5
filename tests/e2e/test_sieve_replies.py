"""Sieve actions that answer or mark (issue #18): vacation (RFC 5230 with RFC 3834's rules)
replies once per sender and period and never to lists, bounces, auto-replies or mail not
addressed to the user; reject/ereject (RFC 5429) refuse in SMTP when every recipient refuses,
and otherwise deliver to the rest and tell the sender by a DSN; imap4flags (RFC 5232) stores
the flags a script set."""

import imaplib
import smtplib
import unittest

from mailsuite_fixture import Suite
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
            self.assertEqual(fetch_all(s, "dave@example.test", "INBOX"), [])
            log = s.log("mta")
            self.assertRegex(log, r"vacation of bob@example.test not sent: .*alice@example.test")
            self.assertRegex(log, r"vacation of bob@example.test not sent: .*(list|List)")

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
            # Another recipient takes it: 250, alice has it, the sender gets a DSN for bob.
            self.assertEqual(send(s, "dave@example.test",
                                  ["bob@example.test", "alice@example.test"], "an offer"), {})
            self.assertEqual(subjects(s, "alice@example.test", "INBOX"), ["an offer"])
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


if __name__ == "__main__":
    unittest.main()
