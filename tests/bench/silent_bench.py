#!/usr/bin/env python3
"""Silent-connection benchmark (issue #14, check 1): starts the real daemons with a temporary
store, then for each of SMTP, POP3 and IMAP
  1. times a new client's greeting (connect to first line) with nothing else open;
  2. opens N connections (default 10,000) that never send a byte, spread over S loopback source
     addresses (127.0.0.2 …) with server.max_connections_per_ip raised to fit;
  3. with them open: times the greeting of new clients again (p50/p99/max over --samples) and
     runs one ordinary session (SMTP: a message accepted; POP3: login and STAT; IMAP: login,
     SELECT, LOGOUT), and reports the daemon's RSS and threads, and RSS per silent connection;
  4. closes them and reports RSS and threads once the daemon has seen them go.

    tests/run.sh --no-sanitize
    tests/bench/silent_bench.py --build build-test-plain -n 10000

Stress mode is pushed out of the way here (server.max_connections far above N, a long
stress_timeout) so that every silent connection stays for the measurement; the e2e test
tests/e2e/test_hostile_connections.py checks stress mode itself. Every loop is bounded by a
count and a deadline. Target: a new client greeted within 100 ms with 10,000 silent
connections open.
"""
import argparse
import imaplib
import os
import poplib
import smtplib
import socket
import statistics
import sys
import time

import proc_stats  # beside this script

HERE = os.path.dirname(os.path.abspath(__file__))
PASSWORD = "bench-password"
USER = "silent@example.test"


def proc_status(pid):
    s = proc_stats.read(pid)
    return s.rss_kb, s.threads


def open_fds(pid):
    return proc_stats.read(pid).fds


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def greeting_ms(port, samples):
    times = []
    for _ in range(samples):
        start = time.monotonic()
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            data = b""
            while not data.endswith(b"\n"):
                chunk = s.recv(4096)
                if not chunk:
                    raise RuntimeError(f"port {port}: closed before the greeting")
                data += chunk
        times.append((time.monotonic() - start) * 1000)
        time.sleep(0.01)
    return times


def open_silent(port, count, sources, deadline):
    socks = []
    for i in range(count):
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(socks)} of {count} connections within the deadline")
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # IP_BIND_ADDRESS_NO_PORT (24): pick the port at connect(), or every bind searches
        # the ephemeral range.
        s.setsockopt(socket.IPPROTO_IP, 24, 1)
        s.bind((f"127.0.0.{2 + i % sources}", 0))
        s.settimeout(10)
        s.connect(("127.0.0.1", port))
        socks.append(s)
    return socks


def ordinary_session(kind, port):
    if kind == "smtp":
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as c:
            c.sendmail("a@example.org", [USER], "Subject: under load\r\n\r\nhello\r\n")
    elif kind == "pop3":
        c = poplib.POP3("127.0.0.1", port, timeout=10)
        c.user(USER)
        c.pass_(PASSWORD)
        c.stat()
        c.quit()
    else:
        c = imaplib.IMAP4("127.0.0.1", port, timeout=10)
        c.login(USER, PASSWORD)
        c.select("INBOX")
        c.logout()


def wait_for_fds(pid, at_most, seconds):
    deadline = time.monotonic() + seconds
    while open_fds(pid) > at_most and time.monotonic() < deadline:
        time.sleep(0.1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(HERE, "..", "..", "build"))
    ap.add_argument("-n", type=int, default=10000, help="silent connections per daemon")
    ap.add_argument("--sources", type=int, default=20, help="loopback source addresses")
    ap.add_argument("--samples", type=int, default=30, help="greetings timed per phase")
    args = ap.parse_args()
    os.environ["MAILSUITE_BUILD_DIR"] = os.path.abspath(args.build)
    sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
    from mailsuite_fixture import Suite  # noqa: E402

    per_ip = args.n // args.sources + 10
    settings = {"log.level": "warning", "server.max_connections_per_ip": str(per_ip),
                "server.max_connections": str(2 * args.n + 1000),
                "server.stress_timeout": "3600"}
    targets = [("smtp", "mta", "smtp"), ("pop3", "pop3d", "pop3"), ("imap", "imapd", "imap")]
    print(f"{args.n} silent connections per daemon from {args.sources} loopback addresses; "
          f"greeting times over {args.samples} new clients")
    with Suite(users={USER: PASSWORD}, settings=settings) as s:
        ordinary_session("smtp", s.port("smtp"))  # a message for POP3 and IMAP to see
        for kind, daemon, listener in targets:
            port = s.port(listener)
            pid = s.procs[daemon].pid
            base_fds = open_fds(pid)
            rss0, threads0 = proc_status(pid)
            before = greeting_ms(port, args.samples)
            t0 = time.monotonic()
            socks = open_silent(port, args.n, args.sources, time.monotonic() + 120)
            opened = time.monotonic() - t0
            time.sleep(2)  # let every session greet and park
            rss1, threads1 = proc_status(pid)
            fds1 = open_fds(pid)
            during = greeting_ms(port, args.samples)
            ordinary_session(kind, port)
            for sock in socks:
                sock.close()
            wait_for_fds(pid, base_fds + 5, 30)
            time.sleep(1)
            rss2, threads2 = proc_status(pid)
            print(f"\n{kind}: opened {len(socks)} in {opened:.1f} s; daemon holds {fds1} fds")
            print(f"  greeting before: p50 {statistics.median(before):.2f} ms, "
                  f"max {max(before):.2f} ms")
            print(f"  greeting with {args.n} silent: p50 {statistics.median(during):.2f} ms, "
                  f"p99 {percentile(during, 99):.2f} ms, max {max(during):.2f} ms "
                  f"(target <= 100 ms)")
            print(f"  ordinary {kind} session with them open: ok")
            print(f"  RSS {rss0 / 1024:.1f} MB -> {rss1 / 1024:.1f} MB with them "
                  f"({(rss1 - rss0) * 1024 / args.n:.0f} bytes per silent connection) -> "
                  f"{rss2 / 1024:.1f} MB after they closed")
            print(f"  threads {threads0} -> {threads1} -> {threads2}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
