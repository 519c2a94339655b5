"""End-to-end: the real mailsuite-imapd (and mta for delivery) driven the way Thunderbird drives an
IMAP server (thunderbird_client.py replays its commands, chosen from the advertised capabilities
as Thunderbird chooses them): first sync of an account, resync after changes made elsewhere,
five connections for one account at once, IDLE with new mail by SMTP.

The data and the command sequences follow a wire trace of Thunderbird 153.7 against Dovecot.
"""

import imaplib
import smtplib
import threading
import time
import unittest

from mailsuite_fixture import Suite
from thunderbird_client import (HEADER_FIELDS, ImapError, ThunderbirdImap, header_fields,
                                uid_set)

PASSWORD = "thunder-bird"
NAMES = ["tb-first", "tb-notrash", "tb-reconnect", "tb-five", "tb-condstore"]
USERS = {f"{n}@example.test": PASSWORD for n in NAMES}
DATE = "Mon, 23 Nov 2026 05:38:04 -0000"
IDLE_LIMIT = 1.0  # seconds from the SMTP 250 to "* n EXISTS" during IDLE (the bound)
FILLER_LINES = 4042


def seeded(user, token, subject, body, kind):
    """A message like the trace's test data (8bit UTF-8 body, CRLF lines)."""
    return (f"From: test seeder <seeder@example.test>\r\nTo: {user}\r\nSubject: {subject}\r\n"
            f"Date: {DATE}\r\nMessage-ID: <test.{token}.{kind}@example.test>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
            f"Content-Transfer-Encoding: 8bit\r\n\r\n{body}").encode("utf-8")


def big_body(token):
    # A line starting with "." checks SMTP dot-stuffing end to end.
    lines = [f"filler {i:05d} the quick brown fox jumps over the lazy dog 0123456789 abcdefg\r\n"
             for i in range(FILLER_LINES)]
    lines[100] = ".dot-led filler line\r\n"
    return "".join(lines) + f"token BIG-{token}\r\n"


def sent_message(user, token):
    """What Thunderbird saves to Sent after sending (trace, 401 octets there)."""
    return (f"Message-ID: <b6a6475f-1843-4c0f-b6a4-30e439048adb.{token}@example.test>\r\n"
            "Date: Mon, 23 Nov 2026 05:38:15 +0000\r\nMIME-Version: 1.0\r\n"
            f"User-Agent: Mozilla Thunderbird\r\nFrom: Test User <{user}>\r\nTo: {user}\r\n"
            f"Subject: test {token} sent by Thunderbird\r\n"
            "Content-Type: text/plain; charset=UTF-8; format=flowed\r\n"
            "Content-Transfer-Encoding: 7bit\r\n\r\n"
            f"Hello from Thunderbird.\r\ntoken SENT-{token}\r\n").encode()


class ThunderbirdTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.suite = Suite(users=USERS, daemons=("imapd", "mta")).start()

    @classmethod
    def tearDownClass(cls):
        cls.suite.__exit__(None, None, None)

    def setUp(self):
        self.clients = []

    def tearDown(self):
        for close in self.clients:
            try:
                close()
            except (OSError, imaplib.IMAP4.error):
                pass

    # --- helpers ------------------------------------------------------------------------------
    def thunderbird(self, user, tls=False, **options):
        """A new Thunderbird connection, logged in (authenticate, compress, enable, ID)."""
        port = self.suite.port("imaps" if tls else "imap")
        t = ThunderbirdImap("127.0.0.1", port, tls=tls, **options)
        self.clients.append(t.close)
        t.login(user, PASSWORD)
        return t

    def deliver(self, user, message):
        """SMTP like Thunderbird sends (BODY=8BITMIME SIZE=n); returns when 250 came back."""
        with smtplib.SMTP("127.0.0.1", self.suite.port("smtp"), timeout=60) as smtp:
            smtp.ehlo("[127.0.0.1]")
            smtp.sendmail("seeder@example.test", [user], message,
                          mail_options=["BODY=8BITMIME", f"SIZE={len(message)}"])
        return time.monotonic()

    def other_session(self, user):
        """Another client (another device) changing the mailbox: imaplib."""
        m = imaplib.IMAP4("127.0.0.1", self.suite.port("imap"), timeout=30)
        self.clients.append(m.shutdown)
        m.login(user, PASSWORD)
        return m

    def assert_delivered(self, body, items, original):
        """A message that came in by SMTP: the original bytes after the trace fields the mta
        prepends (Return-Path, Delivered-To, Received), sizes consistent."""
        self.assertEqual(int(items["RFC822.SIZE"]), len(body))
        self.assertTrue(body.endswith(original), body[:400])
        prepended = body[:len(body) - len(original)]
        self.assertRegex(prepended, rb"^Return-Path: <seeder@example\.test>\r\n")
        self.assertIn(b"\r\nReceived: from ", prepended)

    def header_item(self, items):
        keys = [k for k in items if k.startswith("BODY[HEADER.FIELDS (")]
        self.assertEqual(len(keys), 1, items.keys())
        names = keys[0][len("BODY[HEADER.FIELDS ("):-2].split()
        self.assertEqual(names, [n.upper() for n in HEADER_FIELDS])
        return items[keys[0]]

    def seed_account(self, user, token):
        """INBOX by SMTP as in the trace (read-me, trash-me, UTF-8, big), one message in
        Projects and an empty, subscribed Projects/sub. Returns {kind: original bytes}."""
        subject_utf8 = "=?UTF-8?B?dGJjaGVjayBkZGJiZGE3NiDDvG7Dr2PDuGTDqSDinJMgZmxhZy1tZQ==?="
        originals = {
            "read": seeded(user, token, f"test {token} read-me", f"token READ-{token}\r\n",
                           "read"),
            "trash": seeded(user, token, f"test {token} trash-me", f"token TRASH-{token}\r\n",
                            "trash"),
            "utf8": seeded(user, token, subject_utf8, f"token UTF8-{token} grüße\r\n", "utf8"),
            "big": seeded(user, token, f"test {token} big", big_body(token), "big"),
        }
        for kind in ("read", "trash", "utf8", "big"):
            self.deliver(user, originals[kind])
        originals["folder"] = seeded(user, token, f"test {token} in-folder",
                                     f"token FOLDER-{token}\r\n", "folder")
        m = self.other_session(user)
        for box in ("Projects", "Projects/sub"):
            self.assertEqual(m.create(box)[0], "OK")
            self.assertEqual(m.subscribe(box)[0], "OK")
        self.assertEqual(m.append("Projects", None, None, originals["folder"])[0], "OK")
        m.logout()
        return originals

    # --- the tests ----------------------------------------------------------------------------
    def test_first_sync(self):
        user, token = "tb-first@example.test", "ddbbda76"
        originals = self.seed_account(user, token)

        # Connection 1: folder discovery (trace imap#2).
        folders_conn = ThunderbirdImap("127.0.0.1", self.suite.port("imap"))
        self.clients.append(folders_conn.close)
        greeting_caps = folders_conn.greeting_capabilities
        self.assertIsNotNone(greeting_caps, "the greeting carries [CAPABILITY ...]")
        self.assertEqual(folders_conn.capability(), greeting_caps,
                         "CAPABILITY says what the greeting said")
        self.assertIn("AUTH=PLAIN", greeting_caps)
        login = folders_conn.login(user, PASSWORD)
        self.assertTrue(login.code().upper().startswith("CAPABILITY IMAP4REV1"), login.text)
        caps = folders_conn.capabilities
        for cap in ("IDLE", "UIDPLUS", "MOVE", "NAMESPACE", "ID", "LITERAL+"):
            self.assertIn(cap, caps)
        self.assertFalse([c for c in caps if c.startswith("AUTH=")],
                         "no AUTH= once logged in")
        ident = folders_conn.id_response.of_kind("ID")
        self.assertEqual(len(ident), 1)
        self.assertEqual(ident[0].tokens[1][0], b"name")
        self.assertEqual(folders_conn.namespace(), ("", "/"))
        folders, subscribed, sent = folders_conn.discover_folders()
        self.assertFalse([c for c in sent if c.startswith("create")],
                         "the server provides a \\Trash folder, so no Trash is created")
        self.assertIn("\\Trash", folders["Trash"])
        self.assertIn("\\Sent", folders["Sent"])
        for box in ("INBOX", "Projects", "Projects/sub"):
            self.assertIn(box, folders)
        self.assertLessEqual({"Projects", "Projects/sub"}, subscribed)

        # Connection 2: INBOX (trace imap#3).
        inbox_conn = self.thunderbird(user)
        state = inbox_conn.select("INBOX")
        self.assertEqual(state.exists, 4)
        self.assertTrue(state.read_write)
        self.assertIn("\\Seen", state.permanent_flags)
        flags, _ = inbox_conn.fetch_flags("1:*")
        uids = sorted(flags)
        self.assertEqual(len(uids), 4)
        self.assertEqual(state.uidnext, uids[-1] + 1)
        self.assertEqual([flags[u] & {"\\Seen", "\\Deleted"} for u in uids], [set()] * 4)
        kinds = dict(zip(uids, ("read", "trash", "utf8", "big")))
        by_kind = {k: u for u, k in kinds.items()}

        headers, _ = inbox_conn.fetch_headers(f"{uids[0]}:{uids[-1]}")
        self.assertEqual(sorted(headers), uids)
        bodies = {}
        for uid in uids:
            items, fetched = inbox_conn.fetch_body(uid)
            self.assertEqual(fetched.fetches()[0][0], uids.index(uid) + 1, "sequence number")
            bodies[uid] = items["BODY[]"]
            self.assert_delivered(bodies[uid], items, originals[kinds[uid]])
            self.assertEqual(headers[uid]["RFC822.SIZE"], items["RFC822.SIZE"])
            self.assertEqual(self.header_item(headers[uid]),
                             header_fields(bodies[uid], HEADER_FIELDS))
        self.assertIn(b"\r\nSubject: =?UTF-8?B?dGJjaGVjayBkZGJiZGE3NiDDvG7Dr2PDuGTDqSDinJMg"
                      b"ZmxhZy1tZQ==?=\r\n", self.header_item(headers[by_kind["utf8"]]))
        self.assertTrue(bodies[by_kind["utf8"]].endswith("grüße\r\n".encode()))
        self.assertEqual(int(headers[by_kind["big"]]["RFC822.SIZE"]),
                         len(bodies[by_kind["big"]]))
        self.assertGreater(len(bodies[by_kind["big"]]), 300000)

        # The preview: content headers plus the first 2048 octets of the text.
        for kind in ("big", "read"):
            uid = by_kind[kind]
            items, _ = inbox_conn.fetch_preview(uid)
            text = bodies[uid].split(b"\r\n\r\n", 1)[1]
            self.assertEqual(items["BODY[TEXT]<0>"], text[:2048])
            self.assertEqual(
                items["BODY[HEADER.FIELDS (CONTENT-TYPE CONTENT-TRANSFER-ENCODING)]"],
                b"Content-Type: text/plain; charset=UTF-8\r\n"
                b"Content-Transfer-Encoding: 8bit\r\n\r\n")
        flags, _ = inbox_conn.fetch_flags("1:*")
        self.assertFalse([u for u in uids if "\\Seen" in flags[u]], "PEEK leaves \\Seen alone")
        if inbox_conn.compressed:
            self.assertLess(inbox_conn.io.wire_in, inbox_conn.io.plain_in / 2,
                            "COMPRESS=DEFLATE shrinks the big body on the wire")

        # Reading a message: uid store +Flags (\Seen). The reply is the server's, unfiltered:
        # \Recent because this connection's SELECT was the first of INBOX (RFC 3501 2.3.2).
        stored = inbox_conn.store_seen(by_kind["read"])
        self.assertEqual(stored.fetches(), [(1, {"UID": str(by_kind["read"]),
                                                 "FLAGS": ["\\Recent", "\\Seen"]})])
        # The other folders' counts, from the folder connection (trace: STATUS).
        self.assertEqual(folders_conn.status("Projects/sub"),
                         {"UIDNEXT": 1, "MESSAGES": 0, "UNSEEN": 0, "RECENT": 0})
        projects = folders_conn.status("Projects")
        self.assertEqual((projects["MESSAGES"], projects["UNSEEN"], projects["UIDNEXT"]),
                         (1, 1, 2))
        inbox = folders_conn.status("INBOX")
        self.assertEqual((inbox["MESSAGES"], inbox["UNSEEN"]), (4, 3))

        # Another connection opens Projects (trace imap#4): an APPENDed message comes back
        # exactly as it went in.
        projects_conn = self.thunderbird(user)
        self.assertEqual(projects_conn.select("Projects").exists, 1)
        (folder_uid,) = projects_conn.fetch_flags("1:*")[0]
        folder_headers, _ = projects_conn.fetch_headers(str(folder_uid))
        self.assertEqual(self.header_item(folder_headers[folder_uid]),
                         header_fields(originals["folder"], HEADER_FIELDS))
        items, _ = projects_conn.fetch_body(folder_uid)
        self.assertEqual(items["BODY[]"], originals["folder"])

        # Delete = move to Trash (uid move), then resync: noop + UID fetch UIDNEXT:* (FLAGS).
        trash_before = folders_conn.status("Trash", "UIDNEXT UIDVALIDITY")
        moved = inbox_conn.move(by_kind["trash"], "Trash")
        self.assertIn(f"COPYUID {trash_before['UIDVALIDITY']} {by_kind['trash']} "
                      f"{trash_before['UIDNEXT']}", moved.codes())
        self.assertEqual(moved.numbers("EXPUNGE"), [2])
        inbox_conn.noop()
        tail, _ = inbox_conn.fetch_flags(f"{state.uidnext}:*")
        self.assertEqual(set(tail), {uids[-1]}, "n:* with n > every UID is the last message")

        # Connection 3 opens Trash (trace imap#6) and finds the moved message, same bytes.
        trash_conn = self.thunderbird(user)
        trash = trash_conn.select("Trash")
        self.assertEqual((trash.exists, trash.uidvalidity), (1, trash_before["UIDVALIDITY"]))
        trash_uid = trash_before["UIDNEXT"]
        self.assertEqual(set(trash_conn.fetch_flags("1:*")[0]), {trash_uid})
        items, _ = trash_conn.fetch_body(trash_uid)
        self.assertEqual(items["BODY[]"], bodies[by_kind["trash"]])

        # Sending: the copy goes to Sent by APPEND (APPENDUID), then Sent is synced.
        sent_before = folders_conn.status("Sent", "UIDNEXT UIDVALIDITY")
        copy = sent_message(user, token)
        appended = folders_conn.append("Sent", copy)
        self.assertEqual(appended.code(),
                         f"APPENDUID {sent_before['UIDVALIDITY']} {sent_before['UIDNEXT']}")
        sent_uid = sent_before["UIDNEXT"]
        sent_state = folders_conn.select("Sent")
        self.assertEqual((sent_state.exists, sent_state.uidnext), (1, sent_uid + 1))
        # \Recent: no session had Sent selected, so this SELECT claimed the copy (RFC 3501 2.3.2).
        self.assertEqual(folders_conn.fetch_flags("1:*")[0], {sent_uid: {"\\Recent", "\\Seen"}})
        sent_headers, _ = folders_conn.fetch_headers(str(sent_uid))
        self.assertEqual(self.header_item(sent_headers[sent_uid]),
                         header_fields(copy, HEADER_FIELDS))
        items, _ = folders_conn.fetch_body(sent_uid)
        self.assertEqual(items["BODY[]"], copy)
        self.assertEqual(int(items["RFC822.SIZE"]), len(copy))

        # IDLE, renewed with DONE + noop; new mail by SMTP arrives as "* n EXISTS".
        inbox_conn.idle_start()
        quiet, _ = inbox_conn.idle_wait(lambda u: True, 0.5)
        self.assertIsNone(quiet, "nothing changed, so IDLE stays silent")
        inbox_conn.idle_done()
        inbox_conn.noop()
        inbox_conn.idle_start()
        delivered_at = self.deliver(user, copy)
        exists, seen = inbox_conn.idle_wait(lambda u: u.kind == "EXISTS", IDLE_LIMIT + 1)
        waited = time.monotonic() - delivered_at
        self.assertIsNotNone(exists, f"no EXISTS during IDLE; got {seen!r}")
        self.assertEqual(exists.number, 4)
        self.assertLess(waited, IDLE_LIMIT, f"EXISTS came {waited:.2f}s after the 250")
        inbox_conn.idle_done()
        inbox_conn.noop()
        tail, _ = inbox_conn.fetch_flags(f"{state.uidnext}:*")
        self.assertEqual(set(tail), {state.uidnext})
        new_headers, _ = inbox_conn.fetch_headers(str(state.uidnext))
        self.assertIn(f"Subject: test {token} sent by Thunderbird\r\n".encode(),
                      self.header_item(new_headers[state.uidnext]))
        items, _ = inbox_conn.fetch_body(state.uidnext)
        self.assert_delivered(items["BODY[]"], items, copy)
        print(f"\n  IDLE: EXISTS {waited:.3f}s after SMTP 250", end=" ")

    def test_first_sync_creates_trash_when_none_exists(self):
        user = "tb-notrash@example.test"
        m = self.other_session(user)
        self.assertEqual(m.delete("Trash")[0], "OK")
        m.logout()
        t = self.thunderbird(user)
        folders, subscribed, sent = t.discover_folders()
        self.assertEqual(sent[-4:], ['list "" "Trash"', 'create "Trash"', 'subscribe "Trash"',
                                     'list "" "Trash"'])
        self.assertIn("Trash", folders)
        self.assertIn("Trash", subscribed)
        again = self.thunderbird(user)
        folders, subscribed, sent = again.discover_folders()
        self.assertFalse([c for c in sent if c.startswith("create")], sent)
        self.assertIn("Trash", subscribed)

    def test_reconnect_finds_changes_made_elsewhere(self):
        user, token = "tb-reconnect@example.test", "5e1ec7ed"
        originals = [seeded(user, token, f"test {token} m{i}", f"token M{i}-{token}\r\n",
                            f"m{i}") for i in range(3)]
        for o in originals:
            self.deliver(user, o)
        # What Thunderbird knows after its last session.
        first = self.thunderbird(user)
        known = first.select("INBOX")
        known_flags, _ = first.fetch_flags("1:*")
        a, b, c = sorted(known_flags)
        first.fetch_headers(uid_set([a, b, c]))
        first.close()
        # A connection that stays selected (and is not idling) learns at its next noop.
        live = self.thunderbird(user)
        live.select("INBOX")
        live.fetch_flags("1:*")

        # Meanwhile, elsewhere: a flag, a move to Trash by another client, new mail by SMTP.
        other = self.other_session(user)
        other.select("INBOX")
        self.assertEqual(other.uid("STORE", str(a), "+FLAGS", "(\\Flagged)")[0], "OK")
        self.assertEqual(other.uid("MOVE", str(b), "Trash")[0], "OK")
        other.logout()
        newer = seeded(user, token, f"test {token} newer", f"token NEW-{token}\r\n", "new")
        self.deliver(user, newer)

        # Thunderbird reconnects (trace: authenticate, ID, select, UID fetch 1:* (FLAGS), then
        # the header download of the UIDs it has not seen).
        again = self.thunderbird(user)
        state = again.select("INBOX")
        self.assertEqual(state.uidvalidity, known.uidvalidity, "UIDs stay valid")
        self.assertEqual(state.exists, 3)
        self.assertEqual(state.uidnext, known.uidnext + 1)
        flags, _ = again.fetch_flags("1:*")
        self.assertEqual({u: f & {"\\Flagged", "\\Seen", "\\Deleted"} for u, f in flags.items()},
                         {a: {"\\Flagged"}, c: set(), known.uidnext: set()})
        new_uids = sorted(u for u in flags if u >= known.uidnext)
        headers, _ = again.fetch_headers(uid_set(new_uids))
        self.assertEqual(self.header_item(headers[known.uidnext]),
                         header_fields(again.fetch_body(known.uidnext)[0]["BODY[]"],
                                       HEADER_FIELDS))
        self.assertIn(f"Message-ID: <test.{token}.new@example.test>\r\n".encode(),
                      self.header_item(headers[known.uidnext]))
        trash = self.thunderbird(user)
        trash.select("Trash")
        moved = [items for _, items in trash.fetch_headers("1:*")[1].fetches()]
        self.assertEqual(len(moved), 1)
        self.assertIn(f"Message-ID: <test.{token}.m1@example.test>\r\n".encode(),
                      self.header_item(moved[0]))

        # The live connection: noops report the flag change, the expunge and the new message,
        # in whatever order the server chooses (RFC 3501 7.4.1: EXPUNGE renumbers at once).
        seen, count = [], known.exists
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            for u in live.noop().untagged:
                seen.append(u)
                if u.kind == "EXISTS":
                    count = u.number
                elif u.kind == "EXPUNGE":
                    count -= 1
            if count == 3 and {"EXPUNGE", "FETCH"} <= {u.kind for u in seen}:
                break
            time.sleep(0.1)
        self.assertEqual([u.number for u in seen if u.kind == "EXPUNGE"], [2], seen)
        self.assertEqual(count, 3, seen)
        flag_updates = [u.fetch_items() for u in seen if u.kind == "FETCH" and u.number == 1]
        self.assertTrue(flag_updates and "\\Flagged" in flag_updates[-1]["FLAGS"], seen)
        tail, _ = live.fetch_flags(f"{known.uidnext}:*")
        self.assertEqual(set(tail), {known.uidnext})

    def test_five_connections_at_once_over_tls(self):
        user, token = "tb-five@example.test", "f1ve0000"
        self.deliver(user, seeded(user, token, "first", "one\r\n", "one"))
        m = self.other_session(user)
        self.assertEqual(m.create("Projects")[0], "OK")
        # Thunderbird shows subscribed folders only (LIST (SUBSCRIBED) with LIST-EXTENDED).
        self.assertEqual(m.subscribe("Projects")[0], "OK")
        m.logout()
        boxes = [None, "INBOX", "Projects", "Trash", "Sent"]  # None: the folder connection
        conns, errors = [None] * 5, []
        ready = threading.Barrier(6, timeout=60)

        def open_connection(i):
            try:
                t = self.thunderbird(user, tls=True)
                if boxes[i] is None:
                    t.namespace()
                    folders, _, _ = t.discover_folders()
                    if "Projects" not in folders:
                        raise ImapError(f"folder list {folders!r}")
                else:
                    state = t.select(boxes[i])
                    flags, _ = t.fetch_flags("1:*")
                    if len(flags) != state.exists:
                        raise ImapError(f"{boxes[i]}: {state.exists} EXISTS, flags {flags!r}")
                    if flags:
                        t.fetch_headers(uid_set(flags))
                    t.idle_start()
                conns[i] = t
            except Exception as e:  # reported below, after every thread is done
                errors.append((i, e))
            finally:
                try:
                    ready.wait()
                except threading.BrokenBarrierError:
                    pass

        threads = [threading.Thread(target=open_connection, args=(i,)) for i in range(5)]
        for th in threads:
            th.start()
        ready.wait()
        for th in threads:
            th.join(60)
        self.assertEqual(errors, [])

        # New mail in INBOX by SMTP, a new message in Projects from another device.
        delivered_at = self.deliver(user, seeded(user, token, "second", "two\r\n", "two"))
        exists, _ = conns[1].idle_wait(lambda u: u.kind == "EXISTS", IDLE_LIMIT + 1)
        self.assertIsNotNone(exists, conns[1].last_exchange())
        self.assertEqual(exists.number, 2)
        self.assertLess(time.monotonic() - delivered_at, IDLE_LIMIT)
        m = self.other_session(user)
        self.assertEqual(m.append("Projects", None, None, b"Subject: p\r\n\r\np\r\n")[0], "OK")
        m.logout()
        exists, _ = conns[2].idle_wait(lambda u: u.kind == "EXISTS", IDLE_LIMIT + 1)
        self.assertIsNotNone(exists, conns[2].last_exchange())
        self.assertEqual(exists.number, 1)
        for i in (3, 4):
            quiet, seen = conns[i].idle_wait(lambda u: u.kind in ("EXISTS", "EXPUNGE"), 0.2)
            self.assertIsNone(quiet, f"{boxes[i]} did not change: {seen!r}")
        for t in conns[1:]:
            t.idle_done()
            t.noop()
        self.assertEqual(conns[0].status("INBOX", "MESSAGES")["MESSAGES"], 2)

    def test_condstore_when_opted_in(self):
        """Thunderbird's CONDSTORE mode (an opt-in): SELECT (CONDSTORE) and a flag resync with
        CHANGEDSINCE. Runs once the server offers CONDSTORE."""
        user = "tb-condstore@example.test"
        t = self.thunderbird(user, use_condstore=True)
        if not t.has("CONDSTORE"):
            self.skipTest("the server does not offer CONDSTORE yet")
        for i in range(2):
            self.deliver(user, seeded(user, "c0nd", f"c{i}", "x\r\n", f"c{i}"))
        state = t.select("INBOX")
        self.assertIsNotNone(state.highestmodseq, "SELECT (CONDSTORE) gives HIGHESTMODSEQ")
        flags, _ = t.fetch_flags("1:*")
        first, second = sorted(flags)
        other = self.other_session(user)
        other.select("INBOX")
        self.assertEqual(other.uid("STORE", str(second), "+FLAGS", "(\\Flagged)")[0], "OK")
        other.logout()
        t.noop()
        changed, r = t.fetch_flags("1:*", changed_since=state.highestmodseq)
        self.assertEqual(set(changed), {second})
        self.assertIn("\\Flagged", changed[second])
        self.assertTrue(all("MODSEQ" in items for _, items in r.fetches()), r)


if __name__ == "__main__":
    unittest.main()
