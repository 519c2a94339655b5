#!/usr/bin/env python3
"""The store backends side by side (issue #16): the same SMTP, IMAP and IDLE scenarios on a
SQLite store, on PostgreSQL with one node, and on PostgreSQL with two nodes (each running every
daemon, on 127.0.0.2 and 127.0.0.3), all in one run on this machine. PostgreSQL is a private
cluster this script starts with its durable defaults (fsync on, as SQLite's synchronous=FULL),
in a temporary folder on the same disk, and removes afterwards.

    tests/run.sh --no-sanitize
    tests/bench/pg_bench.py --build build-test-plain

  SMTP: smtp_load, C connections x M messages of S octets to one local user (two nodes: C/2
        connections to each node at once); accepted messages per second, latency percentiles.
  IMAP: imap_load, C sessions APPEND N messages each, then FETCH them R times (two nodes: the
        sessions on node B).
  POP3: C mailboxes filled with P messages of S octets by SMTP (to node A), then pop3_load: C
        sessions RETR every message, R rounds (two nodes: the sessions on node B).
  IDLE: D deliveries by SMTP to node A, one after another, while a session IDLEs on node B (one
        node: the same node): from the SMTP "250" to "* n EXISTS", p50/p99/max.

Every loop is bounded in count and time.
"""
import argparse
import concurrent.futures
import imaplib
import os
import re
import smtplib
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PASSWORD = "bench-password"


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def smtp_rate(build, nodes, conns, msgs, size):
    load = os.path.join(build, "tests", "bench", "smtp_load")
    procs = []
    for node in nodes:
        cmd = [load, "--host", node.host, "--port", str(node.port("smtp")),
               "-c", str(max(1, conns // len(nodes))), "-m", str(msgs), "-s", str(size),
               "--rcpt", "bob@example.test", "--max-seconds", "300"]
        procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True))
    total, p99 = 0.0, []
    for proc in procs:
        out, _ = proc.communicate(timeout=400)
        total += float(re.search(r"rate=(\d+)", out).group(1))
        p99.append(float(re.search(r"p99=([\d.]+)", out).group(1)))
    return f"{total:6.0f} msg/s  (p99 latency {max(p99):.1f} ms)"


def imap_rate(build, node, conns, n, rounds):
    load = os.path.join(build, "tests", "bench", "imap_load")
    cmd = [load, "--host", node.host, "--port", str(node.port("imap")), "-c", str(conns),
           "-n", str(n), "-r", str(rounds), "--password", PASSWORD]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600).stdout
    return " ".join(line.strip() for line in out.splitlines() if "/s" in line)


def pop3_rate(build, deliver_to, read_on, users, count, size, rounds, workers=4):
    sys.path.insert(0, HERE)
    from pop3_bench import make_message  # noqa: E402

    def send(indexes):
        with smtplib.SMTP(deliver_to.host, deliver_to.port("smtp"), timeout=120) as smtp:
            for i in indexes:
                smtp.sendmail("load@bench.example", users, make_message(size, i).encode())

    fill_start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        for f in [pool.submit(send, range(w, count, workers)) for w in range(workers)]:
            f.result()
    filled = time.monotonic() - fill_start
    load = os.path.join(build, "tests", "bench", "pop3_load")
    cmd = [load, "--host", read_on.host, "--port", str(read_on.port("pop3")),
           "-c", str(len(users)), "-r", str(rounds), "--user-prefix", "load",
           "--domain", "example.test", "--password", PASSWORD, "--max-seconds", "300"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=400).stdout
    rate = re.search(r"([\d.]+) messages/s, ([\d.]+) MB/s", out)
    return (f"{float(rate.group(1)):6.0f} messages/s, {rate.group(2)} MB/s  (filled by SMTP at "
            f"{count / filled:.0f} messages/s, each to {len(users)} mailboxes)")


def idle_latency(deliver_to, idle_on, count):
    m = imaplib.IMAP4(idle_on.host, idle_on.port("imap"), timeout=30)
    m.login("idle@example.test", PASSWORD)
    m.select("INBOX")
    latencies = []
    with smtplib.SMTP(deliver_to.host, deliver_to.port("smtp"), timeout=30) as c:
        for i in range(count):
            tag = m._new_tag().decode()
            m.send(f"{tag} IDLE\r\n".encode())
            m.readline()
            start = time.monotonic()
            c.sendmail("bench@example.org", ["idle@example.test"], f"Subject: {i}\r\n\r\nx\r\n")
            if not m.readline().endswith(b"EXISTS\r\n"):
                raise RuntimeError("no EXISTS")
            latencies.append((time.monotonic() - start) * 1000)
            m.send(b"DONE\r\n")
            while not m.readline().startswith(tag.encode()):
                pass
    m.logout()
    return (f"p50 {percentile(latencies, 50):5.1f} ms  p99 {percentile(latencies, 99):5.1f} ms  "
            f"max {max(latencies):5.1f} ms")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default="build-test-plain")
    p.add_argument("-c", type=int, default=8, help="SMTP connections / IMAP sessions")
    p.add_argument("-m", type=int, default=300, help="SMTP messages per connection")
    p.add_argument("-s", type=int, default=4096, help="SMTP message size")
    p.add_argument("-n", type=int, default=200, help="IMAP messages per session")
    p.add_argument("-r", type=int, default=3, help="IMAP fetch rounds")
    p.add_argument("-d", type=int, default=200, help="IDLE deliveries")
    p.add_argument("-p", type=int, default=300, help="POP3 messages per mailbox")
    args = p.parse_args()
    build = os.path.abspath(args.build)
    os.environ["MAILSUITE_BUILD_DIR"] = build

    cluster = tempfile.mkdtemp(prefix="mailsuite-pgbench-")
    os.chmod(cluster, 0o711)
    script = os.path.join(HERE, "..", "pg", "pg_cluster.sh")
    url = subprocess.run([script, "start", os.path.join(cluster, "pg")], check=True,
                         capture_output=True, text=True,
                         env={**os.environ, "PG_CLUSTER_DURABLE": "1"}).stdout.strip()
    os.environ["MAILSUITE_TEST_PG_URL"] = url
    sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
    from mailsuite_fixture import PostgresDatabase, Suite  # noqa: E402

    users = {"bob@example.test": PASSWORD, "idle@example.test": PASSWORD}
    users.update({f"load{i}@example.test": PASSWORD for i in range(1, args.c + 1)})
    quiet = {"log.level": "warning"}
    print(f"SMTP: {args.c} connections x {args.m} messages of {args.s} octets; IMAP: {args.c} "
          f"sessions x {args.n} messages, {args.r} fetch rounds; IDLE: {args.d} deliveries")
    try:
        setups = [("SQLite", None), ("PostgreSQL, 1 node", 1), ("PostgreSQL, 2 nodes", 2)]
        for name, nodes in setups:
            database = PostgresDatabase() if nodes else None
            suites = []
            try:
                if nodes is None:
                    suites.append(Suite(users=users, sqlite=True, settings=quiet).start())
                else:
                    for i in range(nodes):
                        suites.append(Suite(users=users if i == 0 else {},
                                            domains=("example.test",) if i == 0 else (),
                                            host=f"127.0.0.{2 + i}", database=database,
                                            settings={**quiet,
                                                      "queue.runner_name": f"n{i}"}).start())
                print(f"\n== {name}")
                print(f"  SMTP  {smtp_rate(build, suites, args.c, args.m, args.s)}")
                print(f"  IMAP  {imap_rate(build, suites[-1], args.c, args.n, args.r)}")
                loads = [u for u in users if u.startswith("load")]
                pop3 = pop3_rate(build, suites[0], suites[-1], loads, args.p, args.s, args.r)
                print(f"  POP3  {pop3}")
                print(f"  IDLE  {idle_latency(suites[0], suites[-1], args.d)}"
                      + ("  (delivered on node A, IDLE on node B)" if len(suites) > 1 else ""))
            finally:
                for s in reversed(suites):
                    s.__exit__(None, None, None)
                if database:
                    database.drop()
    finally:
        subprocess.run([script, "stop", os.path.join(cluster, "pg")], check=False)
        os.rmdir(cluster)
    return 0


if __name__ == "__main__":
    sys.exit(main())
