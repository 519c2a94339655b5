"""End-to-end: two-way sync between the real mailsuite-imapd and a local Maildir with mbsync
(isync), over plain IMAP on loopback and over IMAPS with the suite's certificate.

mbsync stores messages in the Maildir with LF line ends and adds an `X-TUID:` header (its
tracking id) to the messages it copies; "byte-exact" below means equal after exactly these two
changes. Skipped when mbsync is not installed (etc/install-deps.sh installs isync).
"""

import glob
import imaplib
import os
import re
import shutil
import smtplib
import subprocess
import tempfile
import unittest

from mailsuite_fixture import Suite

PASSWORD = "sync-me"
USERS = {"mb-plain@example.test": PASSWORD, "mb-tls@example.test": PASSWORD}
MBSYNC = shutil.which("mbsync")
TUID = re.compile(rb"^X-TUID: [A-Za-z0-9+/]{12}\n", re.M)


def message(user, kind, body):
    return (f"From: Sender <sender@example.org>\r\nTo: {user}\r\nSubject: sync {kind}\r\n"
            f"Date: Mon, 23 Nov 2026 05:38:04 -0000\r\nMessage-ID: <{kind}.{user}>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
            f"Content-Transfer-Encoding: 8bit\r\n\r\n{body}").encode()


def as_stored_locally(server_bytes):
    return server_bytes.replace(b"\r\n", b"\n")


def without_tuid(data):
    return TUID.sub(b"", data, count=1)


@unittest.skipIf(MBSYNC is None, "mbsync (Debian package isync) is not installed")
class MbsyncTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.suite = Suite(users=USERS, daemons=("imapd", "mta")).start()

    @classmethod
    def tearDownClass(cls):
        cls.suite.__exit__(None, None, None)

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mailsuite-mbsync-")
        self.maildir = os.path.join(self.dir, "mail")
        os.makedirs(self.maildir)
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)

    # --- helpers ------------------------------------------------------------------------------
    def write_config(self, user, tls):
        port = self.suite.port("imaps" if tls else "imap")
        security = (f"SSLType IMAPS\nCertificateFile {os.path.join(self.suite.dir, 'cert.pem')}"
                    if tls else "SSLType None")
        path = os.path.join(self.dir, "mbsyncrc")
        with open(path, "w") as f:
            f.write(f"""IMAPAccount suite
Host 127.0.0.1
Port {port}
User {user}
Pass {PASSWORD}
{security}

IMAPStore far
Account suite

MaildirStore near
Path {self.maildir}/
Inbox {self.maildir}/INBOX
SubFolders Verbatim

Channel both
Far :far:
Near :near:
Patterns INBOX Projects
Create Both
Expunge Both
SyncState *
""")
        self.config = path

    def mbsync(self):
        """One `mbsync -V -a`; fails the test with mbsync's own account of the exchange."""
        r = subprocess.run([MBSYNC, "-V", "-c", self.config, "-a"], capture_output=True,
                           text=True, timeout=120)
        self.assertEqual(r.returncode, 0, f"mbsync failed:\n{r.stdout[-4000:]}\n{r.stderr}")
        self.assertNotIn("Error", r.stderr, r.stderr)
        return r

    def imap(self, user):
        m = imaplib.IMAP4("127.0.0.1", self.suite.port("imap"), timeout=30)
        self.addCleanup(lambda: m.shutdown())
        m.login(user, PASSWORD)
        return m

    def server_messages(self, m, box):
        """{uid: (flags, BODY[])} of a server folder."""
        typ, _ = m.select(box)
        self.assertEqual(typ, "OK")
        typ, data = m.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[])")
        self.assertEqual(typ, "OK", data)
        out = {}
        for item in data:
            if isinstance(item, tuple):
                uid = int(re.search(rb"UID (\d+)", item[0]).group(1))
                flags = re.search(rb"FLAGS \(([^)]*)\)", item[0]).group(1).decode().split()
                out[uid] = (set(flags), item[1])
        return out

    def local_messages(self, box):
        """{file path: bytes} of a local Maildir folder (new/ and cur/)."""
        out = {}
        for sub in ("new", "cur"):
            for path in glob.glob(os.path.join(self.maildir, box, sub, "*")):
                with open(path, "rb") as f:
                    out[path] = f.read()
        return out

    @staticmethod
    def local_uid(path):
        m = re.search(r",U=(\d+)", os.path.basename(path))
        return int(m.group(1)) if m else None

    @staticmethod
    def local_flags(path):
        _, _, info = os.path.basename(path).partition(":2,")
        return set(info)

    def assert_in_sync(self, m, box):
        """Both sides hold the same messages (byte-exact as described above), paired by UID."""
        server = self.server_messages(m, box)
        local = self.local_messages(box)
        self.assertEqual(sorted(self.local_uid(p) for p in local), sorted(server),
                         f"{box}: local files {sorted(local)}")
        for path, data in local.items():
            _, body = server[self.local_uid(path)]
            self.assertEqual(without_tuid(data), without_tuid(as_stored_locally(body)),
                             f"{box}: {path}")
        return server, local

    # --- the scenario -------------------------------------------------------------------------
    def two_way_sync(self, user, tls):
        originals = [message(user, f"m{i}", f"body {i}\r\n") for i in range(3)]
        originals[2] = message(user, "m2", "grüße\r\n.dot-led line\r\nend\r\n")
        with smtplib.SMTP("127.0.0.1", self.suite.port("smtp"), timeout=60) as smtp:
            for o in originals:
                smtp.sendmail("sender@example.org", [user], o, mail_options=["BODY=8BITMIME"])
        m = self.imap(user)
        self.assertEqual(m.create("Projects")[0], "OK")
        in_folder = message(user, "folder", "in a folder\r\n")
        self.assertEqual(m.append("Projects", "(\\Flagged)", None, in_folder)[0], "OK")
        self.write_config(user, tls)

        # 1. Initial pull: everything arrives, byte-exact, with flags.
        self.mbsync()
        inbox, local = self.assert_in_sync(m, "INBOX")
        self.assertEqual(len(inbox), 3)
        for o in originals:
            self.assertEqual(sum(as_stored_locally(o) in without_tuid(d) for d in local.values()),
                             1)
        _, projects = self.assert_in_sync(m, "Projects")
        self.assertEqual([self.local_flags(p) for p in projects], [{"F"}])
        uid = {kind: next(u for u, (_, body) in inbox.items() if f"<{kind}.".encode() in body)
               for kind in ("m0", "m1", "m2")}

        # 2. A flag set locally (maildir flag S) reaches the server.
        path = next(p for p in local if self.local_uid(p) == uid["m0"])
        seen_path = os.path.join(self.maildir, "INBOX", "cur",
                                 os.path.basename(path).split(":2,")[0] + ":2,S")
        os.rename(path, seen_path)
        self.mbsync()
        inbox, _ = self.assert_in_sync(m, "INBOX")
        self.assertIn("\\Seen", inbox[uid["m0"]][0])
        self.assertNotIn("\\Seen", inbox[uid["m1"]][0])

        # 3. A message moved on the server (UID MOVE) moves locally.
        m.select("INBOX")
        typ, data = m.uid("MOVE", str(uid["m1"]), "Projects")
        self.assertEqual(typ, "OK", data)
        self.mbsync()
        inbox, local = self.assert_in_sync(m, "INBOX")
        self.assertEqual(sorted(inbox), sorted([uid["m0"], uid["m2"]]))
        projects, local_projects = self.assert_in_sync(m, "Projects")
        self.assertEqual(len(projects), 2)
        self.assertEqual(sum(as_stored_locally(originals[1]) in without_tuid(d)
                             for d in local_projects.values()), 1)

        # 4. A message added locally is APPENDed to the server.
        added = (f"From: {user}\nTo: friend@example.org\nSubject: sync local\n"
                 f"Message-ID: <local.{user}>\n\nwritten offline\n").encode()
        with open(os.path.join(self.maildir, "INBOX", "new", "1795400000.1_1.local"),
                  "wb") as f:
            f.write(added)
        self.mbsync()
        inbox, local = self.assert_in_sync(m, "INBOX")
        self.assertEqual(len(inbox), 3)
        new_uid = max(inbox)
        self.assertGreater(new_uid, uid["m2"])
        self.assertEqual(without_tuid(as_stored_locally(inbox[new_uid][1])), added)

        # 5. A message deleted on the server disappears locally (Expunge Both).
        m.select("INBOX")
        self.assertEqual(m.uid("STORE", str(uid["m2"]), "+FLAGS", "(\\Deleted)")[0], "OK")
        self.assertEqual(m.expunge()[0], "OK")
        self.mbsync()
        inbox, local = self.assert_in_sync(m, "INBOX")
        self.assertEqual(sorted(inbox), [uid["m0"], new_uid])
        self.assertFalse([d for d in local.values() if b"<m2." in d])

        # 6. Nothing left to do: another run changes neither side.
        before = (sorted(self.local_messages("INBOX")), sorted(self.local_messages("Projects")))
        r = self.mbsync()
        self.assertEqual(before, (sorted(self.local_messages("INBOX")),
                                  sorted(self.local_messages("Projects"))), r.stdout)
        self.assertEqual(len(self.server_messages(m, "Projects")), 2)

    def test_plain_imap(self):
        self.two_way_sync("mb-plain@example.test", tls=False)

    def test_imaps_with_the_suite_certificate(self):
        self.two_way_sync("mb-tls@example.test", tls=True)


if __name__ == "__main__":
    unittest.main()
