"""Moving a site from SQLite to PostgreSQL (issue #16): `mailsuite migrate --to URL` copies and
verifies the store, the daemons restart on PostgreSQL, and an IMAP client that was synchronised
before the move resynchronises with QRESYNC: the same UIDVALIDITY, only what changed after its
last sync (a flag, an expunge), no full download. Runs as e2e.pg.test_migrate (it needs the
test cluster)."""

import imaplib
import poplib
import re
import smtplib
import unittest

from mailsuite_fixture import PostgresDatabase, Suite, testing_postgres

PASSWORD = "correct horse"


class RawImap:
    """Just enough IMAP to send QRESYNC commands and read every untagged line."""

    def __init__(self, host, port):
        self.imap = imaplib.IMAP4(host, port, timeout=30)
        self.n = 0

    def command(self, text):
        self.n += 1
        tag = f"m{self.n}"
        self.imap.send(f"{tag} {text}\r\n".encode())
        lines = []
        while True:
            line = self.imap.readline().decode()
            if line.startswith(tag + " "):
                if not line.startswith(tag + " OK"):
                    raise AssertionError(f"{text}: {line}")
                return lines
            lines.append(line.rstrip("\r\n"))


@unittest.skipUnless(testing_postgres(), "needs the PostgreSQL test cluster: see e2e.pg.test_migrate")
class MigrateTest(unittest.TestCase):
    def test_migrated_site_resyncs_with_qresync_without_a_full_download(self):
        target = PostgresDatabase()
        try:
            with Suite(users={"alice@example.test": PASSWORD}, sqlite=True) as s:
                for i in range(1, 7):
                    with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=30) as c:
                        c.sendmail("bob@example.org", ["alice@example.test"],
                                   f"Subject: m{i}\r\n\r\nbody {i}\r\n")
                client = RawImap("127.0.0.1", s.port("imap"))
                client.command(f'LOGIN alice@example.test "{PASSWORD}"')
                client.command("ENABLE QRESYNC")
                client.command("SELECT INBOX")
                client.command("UID STORE 1:2 +FLAGS (\\Seen)")
                client.command("UID STORE 5 +FLAGS (\\Deleted)")
                client.command("UID EXPUNGE 5")
                # The client's state: what it would keep in its cache.
                status = " ".join(client.command("STATUS INBOX (UIDVALIDITY HIGHESTMODSEQ)"))
                uidvalidity = int(re.search(r"UIDVALIDITY (\d+)", status).group(1))
                synced_modseq = int(re.search(r"HIGHESTMODSEQ (\d+)", status).group(1))
                # Changes after its last sync, made by another session.
                client.command("UID STORE 3 +FLAGS (\\Flagged)")
                client.command("UID STORE 4 +FLAGS (\\Deleted)")
                client.command("UID EXPUNGE 4")
                client.command("LOGOUT")
                for name in ("mta", "pop3d", "imapd"):
                    self.assertEqual(s.stop_daemon(name), 0)

                r = s.cli("migrate", "--to", target.url, check=False)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                self.assertIn("messages: 4", r.stdout)
                self.assertIn("verified", r.stdout)
                again = s.cli("migrate", "--to", target.url, check=False)
                self.assertEqual(again.returncode, 1)
                self.assertIn("already holds a mailsuite store", again.stderr)

                on_pg = ["store.backend=postgresql", f"store.url={target.url}"]
                for name in ("mta", "pop3d", "imapd"):
                    s.start_daemon(name, on_pg)
                client = RawImap("127.0.0.1", s.port("imap"))
                client.command(f'LOGIN alice@example.test "{PASSWORD}"')  # the same hash
                client.command("ENABLE QRESYNC")
                lines = client.command(
                    f"SELECT INBOX (QRESYNC ({uidvalidity} {synced_modseq}))")
                text = "\n".join(lines)
                self.assertIn(f"[UIDVALIDITY {uidvalidity}]", text)
                self.assertIn("* VANISHED (EARLIER) 4", text)
                fetches = [line for line in lines if " FETCH " in line]
                self.assertEqual(len(fetches), 1, text)  # only the flag change, no download
                self.assertIn("UID 3", fetches[0])
                self.assertIn("\\Flagged", fetches[0])
                self.assertIn("* 4 EXISTS", text)
                # New mail continues the UIDs; POP3 works on the migrated store.
                with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=30) as c:
                    c.sendmail("bob@example.org", ["alice@example.test"], "Subject: new\r\n\r\nx\r\n")
                client.command("NOOP")  # the new message is announced
                search = [line for line in client.command("UID SEARCH ALL")
                          if line.startswith("* SEARCH")]
                self.assertEqual(search, ["* SEARCH 1 2 3 6 7"])
                client.command("LOGOUT")
                pop = poplib.POP3("127.0.0.1", s.port("pop3"), timeout=30)
                pop.user("alice@example.test")
                pop.pass_(PASSWORD)
                self.assertEqual(pop.stat()[0], 5)
                pop.quit()
        finally:
            target.drop()


if __name__ == "__main__":
    unittest.main()
