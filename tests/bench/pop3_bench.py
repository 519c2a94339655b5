#!/usr/bin/env python3
"""POP3 retrieval benchmark: starts a real mailsuite-pop3d and mailsuite-mta with a temporary
store, fills C mailboxes (users load1..loadC) with N messages of S bytes by SMTP through the mta
(one message to all C users, so the body is stored once), then runs pop3_load: C concurrent
sessions doing STAT, LIST and RETR of every message in keep mode. Build without sanitizers first
(tests/run.sh --no-sanitize), then:

    tests/bench/pop3_bench.py --build build-test-plain -c 8 -n 2000 -s 4096 -r 3
"""
import argparse
import concurrent.futures
import os
import smtplib
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PASSWORD = "bench-password"


def make_message(size, index):
    head = (f"From: <load@bench.example>\r\nTo: <load@example.test>\r\n"
            f"Subject: pop3 load {index}\r\n\r\n")
    body = []
    length = len(head)
    while length + 78 <= size:
        body.append("x" * 76)
        length += 78
    return head + "\r\n".join(body) + "\r\n"


def fill(port, users, count, size, workers=4):
    """Delivers `count` messages, each to every user in `users`, over `workers` connections."""
    def send(indexes):
        with smtplib.SMTP("127.0.0.1", port, timeout=120) as smtp:
            for i in indexes:
                smtp.sendmail("load@bench.example", users, make_message(size, i).encode())
    chunks = [range(w, count, workers) for w in range(workers)]
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        for f in [pool.submit(send, c) for c in chunks]:
            f.result()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default="build-test-plain")
    p.add_argument("-c", type=int, default=8, help="concurrent sessions (one user each)")
    p.add_argument("-n", type=int, default=2000, help="messages per mailbox")
    p.add_argument("-s", type=int, default=4096, help="message size in bytes")
    p.add_argument("-r", type=int, default=3, help="rounds of login+retrieve-all per session")
    args = p.parse_args()

    os.environ["MAILSUITE_BUILD_DIR"] = os.path.abspath(args.build)
    sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
    from mailsuite_fixture import Suite  # noqa: E402

    users = [f"load{i + 1}@example.test" for i in range(args.c)]
    with Suite(users={u: PASSWORD for u in users}, daemons=("mta", "pop3d"),
               settings={"log.level": "warning"}) as s:
        start = time.monotonic()
        fill(s.port("smtp"), users, args.n, args.s)
        print(f"filled {args.c} mailboxes with {args.n} messages of {args.s} bytes "
              f"in {time.monotonic() - start:.1f}s")
        load = os.path.join(args.build, "tests", "bench", "pop3_load")
        cmd = [load, "--port", str(s.port("pop3")), "-c", str(args.c), "-r", str(args.r),
               "--user-prefix", "load", "--domain", "example.test", "--password", PASSWORD,
               "--max-seconds", "300"]
        result = subprocess.run(cmd, timeout=400)
        return result.returncode


if __name__ == "__main__":
    sys.exit(main())
