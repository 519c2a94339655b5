#!/usr/bin/env python3
"""IDLE push benchmark: starts a real mailsuite-imapd and mailsuite-mta with a temporary store,
then
  1. one session IDLEs on INBOX and D deliveries arrive by SMTP one after another: the time
     from each SMTP "250" to the idling session's "* n EXISTS" (p50/p99/max);
  2. K sessions (default 1,000) log in, SELECT INBOX and IDLE: the daemon's RSS, PSS and
     threads with K idle sessions, its CPU time over 10 s of idling, and for each of R
     deliveries the time until every one of the K sessions has read its "* n EXISTS".

    tests/run.sh --no-sanitize
    tests/bench/idle_bench.py --build build-test-plain -k 1000
    tests/bench/idle_bench.py --build build-test-plain -k 10000 -d 0
    tests/bench/idle_bench.py --build build-test-plain -k 10000 -d 0 -r 1 --cycles 2 --settle 70
        (issue #14 check 8: RSS and threads after each cycle's sessions have closed and the
        threads that served them have retired)

Every loop is bounded: connections, deliveries and waits have counts and deadlines.
Targets (issue #7): p99 <= 50 ms with one session; all of 1,000 sessions within 1 s;
10,000 idle sessions in <= 512 MB RSS.
"""
import argparse
import os
import resource
import selectors
import smtplib
import socket
import ssl
import statistics
import sys
import time

import proc_stats  # beside this script

HERE = os.path.dirname(os.path.abspath(__file__))
PASSWORD = "bench-password"
USER = "idle@example.test"


def proc_status(pid):
    s = proc_stats.read(pid, pss=True)
    return s.rss_kb, s.pss_kb, s.threads


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


class Idler:
    """One non-blocking IMAP connection: LOGIN, SELECT and IDLE pipelined, then lines."""

    def __init__(self, port, tls=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        if tls:
            self.sock = tls.wrap_socket(self.sock)  # the handshake, blocking
        self.sock.setblocking(False)
        self.buffer = b""
        self.idling = False
        self.exists = None  # the last "* n EXISTS" number
        self.sock.sendall(f"a LOGIN {USER} {PASSWORD}\r\nb SELECT INBOX\r\nc IDLE\r\n".encode())

    def on_readable(self):
        try:
            data = self.sock.recv(65536)
            # TLS: records already decrypted are invisible to select().
            while isinstance(self.sock, ssl.SSLSocket) and self.sock.pending():
                data += self.sock.recv(65536)
        except (BlockingIOError, ssl.SSLWantReadError):
            return []
        if not data:
            raise ConnectionError("server closed an idling connection")
        self.buffer += data
        lines = []
        while b"\r\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\r\n", 1)
            lines.append(line)
            if line.startswith(b"+ "):
                self.idling = True
            elif line.startswith(b"a NO") or line.startswith(b"b NO") or b" BAD " in line:
                raise RuntimeError(f"setup refused: {line!r}")
            elif line.startswith(b"* ") and line.endswith(b" EXISTS"):
                self.exists = int(line.split()[1])
        return lines


def deliver(smtp_port, n):
    body = (f"From: bench@example.org\r\nTo: {USER}\r\nSubject: push {n}\r\n\r\n"
            f"message {n}\r\n")
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as smtp:
        smtp.sendmail("bench@example.org", [USER], body)
        return time.monotonic()  # the 250 has been read


def wait_all(idlers, selector, want_exists, deadline):
    """Reads until every idler has seen EXISTS >= want_exists; returns arrival times."""
    arrived = {}
    pending = {id(i) for i in idlers if (i.exists or 0) < want_exists}
    for i in idlers:
        if id(i) not in pending:
            arrived[id(i)] = time.monotonic()
    while pending and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=0.05):
            idler = key.data
            idler.on_readable()
            if id(idler) in pending and (idler.exists or 0) >= want_exists:
                pending.discard(id(idler))
                arrived[id(idler)] = time.monotonic()
    if pending:
        raise RuntimeError(f"{len(pending)} sessions never saw EXISTS {want_exists}")
    return arrived


def open_idlers(port, count, selector, deadline, tls=None):
    idlers = []
    batch = 100  # connections opened per round before their replies are read
    while len(idlers) < count:
        fresh = [Idler(port, tls) for _ in range(min(batch, count - len(idlers)))]
        for i in fresh:
            selector.register(i.sock, selectors.EVENT_READ, i)
        waiting = set(map(id, fresh))
        while waiting:
            if time.monotonic() > deadline:
                raise RuntimeError("sessions did not reach IDLE in time")
            for key, _ in selector.select(timeout=0.5):
                key.data.on_readable()
                if key.data.idling:
                    waiting.discard(id(key.data))
        idlers += fresh
    return idlers


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default="build")
    p.add_argument("-k", type=int, default=1000, help="idle sessions in phase 2")
    p.add_argument("-d", type=int, default=200, help="deliveries in phase 1 (0: skip)")
    p.add_argument("-r", type=int, default=5, help="deliveries in phase 2")
    p.add_argument("--tls", action="store_true", help="phase 2 over IMAPS (993)")
    p.add_argument("--cycles", type=int, default=1,
                   help="phase 2 repeated: RSS and threads after each cycle's sessions closed")
    p.add_argument("--settle", type=int, default=5,
                   help="seconds after the sessions closed before RSS is read (idle threads "
                        "retire after 60 s)")
    args = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < args.k + 100:
        sys.exit(f"the descriptor limit ({hard}) is too low for {args.k} sessions")
    build = os.path.abspath(args.build)
    os.environ["MAILSUITE_BUILD_DIR"] = build
    sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
    from mailsuite_fixture import Suite  # noqa: E402

    settings = {"log.level": "warning",
                "server.max_connections_per_ip": str(args.k + 10),
                "imap.max_connections_per_user": str(args.k + 10)}
    with Suite(users={USER: PASSWORD}, daemons=("imapd", "mta"), settings=settings) as s:
        pid = s.procs["imapd"].pid
        imap_port, smtp_port = s.port("imap"), s.port("smtp")
        selector = selectors.DefaultSelector()
        delivered = 0

        if args.d:
            one = open_idlers(imap_port, 1, selector, time.monotonic() + 60)[0]
            latencies = []
            for _ in range(args.d):
                delivered += 1
                acked = deliver(smtp_port, delivered)
                got = wait_all([one], selector, delivered, time.monotonic() + 10)
                latencies.append((got[id(one)] - acked) * 1000)
            print(f"one idling session, {args.d} deliveries: SMTP 250 -> '* n EXISTS' "
                  f"p50 {statistics.median(latencies):.1f} ms, "
                  f"p99 {percentile(latencies, 99):.1f} ms, max {max(latencies):.1f} ms "
                  f"(target p99 <= 50 ms)")
            selector.unregister(one.sock)
            one.sock.close()
            time.sleep(1.5)

        baseline = proc_status(pid)
        for cycle in range(1, args.cycles + 1):
            rss0, pss0, threads0 = proc_status(pid)
            started = time.monotonic()
            tls = None
            if args.tls:
                tls = ssl.create_default_context()
                tls.check_hostname = False
                tls.verify_mode = ssl.CERT_NONE
            idlers = open_idlers(s.port("imaps") if args.tls else imap_port, args.k, selector,
                                 started + 1800, tls)
            setup = time.monotonic() - started
            time.sleep(3)  # let sessions that just parked settle
            rss, pss, threads = proc_status(pid)
            print(f"{args.k} sessions{' over TLS' if args.tls else ''} logged in, selected and "
                  f"idling in {setup:.1f} s")
            print(f"imapd with {args.k} idle sessions: RSS {rss / 1024:.1f} MB "
                  f"({(rss - rss0) / args.k:.1f} KB per session above the {rss0 / 1024:.1f} MB "
                  f"before), PSS {pss / 1024 if pss else float('nan'):.1f} MB, threads {threads} "
                  f"(before: {threads0})")
            cpu0 = proc_stats.cpu_seconds(pid)
            time.sleep(10)
            print(f"imapd CPU while {args.k} sessions idle for 10 s: "
                  f"{(proc_stats.cpu_seconds(pid) - cpu0) * 1000:.0f} ms")
            for _ in range(args.r):
                delivered += 1
                acked = deliver(smtp_port, delivered)
                got = wait_all(idlers, selector, delivered, time.monotonic() + 60)
                waits = [(t - acked) * 1000 for t in got.values()]
                print(f"delivery {delivered}: all {args.k} told in {max(waits):.0f} ms "
                      f"(p50 {statistics.median(waits):.0f} ms; target: all of 1,000 within 1 s)")
            _, _, threads_after = proc_status(pid)
            print(f"imapd threads after the wake-ups: {threads_after}")
            for i in idlers:
                selector.unregister(i.sock)
                i.sock.close()
            time.sleep(args.settle)  # the daemon sees them go, trims, retires threads
            rss_c, _, threads_c = proc_status(pid)
            print(f"cycle {cycle}: {args.settle} s after the {args.k} sessions closed: RSS {rss_c / 1024:.1f} MB "
                  f"(baseline before the first cycle {baseline[0] / 1024:.1f} MB), "
                  f"threads {threads_c}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
