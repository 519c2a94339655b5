#!/usr/bin/env python3
"""SMTP accept with content filters attached vs without, in one run on one machine: a real
mailsuite-mta on a temporary store and smtp_load (C sessions, M messages of S bytes each),
three times:
  1. no filter;
  2. the libmilter test filter (tests/e2e/milter_filter.py): the milter protocol's own cost,
     every stage sent and answered, with a filter that does nothing but add one header field;
  3. a private rspamd (tests/e2e/rspamd_fixture.py, Debian's stock rules, network checks off).
Then where rspamd's time goes: its own scan times from the controller.

    tests/bench/milter_bench.py --build build-test-plain -c 8 -m 100 -s 4096
"""
import argparse
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run_load(build, port, c, m, size):
    load = os.path.join(build, "tests", "bench", "smtp_load")
    out = subprocess.run([load, "--port", str(port), "-c", str(c), "-m", str(m), "-s",
                          str(size), "--rcpt", "bob@example.test", "--max-seconds", "300"],
                         capture_output=True, text=True, timeout=400).stdout
    rate = re.search(r"rate=(\d+)", out)
    lat = re.search(r"latency_ms p50=([\d.]+) p90=([\d.]+) p99=([\d.]+)", out)
    accepted = re.search(r"accepted=(\d+) failed=(\d+)", out)
    return {"rate": int(rate.group(1)) if rate else 0,
            "p50": float(lat.group(1)) if lat else 0, "p99": float(lat.group(3)) if lat else 0,
            "accepted": int(accepted.group(1)) if accepted else 0,
            "failed": int(accepted.group(2)) if accepted else 0}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default="build-test-plain")
    p.add_argument("-c", type=int, default=8)
    p.add_argument("-m", type=int, default=100)
    p.add_argument("-s", type=int, default=4096)
    args = p.parse_args()
    build = os.path.abspath(args.build)
    os.environ["MAILSUITE_BUILD_DIR"] = build
    sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
    from mailsuite_fixture import Suite  # noqa: E402
    from rspamd_fixture import Rspamd  # noqa: E402
    from test_milter import TestFilterProcess  # noqa: E402

    # A stranger on port 25 (no trusted network), no SPF/DKIM/DMARC checks of ours: what is
    # measured is the filter.
    base = {"log.level": "warning", "smtp.trusted_networks": "",
            "smtp.authentication_checks": "false"}
    rows = []
    libmilter = TestFilterProcess()
    rspamd = Rspamd().start()
    try:
        for name, milters in (("no filter", ""), ("libmilter test filter", libmilter.spec),
                              ("rspamd", rspamd.milter_spec)):
            settings = dict(base)
            if milters:
                settings["smtp.milters"] = milters
            with Suite(users={"bob@example.test": "bench-password"}, daemons=("mta",),
                       settings=settings) as s:
                r = run_load(build, s.port("smtp"), args.c, args.m, args.s)
            rows.append((name, r))
            print(f"{name:24} {r['rate']:6d} msg/s  p50 {r['p50']:7.2f} ms  p99 {r['p99']:7.2f} ms"
                  f"  accepted {r['accepted']} failed {r['failed']}", flush=True)
        stat = rspamd.stat()
        times = [t for t in stat.get("scan_times", []) if t]
        if times:
            print(f"rspamd's own scan time (its last {len(times)}): "
                  f"mean {1000 * sum(times) / len(times):.2f} ms, "
                  f"max {1000 * max(times):.2f} ms; scanned {stat.get('scanned')}")
        print(f"connections={args.c} messages_per_connection={args.m} size={args.s}")
    finally:
        rspamd.stop()
        libmilter.stop()


if __name__ == "__main__":
    sys.exit(main())
