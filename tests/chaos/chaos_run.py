#!/usr/bin/env python3
"""Crash consistency under load (issue #14, check 4).

Starts the real daemons on a temporary store, keeps them busy at full speed
  - SMTP senders (one message per transaction, to a local user),
  - an IMAP session on another user doing APPEND, STORE +FLAGS, UID EXPUNGE and UID MOVE,
  - POP3 sessions on a third user doing DELE of two messages and QUIT,
while a killer SIGKILLs a daemon at a random moment and restarts it, --kills times (shared
evenly among the three daemons, in random order).
Every client records what the server acknowledged ("250", "OK", "+OK" to QUIT) and what it
sent without seeing the answer (the kill came first: uncertain). Afterwards, with the daemons
restarted cleanly:
  - every message that got a 250 or an APPEND OK is there exactly once, with its whole body;
    any other message that is there is whole too (never half-visible), and none is there twice;
  - every acknowledged \\Flagged is set, every acknowledged expunge and POP3 deletion is gone,
    every acknowledged MOVE is in the target folder only; an unacknowledged POP3 QUIT deleted
    all of its messages or none;
  - PRAGMA integrity_check says ok and `mailsuite check` (the store's own consistency check)
    passes.

    tests/chaos/chaos_run.py --build build-test-plain --kills 300     # 100 per daemon
    ctest -L chaos                                                     # the short form in CI

Every loop is bounded by a count and a deadline, and only loopback addresses are used.
"""
import argparse
import imaplib
import os
import poplib
import random
import re
import signal
import smtplib
import socket
import sqlite3
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PASSWORD = "chaos-password"
SMTP_USER = "smtp-sink@example.test"
IMAP_USER = "imap-worker@example.test"
POP3_USER = "pop3-worker@example.test"
POP3_FILL = 400
DAEMONS = ("mta", "imapd", "pop3d")
CLIENT_ERRORS = (OSError, EOFError, smtplib.SMTPException, imaplib.IMAP4.error,
                 imaplib.IMAP4.abort, poplib.error_proto)


def body_for(token):
    # Long enough to span several TCP segments and store pages; checkable from the token.
    return "".join(f"{token} line {i:04d} of a message the crash must not cut\r\n"
                   for i in range(60))


def message_for(token):
    return (f"From: chaos@example.org\r\nTo: someone@example.test\r\nSubject: {token}\r\n"
            f"Message-ID: <{token}@chaos.example.org>\r\n\r\n{body_for(token)}")


class Ledger:
    """What one worker saw acknowledged, and what it cannot know."""

    def __init__(self):
        self.lock = threading.Lock()
        self.acked = set()
        self.uncertain = set()

    def add(self, acked, item):
        with self.lock:
            (self.acked if acked else self.uncertain).add(item)


class Worker(threading.Thread):
    def __init__(self, suite, stop, deadline):
        super().__init__(daemon=True)
        self.suite = suite
        self.stop = stop
        self.deadline = deadline
        self.errors = 0  # connections lost or refused (expected: daemons die)
        self.failure = None  # anything that is not a lost connection

    def port(self, listener):
        return self.suite.ports[listener]

    def run(self):
        try:
            while not self.stop.is_set() and time.monotonic() < self.deadline:
                try:
                    self.session()
                except CLIENT_ERRORS:
                    self.errors += 1
                    time.sleep(0.02)
        except Exception as e:  # a bug in the checker or a protocol surprise: report it
            self.failure = repr(e)


class SmtpWorker(Worker):
    def __init__(self, suite, stop, deadline, name):
        super().__init__(suite, stop, deadline)
        self.name = name
        self.n = 0
        self.ledger = Ledger()

    def session(self):
        with smtplib.SMTP("127.0.0.1", self.port("smtp"), timeout=10) as c:
            while not self.stop.is_set() and time.monotonic() < self.deadline:
                self.n += 1
                token = f"smtp-{self.name}-{self.n}"
                try:
                    c.sendmail("chaos@example.org", [SMTP_USER], message_for(token))
                except Exception:
                    self.ledger.add(False, token)
                    raise
                self.ledger.add(True, token)


class ImapWorker(Worker):
    def __init__(self, suite, stop, deadline):
        super().__init__(suite, stop, deadline)
        self.n = 0
        self.appended = Ledger()  # tokens
        self.flagged = Ledger()
        self.expunged = Ledger()
        self.moved = Ledger()
        self.uids = {}  # token -> INBOX UID, for appends that were acknowledged
        self.live = []  # acknowledged appends still in INBOX as far as we know

    def session(self):
        c = imaplib.IMAP4("127.0.0.1", self.port("imap"), timeout=10)
        try:
            c.login(IMAP_USER, PASSWORD)
            c.select("INBOX")
            while not self.stop.is_set() and time.monotonic() < self.deadline:
                self.step(c)
        finally:
            try:
                c.shutdown()
            except Exception:
                pass

    def step(self, c):
        action = random.choice(("append", "append", "flag", "expunge", "move"))
        if action == "append" or not self.live:
            self.n += 1
            token = f"imap-{self.n}"
            self.appended.add(False, token)  # until the OK proves otherwise
            typ, data = c.append("INBOX", None, None, message_for(token).encode())
            if typ != "OK":
                raise AssertionError(f"APPEND {token}: {typ} {data}")
            m = re.search(rb"APPENDUID \d+ (\d+)", data[0])
            with self.appended.lock:
                self.appended.uncertain.discard(token)
                self.appended.acked.add(token)
            self.uids[token] = m.group(1).decode()
            self.live.append(token)
            return
        token = random.choice(self.live)
        uid = self.uids[token]
        ledger = {"flag": self.flagged, "expunge": self.expunged, "move": self.moved}[action]
        ledger.add(False, token)
        try:
            if action == "flag":
                typ, data = c.uid("STORE", uid, "+FLAGS.SILENT", "(\\Flagged)")
            elif action == "expunge":
                typ, data = c.uid("STORE", uid, "+FLAGS.SILENT", "(\\Deleted)")
                if typ == "OK":
                    typ, data = c.uid("EXPUNGE", uid)
            else:
                typ, data = c.uid("MOVE", uid, "Moved")
        except Exception:
            # Unanswered: where the message is now is unknown, so it takes no further part.
            if action != "flag":
                self.live.remove(token)
            raise
        if typ != "OK":
            raise AssertionError(f"{action} {token}: {typ} {data}")
        with ledger.lock:
            ledger.uncertain.discard(token)
            ledger.acked.add(token)
        if action in ("expunge", "move"):
            self.live.remove(token)


class Pop3Worker(Worker):
    def __init__(self, suite, stop, deadline):
        super().__init__(suite, stop, deadline)
        self.deleted = set()  # UIDLs whose QUIT got +OK
        self.groups = []  # UIDL sets whose QUIT was not answered: all gone or none
        self.avoid = set()  # their members, left alone from then on
        self.in_use = 0

    def session(self):
        c = poplib.POP3("127.0.0.1", self.port("pop3"), timeout=10)
        try:
            c.user(POP3_USER)
            try:
                c.pass_(PASSWORD)
            except poplib.error_proto as e:
                if "IN-USE" in str(e):
                    self.in_use += 1  # a session of the killed daemon may still be ending
                    time.sleep(0.05)
                    return
                if "EOF" in str(e):
                    raise  # the daemon died under us
                raise AssertionError(f"POP3 login: {e}")
            listing = [line.split() for line in c.uidl()[1]]
            candidates = [(int(n), uidl.decode()) for n, uidl in listing
                          if uidl.decode() not in self.deleted | self.avoid]
            chosen = random.sample(candidates, min(2, len(candidates)))
            for n, _ in chosen:
                c.dele(n)
            group = {uidl for _, uidl in chosen}
            try:
                c.quit()
            except Exception:
                self.groups.append(group)
                self.avoid |= group
                raise
            self.deleted |= group
            time.sleep(0.01)
        finally:
            try:
                c.close()
            except Exception:
                pass


def fetch_all(suite, user, folder):
    """token -> list of (flags, body) for every message of a folder."""
    c = imaplib.IMAP4("127.0.0.1", suite.ports["imap"], timeout=30)
    c.login(user, PASSWORD)
    c.select(folder, readonly=True)
    out = {}
    typ, data = c.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY.PEEK[TEXT])")
    c.logout()
    items = [d for d in data if isinstance(d, tuple)]
    # Each message comes as two tuples (the subject, then the text) and a closing b")".
    for i in range(0, len(items), 2):
        meta, subject = items[i]
        _, text = items[i + 1]
        token = subject.decode().split(":", 1)[1].strip()
        flags = re.search(rb"FLAGS \(([^)]*)\)", meta + items[i + 1][0]).group(1).decode()
        out.setdefault(token, []).append((flags, text.decode()))
    return out


def pop3_uidls(suite):
    c = poplib.POP3("127.0.0.1", suite.ports["pop3"], timeout=30)
    c.user(POP3_USER)
    c.pass_(PASSWORD)
    uidls = {line.split()[1].decode() for line in c.uidl()[1]}
    c.quit()
    return uidls


def check(suite, smtp_workers, imap, pop3):
    problems = []
    counts = {}

    def whole(token, copies):
        for _, text in copies:
            if text != body_for(token):
                problems.append(f"{token}: stored body differs from what was sent "
                                f"({len(text)} of {len(body_for(token))} bytes)")

    # SMTP: every 250 exactly once; anything else at most once and whole.
    inbox = fetch_all(suite, SMTP_USER, "INBOX")
    acked = set().union(*(w.ledger.acked for w in smtp_workers))
    uncertain = set().union(*(w.ledger.uncertain for w in smtp_workers))
    for token, copies in inbox.items():
        whole(token, copies)
        if len(copies) != 1:
            problems.append(f"{token}: {len(copies)} copies")
        if token not in acked and token not in uncertain:
            problems.append(f"{token}: present but never sent")
    for token in acked:
        if token not in inbox:
            problems.append(f"{token}: got 250 but is missing")
    counts["smtp"] = (f"{len(acked)} messages acknowledged with 250, all present once; "
                      f"{len(uncertain)} unanswered, "
                      f"{len(uncertain & set(inbox))} of them stored (whole)")

    # IMAP: appends, flags, expunges, moves.
    in_inbox = fetch_all(suite, IMAP_USER, "INBOX")
    in_moved = fetch_all(suite, IMAP_USER, "Moved")
    for token in set(in_inbox) | set(in_moved):
        copies = in_inbox.get(token, []) + in_moved.get(token, [])
        whole(token, copies)
        if len(copies) != 1:
            problems.append(f"{token}: {len(copies)} copies over INBOX and Moved")
    unsure = imap.expunged.uncertain | imap.moved.uncertain
    for token in imap.appended.acked:
        if token in imap.expunged.acked:
            if token in in_inbox or token in in_moved:
                problems.append(f"{token}: expunge acknowledged, still present")
        elif token in imap.moved.acked:
            if token not in in_moved or token in in_inbox:
                problems.append(f"{token}: MOVE acknowledged, not (only) in Moved")
        elif token not in unsure and token not in in_inbox:
            problems.append(f"{token}: APPEND acknowledged, missing from INBOX")
        if token in imap.flagged.acked and token not in imap.expunged.acked:
            copies = in_inbox.get(token, []) + in_moved.get(token, [])
            if copies and "\\Flagged" not in copies[0][0]:
                problems.append(f"{token}: \\Flagged acknowledged, not set")
    counts["imap"] = (f"{len(imap.appended.acked)} APPENDs, {len(imap.flagged.acked)} flag "
                      f"changes, {len(imap.expunged.acked)} expunges, {len(imap.moved.acked)} "
                      f"MOVEs acknowledged and found; "
                      f"{len(imap.appended.uncertain | imap.flagged.uncertain | unsure)} "
                      f"commands unanswered")

    # POP3: acknowledged deletions gone; unanswered QUITs all or nothing.
    present = pop3_uidls(suite)
    for uidl in pop3.deleted & present:
        problems.append(f"POP3 {uidl}: QUIT acknowledged its deletion, still there")
    half = [g for g in pop3.groups if (g & present) and (g - present)]
    for g in half:
        problems.append(f"POP3 deletion of {sorted(g)} half done")
    counts["pop3"] = (f"{len(pop3.deleted)} deletions acknowledged and gone; "
                      f"{len(pop3.groups)} QUITs unanswered, none half done; "
                      f"{pop3.in_use} logins refused [IN-USE] just after a kill")
    return problems, counts


def run(build, kills, seconds, seed):
    os.environ["MAILSUITE_BUILD_DIR"] = os.path.abspath(build)
    sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
    from mailsuite_fixture import Suite  # noqa: E402

    rng = random.Random(seed)
    users = {SMTP_USER: PASSWORD, IMAP_USER: PASSWORD, POP3_USER: PASSWORD}
    suite = Suite(users=users, settings={"log.level": "notice",
                                         "server.shutdown_grace_seconds": "1"})
    suite.start()
    ok = False
    try:
        c = imaplib.IMAP4("127.0.0.1", suite.ports["imap"], timeout=30)
        c.login(IMAP_USER, PASSWORD)
        c.create("Moved")
        c.logout()
        with smtplib.SMTP("127.0.0.1", suite.ports["smtp"], timeout=30) as s:
            for i in range(POP3_FILL):
                s.sendmail("chaos@example.org", [POP3_USER], message_for(f"pop3-fill-{i}"))

        stop = threading.Event()
        deadline = time.monotonic() + seconds
        smtp_workers = [SmtpWorker(suite, stop, deadline, str(i)) for i in range(2)]
        imap = ImapWorker(suite, stop, deadline)
        pop3 = Pop3Worker(suite, stop, deadline)
        workers = smtp_workers + [imap, pop3]
        for w in workers:
            w.start()
        killed = {d: 0 for d in DAEMONS}
        # Each daemon gets its share of the kills, in a random order, at random moments.
        schedule = [DAEMONS[i % len(DAEMONS)] for i in range(kills)]
        rng.shuffle(schedule)
        for name in schedule:
            if time.monotonic() > deadline:
                break
            time.sleep(rng.uniform(0.05, 0.4))
            proc = suite.procs[name]
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            killed[name] += 1
            suite.procs.pop(name)
            suite.start_daemon(name)
        stop.set()
        for w in workers:
            w.join(timeout=60)
        failures = [w.failure for w in workers if w.failure]
        if failures:
            print("client failures:", *failures, sep="\n  ")
            return 1

        problems, counts = check(suite, smtp_workers, imap, pop3)
        codes = suite.stop()
        if any(codes.values()):
            problems.append(f"daemons exited uncleanly at the end: {codes}")
        db = sqlite3.connect(os.path.join(suite.dir, "mailsuite.db"))
        integrity = db.execute("PRAGMA integrity_check").fetchall()
        db.close()
        if integrity != [("ok",)]:
            problems.append(f"PRAGMA integrity_check: {integrity}")
        checked = suite.cli("check", check=False)
        if checked.returncode != 0:
            problems.append("mailsuite check:\n" + checked.stdout + checked.stderr)

        print(f"kills: {killed} (seed {seed})")
        for proto, text in counts.items():
            print(f"{proto}: {text}")
        print(f"connections lost or refused by the clients: "
              f"{sum(w.errors for w in workers)}")
        print("PRAGMA integrity_check: ok" if integrity == [("ok",)] else "integrity: FAILED")
        if problems:
            print(f"{len(problems)} PROBLEMS:", *problems[:50], sep="\n  ")
            return 1
        print("crash consistency: ok")
        ok = True
        return 0
    finally:
        try:
            suite.stop()
        except Exception:
            pass
        if ok and os.environ.get("MAILSUITE_KEEP_E2E_DIR") is None:
            import shutil
            shutil.rmtree(suite.dir, ignore_errors=True)
        elif not ok:
            print(f"store and logs kept in {suite.dir}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.environ.get(
        "MAILSUITE_BUILD_DIR", os.path.join(HERE, "..", "..", "build")))
    ap.add_argument("--kills", type=int, default=300, help="SIGKILLs in all (random daemon)")
    ap.add_argument("--seconds", type=int, default=600, help="upper bound on the chaos phase")
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    return run(args.build, args.kills, args.seconds, args.seed)


if __name__ == "__main__":
    socket.setdefaulttimeout(30)
    sys.exit(main())
