#!/usr/bin/env python3
"""/metrics scrape cost (issue #19: a scrape under load costs < 1 ms of daemon CPU). Starts a
real mailsuite-mta with metrics.listen and a temporary store, optionally opens --silent
connections that never speak (each is a descriptor process_open_fds counts, and a session the
server's gauges count), then

  1. idle: scrapes /metrics --scrapes times; reports the daemon's whole-process CPU per scrape
     (from /proc/PID/stat: accept, HTTP parsing, rendering, sending) and the handler's own CPU
     per scrape (the histogram mailsuite_metrics_scrape_cpu_seconds: _sum / _count);
  2. under load: runs smtp_load (-c, -m, -s) and scrapes every --interval seconds until it ends;
     reports the handler's CPU per scrape and the scrape's wall time (p50, p99, max).

    tests/run.sh --no-sanitize
    tests/bench/metrics_bench.py --build build-test-plain --silent 5000

Every loop is bounded by a count and a deadline.
"""
import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

import proc_stats  # beside this script

HERE = os.path.dirname(os.path.abspath(__file__))


def scrape(port):
    start = time.perf_counter()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        body = response.read()
    return time.perf_counter() - start, body


def counter(body, name):
    m = re.search(rb"^" + name.encode() + rb" (\S+)$", body, re.M)
    return float(m.group(1)) if m else 0.0


def handler_cpu(body):
    """(CPU seconds, scrapes) the handler has counted so far."""
    return counter(body, "mailsuite_metrics_scrape_cpu_seconds_sum"), \
        counter(body, "mailsuite_metrics_scrape_cpu_seconds_count")


def open_silent(port, count, deadline):
    """`count` connections from 127.0.0.2 …, up to 5,000 per source address."""
    socks = []
    for i in range(count):
        if time.monotonic() > deadline:
            break
        source = f"127.0.{(i // 5000) // 250}.{2 + (i // 5000) % 250}"
        s = socket.socket()
        s.bind((source, 0))
        s.connect(("127.0.0.1", port))
        socks.append(s)
    return socks


def p99(values):
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default="build-test-plain")
    p.add_argument("--scrapes", type=int, default=500)
    p.add_argument("--silent", type=int, default=0)
    p.add_argument("--interval", type=float, default=0.05)
    p.add_argument("-c", type=int, default=8)
    p.add_argument("-m", type=int, default=500)
    p.add_argument("-s", type=int, default=4096)
    args = p.parse_args()

    os.environ["MAILSUITE_BUILD_DIR"] = os.path.abspath(args.build)
    sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
    from mailsuite_fixture import Suite  # noqa: E402

    settings = {"log.level": "warning", "metrics.listen": "mta=127.0.0.1:0",
                "server.max_connections": "100000", "server.max_connections_per_ip": "10000",
                "server.stress_timeout": "3600"}
    with Suite(users={"bob@example.test": "bench-password"}, daemons=("mta",),
               settings=settings) as s:
        port = s.port("metrics-mta")
        pid = s.procs["mta"].pid
        silent = open_silent(s.port("smtp"), args.silent, time.monotonic() + 120)
        _, body = scrape(port)
        lines = body.count(b"\n")
        print(f"{len(silent)} silent connections open; /metrics is {len(body)} octets, "
              f"{lines} lines")

        # 1. Idle: the whole process's CPU per scrape.
        _, body = scrape(port)
        cpu0, n0 = handler_cpu(body)
        process0 = proc_stats.cpu_seconds(pid)
        walls = []
        for _ in range(args.scrapes):
            wall, body = scrape(port)
            walls.append(wall)
        process1 = proc_stats.cpu_seconds(pid)
        cpu1, n1 = handler_cpu(body)
        print(f"idle, {args.scrapes} scrapes: process CPU "
              f"{1000 * (process1 - process0) / args.scrapes:.3f} "
              f"ms/scrape, handler CPU {1000 * (cpu1 - cpu0) / max(1, n1 - n0):.3f} ms/scrape, "
              f"wall p50 {1000 * statistics.median(walls):.2f} ms, "
              f"p99 {1000 * p99(walls):.2f} ms")

        # 2. Under load: the handler's CPU per scrape while SMTP clients keep the daemon busy.
        load = os.path.join(args.build, "tests", "bench", "smtp_load")
        cmd = [load, "--port", str(s.port("smtp")), "-c", str(args.c), "-m", str(args.m),
               "-s", str(args.s), "--rcpt", "bob@example.test", "--max-seconds", "300"]
        _, body = scrape(port)
        cpu0, n0 = handler_cpu(body)
        walls = []
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 400
        while proc.poll() is None and time.monotonic() < deadline:
            wall, body = scrape(port)
            walls.append(wall)
            time.sleep(args.interval)
        out, _ = proc.communicate(timeout=60)
        cpu1, n1 = handler_cpu(body)
        print("load:", " ".join(out.split()))
        print(f"under load, {len(walls)} scrapes: handler CPU "
              f"{1000 * (cpu1 - cpu0) / max(1, n1 - n0):.3f} ms/scrape, "
              f"wall p50 {1000 * statistics.median(walls):.2f} ms, "
              f"p99 {1000 * p99(walls):.2f} ms, max {1000 * max(walls):.2f} ms")
        for sock in silent:
            sock.close()
        return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
