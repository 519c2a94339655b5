#!/usr/bin/env python3
"""IMAP fetch benchmark: starts a real mailsuite-imapd with a temporary store and users
load1..loadC, then runs imap_load: C concurrent sessions that APPEND their INBOX up to N 4 KB
messages, then SELECT, UID FETCH 1:* (FLAGS RFC822.SIZE ENVELOPE) and BODY.PEEK[] of every
message for R rounds. Reports ops/s, MB/s and the daemon's RSS per open session.

    tests/bench/imap_bench.py --build build-imap -c 8 -n 200 -r 3
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PASSWORD = "bench-password"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default="build")
    p.add_argument("-c", type=int, default=8)
    p.add_argument("-n", type=int, default=200)
    p.add_argument("-r", type=int, default=3)
    args = p.parse_args()
    build = os.path.abspath(args.build)
    os.environ["MAILSUITE_BUILD_DIR"] = build
    sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
    from mailsuite_fixture import Suite  # noqa: E402
    users = {f"load{i}@example.test": PASSWORD for i in range(1, args.c + 1)}
    with Suite(users=users, daemons=("imapd",), settings={"log.level": "warning"}) as s:
        load = os.path.join(build, "tests", "bench", "imap_load")
        cmd = [load, "--port", str(s.port("imap")), "-c", str(args.c), "-n", str(args.n),
               "-r", str(args.r), "--password", PASSWORD,
               "--server-pid", str(s.procs["imapd"].pid)]
        return subprocess.run(cmd, timeout=600).returncode


if __name__ == "__main__":
    sys.exit(main())
