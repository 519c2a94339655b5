#!/usr/bin/env python3
"""Scale benchmark (issue #12): a store with many users and one very large INBOX, measured over
the wire. Starts from a temporary store made by the real CLI (mailsuite_fixture), fills it with
scale_fill (Store calls, before any daemon runs), then starts mailsuite-mta and mailsuite-imapd
and measures:

  accept    SMTP accept, 8 sessions of 1 KB, into the big INBOX and into an empty one
  select    SELECT INBOX of the big mailbox, each in a fresh session, idle
  flags     UID FETCH 1:* (FLAGS) on it
  headers   UID FETCH of its last 50 UIDs, BODY.PEEK[HEADER.FIELDS (From Subject Date)]
  noop      NOOP of a session selected on it, idle and while 8 other users receive mail at the
            full accept rate (then SELECT under the same load)
  idle      SMTP 250 of a message to its user -> "* n EXISTS" in a session idling on it, idle and
            under the same background load
  accept16  SMTP accept, 16 sessions of 4 KB (every 250 after fsync), with the disk's fsync rate

    tests/run.sh --no-sanitize   # or build scale_fill smtp_load and the daemons in BUILD
    tests/bench/scale_bench.py --build build-test-plain
    tests/bench/scale_bench.py --build build-test-plain --users 1000 --messages 10000 \\
        --only select,flags,noop
    tests/bench/scale_bench.py --build build-test-plain --postgres   # the same on PostgreSQL
    tests/bench/scale_bench.py --build build-test-plain --postgres --nodes 2

The fill is durable, one transaction per message, so it runs at about the disk's fsync rate
(100,000 messages: several minutes). --fill-cache DIR keeps a copy of the filled database there
and reuses it in later runs with the same sizes (a newer build migrates it on start).
Every loop is bounded by a count and a deadline. Times are time.perf_counter() from sending a
command to reading its tagged reply.
"""
import argparse
import os
import shutil
import smtplib
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PG_CLUSTER = os.path.join(HERE, "..", "pg", "pg_cluster.sh")
sys.path.insert(0, HERE)
from scale_clients import BackgroundLoad, Imap, median, percentile, smtp_load  # noqa: E402
from smtp_bench import fsync_rate  # noqa: E402

PASSWORD = "bench-password"
DOMAIN = "example.test"
BIG = f"big@{DOMAIN}"
MEASUREMENTS = ("accept", "select", "flags", "headers", "noop", "idle", "accept16")


def user(n):
    return f"user{n:05d}@{DOMAIN}"


EMPTY = user(0)  # user00000: the empty INBOX of the accept comparison
BACKGROUND = [user(n) for n in range(1, 9)]  # user00001..8: the other users' mail
PLAIN = user(9)  # user00009: the 16-session 4 KB accept


def copy_database(source, target):
    """Copies a closed SQLite database with its write-ahead log, if one is left."""
    for suffix in ("", "-wal"):
        if os.path.exists(target + suffix):
            os.unlink(target + suffix)
        if os.path.exists(source + suffix):
            shutil.copyfile(source + suffix, target + suffix)


def ms(seconds):
    return f"{seconds * 1000:.1f} ms"


def spread(samples, count=True):
    """'p50 / p99 / max' of samples in seconds."""
    text = (f"p50 {ms(median(samples))}, p99 {ms(percentile(samples, 99))}, "
            f"max {ms(max(samples))}")
    return text + (f" ({len(samples)} samples)" if count else "")


class Bench:
    def __init__(self, args, suite):
        self.args, self.s = args, suite
        self.reader = suite  # where IMAP is measured: this node, or node B (--nodes 2)
        self.build = args.build
        self.rows = []  # (what, figure, target)
        self.filled = args.messages

    def row(self, what, figure, target=""):
        print(f"  {what}: {figure}", flush=True)
        self.rows.append((what, figure, target))

    # --- fill ------------------------------------------------------------------------------
    def fill(self):
        a = self.args
        db = self.s.database.url if self.s.database else os.path.join(self.s.dir, "mailsuite.db")
        cached = None
        if a.fill_cache and not self.s.database:
            os.makedirs(a.fill_cache, exist_ok=True)
            cached = os.path.join(a.fill_cache, f"scale-{a.users}u-{a.messages}m.db")
            if os.path.exists(cached):
                copy_database(cached, db)
                self.row("fill", f"reused {cached}")
                return
        cmd = [os.path.join(self.build, "tests", "bench", "scale_fill"), "--db", db,
               "--domain", DOMAIN, "--password", PASSWORD, "--users", str(a.users - 1),
               "--big", BIG, "--messages", str(a.messages),
               "--max-seconds", str(a.fill_max_seconds)]
        started = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        result = {}
        for line in proc.stdout:
            print("  " + line.rstrip(), flush=True)
            if line.startswith("fill_result "):
                result = dict(kv.split("=") for kv in line.split()[1:])
        if proc.wait() != 0 or not result:
            raise RuntimeError("scale_fill failed")
        messages, seconds = int(result["messages"]), float(result["messages_seconds"])
        self.filled = messages
        self.row("fill (Store calls, durable)",
                 f"{a.users} users in {float(result['users_seconds']):.0f} s; {messages} "
                 f"messages in {seconds:.0f} s ({messages / max(seconds, 1e-9):.0f}/s); "
                 f"all {time.monotonic() - started:.0f} s")
        if cached and messages == a.messages:
            copy_database(db, cached)

    # --- SMTP --------------------------------------------------------------------------------
    def accept(self):
        a = self.args
        rates = {EMPTY: [], BIG: []}
        for _ in range(a.accept_rounds):  # alternated, so drift on a shared machine hits both
            for rcpt in (EMPTY, BIG):
                _, rate, _, _ = smtp_load(self.build, self.s.port("smtp"), rcpt, 8,
                                          a.accept_messages // 8, 1024)
                rates[rcpt].append(rate)
        empty, big = sum(rates[EMPTY]) / len(rates[EMPTY]), sum(rates[BIG]) / len(rates[BIG])
        rounds = lambda r: ", ".join(f"{x:.0f}" for x in r)  # noqa: E731
        self.row("SMTP accept 8x1KB into an INBOX that starts empty",
                 f"{empty:.0f} msg/s (rounds: {rounds(rates[EMPTY])})")
        self.row("SMTP accept 8x1KB into the big INBOX",
                 f"{big:.0f} msg/s (rounds: {rounds(rates[BIG])}), "
                 f"{100 * big / empty:.0f}% of empty", ">= 90% of empty")

    def accept16(self):
        disk = fsync_rate(self.s.dir)
        _, rate, p50, p99 = smtp_load(self.build, self.s.port("smtp"), PLAIN, 16,
                                      self.args.accept16_messages // 16, 4096)
        self.row("SMTP accept 16x4KB, fsync before 250",
                 f"{rate:.0f} msg/s, latency p50 {p50:.1f} ms, p99 {p99:.1f} ms "
                 f"(disk: {disk:.0f} fsync/s)", ">= 1.5x the release's")

    # --- IMAP --------------------------------------------------------------------------------
    def session(self, select=True):
        imap = Imap(self.reader.port("imap"))
        imap.login(BIG, PASSWORD)
        if select:
            self.exists, self.uidnext, _ = imap.select()
        return imap

    def select_times(self, runs):
        times = []
        for _ in range(runs):
            imap = self.session(select=False)
            self.exists, self.uidnext, seconds = imap.select()
            times.append(seconds)
            imap.close()
        return times

    def select(self):
        times = self.select_times(self.args.runs)
        self.row(f"SELECT INBOX ({self.exists} messages), idle",
                 f"first {ms(times[0])}, median {ms(median(times))}, max {ms(max(times))} "
                 f"({len(times)} runs)", "<= 50 ms")
        # The first SELECT of a freshly started imapd: nothing of the mailbox in its memory.
        cold = []
        for _ in range(3):
            self.reader.stop_daemon("imapd")
            self.reader.start_daemon("imapd")
            cold += self.select_times(1)
        self.row("SELECT INBOX, first after an imapd restart",
                 f"median {ms(median(cold))}, max {ms(max(cold))} (3 restarts)", "<= 50 ms")

    def flags(self):
        imap = self.session()
        times = []
        for _ in range(self.args.runs):
            lines, seconds = imap.command("UID FETCH 1:* (FLAGS)", literals=False)
            if lines < self.exists:
                raise RuntimeError(f"UID FETCH 1:* gave {lines} lines for {self.exists}")
            times.append(seconds)
        imap.close()
        self.row(f"UID FETCH 1:* (FLAGS) ({lines} lines)",
                 f"median {ms(median(times))}, max {ms(max(times))} ({len(times)} runs)",
                 "<= 300 ms")

    def headers(self):
        imap = self.session()
        first = max(1, self.uidnext - 50)
        command = (f"UID FETCH {first}:{self.uidnext - 1} "
                   "(BODY.PEEK[HEADER.FIELDS (From Subject Date)])")
        times = []
        for _ in range(self.args.runs):
            untagged, seconds = imap.command(command)
            if sum(b" FETCH " in line for line in untagged) != self.uidnext - first:
                raise RuntimeError(f"{command}: {len(untagged)} responses")
            times.append(seconds)
        imap.close()
        self.row("UID FETCH last 50 BODY.PEEK[HEADER.FIELDS (From Subject Date)]",
                 f"median {ms(median(times))}, max {ms(max(times))} ({len(times)} runs)",
                 "<= 10 ms")

    def noops(self, imap, count):
        times = []
        deadline = time.monotonic() + self.args.phase_seconds
        while len(times) < count and time.monotonic() < deadline:
            times.append(imap.command("NOOP")[1])
            time.sleep(self.args.noop_gap_ms / 1000)  # spread the samples over the load
        return times

    def noop(self):
        imap = self.session()
        idle = self.noops(imap, self.args.noops // 4)
        self.row("NOOP on the big INBOX, idle", spread(idle))
        with BackgroundLoad(self.s, self.build, BACKGROUND) as load:
            loaded = self.noops(imap, self.args.noops)
            selects = self.select_times(self.args.runs)
        imap.close()
        self.row(f"NOOP on the big INBOX while others receive {load.rate:.0f} msg/s",
                 spread(loaded), "p99 <= 5 ms")
        self.row(f"SELECT INBOX while others receive {load.rate:.0f} msg/s",
                 f"median {ms(median(selects))}, max {ms(max(selects))} ({len(selects)} runs)")

    def pushes(self, count):
        """`count` deliveries to BIG by SMTP, each timed from its 250 to the idler's EXISTS."""
        imap = self.session()
        exists = self.exists
        imap.idle()
        times, missed = [], 0
        deadline = time.monotonic() + self.args.phase_seconds
        with smtplib.SMTP("127.0.0.1", self.s.port("smtp"), timeout=60) as smtp:
            for n in range(count):
                if time.monotonic() > deadline:
                    break
                body = (f"From: <push@example.org>\r\nTo: <{BIG}>\r\nSubject: push {n}\r\n"
                        f"Date: Thu, 01 Jan 2026 00:00:00 +0000\r\n\r\n" + "x" * 900 + "\r\n")
                smtp.sendmail("push@example.org", [BIG], body)
                acked = time.perf_counter()
                exists += 1
                try:
                    times.append(imap.wait_exists(exists, time.monotonic() + 10) - acked)
                except TimeoutError:
                    missed += 1
                time.sleep(0.01)
        imap.done()
        imap.close()
        return times, missed

    def idle(self):
        times, missed = self.pushes(self.args.pushes)
        self.row("IDLE push (SMTP 250 -> EXISTS) on the big INBOX, idle",
                 spread(times) + (f", {missed} never arrived" if missed else ""), "p99 <= 50 ms")
        with BackgroundLoad(self.s, self.build, BACKGROUND) as load:
            times, missed = self.pushes(self.args.pushes)
        self.row(f"IDLE push while others receive {load.rate:.0f} msg/s",
                 spread(times) + (f", {missed} never arrived" if missed else ""), "p99 <= 50 ms")


def print_table(bench, args, started):
    print(f"\nscale benchmark: {args.users} users, {BIG} filled with {bench.filled} messages "
          f"(build {args.build}; {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f} now; {time.monotonic() - started:.0f} s in all)")
    w1 = max(len(r[0]) for r in bench.rows)
    w2 = max(len(r[1]) for r in bench.rows)
    print(f"{'what':<{w1}}  {'figure':<{w2}}  target (issue #12)")
    print(f"{'-' * w1}  {'-' * w2}  {'-' * 18}")
    for what, figure, target in bench.rows:
        print(f"{what:<{w1}}  {figure:<{w2}}  {target}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build", default="build-test-plain")
    p.add_argument("--users", type=int, default=10000, help="users in all, the big one included")
    p.add_argument("--messages", type=int, default=100000, help="messages in the big INBOX")
    p.add_argument("--only", default=",".join(MEASUREMENTS),
                   help=f"comma-separated, of: {','.join(MEASUREMENTS)}")
    p.add_argument("--runs", type=int, default=7, help="runs of SELECT and of each FETCH")
    p.add_argument("--noops", type=int, default=2000, help="NOOPs under load (a quarter idle)")
    p.add_argument("--noop-gap-ms", type=float, default=2.0)
    p.add_argument("--pushes", type=int, default=100, help="IDLE deliveries, idle and loaded")
    p.add_argument("--accept-messages", type=int, default=1000,
                   help="messages per accept run (8 sessions)")
    p.add_argument("--accept-rounds", type=int, default=2)
    p.add_argument("--accept16-messages", type=int, default=2000)
    p.add_argument("--phase-seconds", type=int, default=300,
                   help="bound of each NOOP and IDLE loop")
    p.add_argument("--fill-max-seconds", type=int, default=3600)
    p.add_argument("--fill-cache", help="directory to keep and reuse the filled database in")
    p.add_argument("--postgres", action="store_true",
                   help="the store in a private durable PostgreSQL cluster (issue #16)")
    p.add_argument("--nodes", type=int, choices=(1, 2), default=1,
                   help="2 (with --postgres): SMTP to node A, every IMAP measurement on node B")
    args = p.parse_args()
    only = [m for m in args.only.split(",") if m]
    unknown = set(only) - set(MEASUREMENTS)
    if args.nodes == 2 and not args.postgres:
        p.error("--nodes 2 needs --postgres (a SQLite store is one host)")
    if unknown or args.users < 11:
        p.error(f"unknown measurements {sorted(unknown)}" if unknown else "--users must be >= 11")
    args.build = os.path.abspath(args.build)
    for binary in ("tests/bench/scale_fill", "tests/bench/smtp_load", "store/mailsuite",
                   "mta/mailsuite-mta", "imapd/mailsuite-imapd"):
        if not os.access(os.path.join(args.build, binary), os.X_OK):
            p.error(f"{binary} is not built in {args.build}")
    os.environ["MAILSUITE_BUILD_DIR"] = args.build
    cluster = None
    if args.postgres:
        cluster = tempfile.mkdtemp(prefix="mailsuite-scale-pg-")
        os.chmod(cluster, 0o711)
        os.environ["MAILSUITE_TEST_PG_URL"] = subprocess.run(
            [PG_CLUSTER, "start", os.path.join(cluster, "pg")], check=True, capture_output=True,
            text=True, env={**os.environ, "PG_CLUSTER_DURABLE": "1"}).stdout.strip()
    try:
        return run(args, only)
    finally:
        if cluster:
            subprocess.run([PG_CLUSTER, "stop", os.path.join(cluster, "pg")], check=False)
            os.rmdir(cluster)


def run(args, only):
    sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
    from mailsuite_fixture import Suite  # noqa: E402

    started = time.monotonic()
    print(f"load average before: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    with Suite(users={}, domains=(DOMAIN,), daemons=(), settings={"log.level": "warning"}) as s:
        bench = Bench(args, s)
        bench.fill()
        s.start_daemon("mta")
        if args.nodes == 2:
            # Node B: its own config and daemons on the same database (other ports).
            b = Suite(users={}, domains=(), daemons=("mta", "imapd"), database=s.database,
                      settings={"log.level": "warning", "queue.runner_name": "node-b"}).start()
            bench.reader = b
        else:
            s.start_daemon("imapd")
        for name in MEASUREMENTS:  # in this order whatever --only says: idle ones first
            if name in only:
                print(f"{name}:", flush=True)
                getattr(bench, name)()
        print_table(bench, args, started)
        if bench.reader is not s:
            bench.reader.__exit__(None, None, None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
