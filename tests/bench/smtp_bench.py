#!/usr/bin/env python3
"""SMTP acceptance benchmark: starts a real mailsuite-mta with a temporary store (durable
commits, as in production), runs smtp_load against it, and prints the disk's fsync rate for
scale. Build without sanitizers first (tests/run.sh --no-sanitize), then:

    tests/bench/smtp_bench.py --build build-test-plain -c 16 -m 500 -s 4096
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def fsync_rate(directory, seconds=2.0):
    """Small write + fsync pairs per second on the disk that holds `directory`."""
    path = os.path.join(directory, "fsync-probe")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    count, start = 0, time.monotonic()
    try:
        while time.monotonic() - start < seconds:
            os.pwrite(fd, b"x" * 512, 0)
            os.fsync(fd)
            count += 1
    finally:
        os.close(fd)
        os.unlink(path)
    return count / (time.monotonic() - start)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default="build-test-plain")
    p.add_argument("-c", type=int, default=16)
    p.add_argument("-m", type=int, default=500)
    p.add_argument("-s", type=int, default=4096)
    args = p.parse_args()

    os.environ["MAILSUITE_BUILD_DIR"] = os.path.abspath(args.build)
    sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
    from mailsuite_fixture import Suite  # noqa: E402

    with Suite(users={"bob@example.test": "bench-password"}, daemons=("mta",),
               settings={"log.level": "warning"}) as s:
        print(f"fsync rate of {s.dir}: {fsync_rate(s.dir):.0f}/s")
        load = os.path.join(args.build, "tests", "bench", "smtp_load")
        cmd = [load, "--port", str(s.port("smtp")), "-c", str(args.c), "-m", str(args.m),
               "-s", str(args.s), "--rcpt", "bob@example.test", "--max-seconds", "300"]
        result = subprocess.run(cmd, timeout=400)
        count = s.cli("mailbox", "list", "bob@example.test").stdout
        print("stored:", " ".join(count.split()))
        return result.returncode


if __name__ == "__main__":
    sys.exit(main())
