#!/usr/bin/env python3
"""Relay benchmark: C concurrent submitters send M messages each to a remote domain; a real
mailsuite-mta queues them and relays them (MX found through a loopback DNS responder) to a
loopback sink. Prints the submission rate and the end-to-end rate (first submission to the last
message accepted by the sink). Build first: tests/run.sh --no-sanitize.

    tests/bench/relay_bench.py --build build-test-plain -c 8 -m 250 -s 4096
"""
import argparse
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default="build-test-plain")
    p.add_argument("-c", type=int, default=8)
    p.add_argument("-m", type=int, default=250)
    p.add_argument("-s", type=int, default=4096)
    args = p.parse_args()
    os.environ["MAILSUITE_BUILD_DIR"] = os.path.abspath(args.build)
    sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
    from fake_dns import FakeDns  # noqa: E402
    from mailsuite_fixture import Suite  # noqa: E402
    from smtp_sink import SmtpSink  # noqa: E402

    sink = SmtpSink(["127.0.0.7"], 0, "sink.bench.example").start()
    dns = FakeDns({("bench.example", "MX"): [(10, "mx.bench.example")],
                   ("mx.bench.example", "A"): ["127.0.0.7"]}).start()
    total = args.c * args.m
    try:
        with Suite(users={"bob@example.test": "x"}, daemons=("mta",), settings={
                "dns.servers": f"127.0.0.1:{dns.port}", "relay.port": str(sink.port),
                "log.level": "warning", "queue.scan_interval": "1"}) as s:
            load = os.path.join(args.build, "tests", "bench", "smtp_load")
            start = time.monotonic()
            subprocess.run([load, "--port", str(s.port("smtp")), "-c", str(args.c), "-m",
                            str(args.m), "-s", str(args.s), "--rcpt", "user@bench.example",
                            "--max-seconds", "300"], check=True, timeout=400)
            deadline = time.monotonic() + 300
            while len(sink.messages) < total and time.monotonic() < deadline:
                time.sleep(0.05)
            elapsed = time.monotonic() - start
            print(f"relayed={len(sink.messages)}/{total} end_to_end_seconds={elapsed:.2f} "
                  f"rate={len(sink.messages) / elapsed:.0f} msg/s")
            return 0 if len(sink.messages) == total else 1
    finally:
        sink.stop()
        dns.stop()


if __name__ == "__main__":
    sys.exit(main())
