"""One message across all daemons: accepted by SMTP, read byte-identical over IMAP and POP3, and a
POP3 delete seen by an IMAP session as EXPUNGE (DESIGN.md: one store, three processes)."""

import imaplib
import poplib
import smtplib
import time
import unittest

from mailsuite_fixture import Suite

USERS = {"bob@example.test": "hungry"}
BODY = "Subject: across\r\nFrom: carol@example.org\r\n\r\nthree daemons\r\n.dotted line\r\n"


class CrossDaemonTest(unittest.TestCase):
    def test_smtp_in_imap_and_pop3_out_and_pop3_delete_seen_by_imap(self):
        with Suite(users=USERS) as s:
            with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=30) as c:
                c.sendmail("carol@example.org", ["bob@example.test"], BODY)

            imap = imaplib.IMAP4("127.0.0.1", s.port("imap"))
            imap.login("bob@example.test", "hungry")
            typ, data = imap.select("INBOX")
            self.assertEqual(data, [b"1"])
            typ, data = imap.fetch("1", "(BODY.PEEK[])")
            via_imap = data[0][1]
            self.assertTrue(via_imap.endswith(BODY.encode()), via_imap)

            pop = poplib.POP3("127.0.0.1", s.port("pop3"), timeout=30)
            pop.user("bob@example.test")
            pop.pass_("hungry")
            via_pop = b"\r\n".join(pop.retr(1)[1]) + b"\r\n"
            self.assertEqual(via_pop, via_imap, "POP3 RETR and IMAP BODY[] send the same bytes")
            pop.dele(1)
            pop.quit()

            deadline = time.monotonic() + 10
            expunged = False
            while not expunged and time.monotonic() < deadline:
                imap.noop()
                expunged = imap.untagged_responses.get("EXPUNGE") == [b"1"]
                time.sleep(0.1)
            self.assertTrue(expunged, "the IMAP session learned of the POP3 delete")
            typ, data = imap.select("INBOX")
            self.assertEqual(data, [b"0"])
            imap.logout()


if __name__ == "__main__":
    unittest.main()
