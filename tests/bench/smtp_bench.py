#!/usr/bin/env python3
"""SMTP acceptance benchmark: starts a real mailsuite-mta with a temporary store (durable
commits, as in production), runs smtp_load against it, and prints the disk's fsync rate for
scale. Build without sanitizers first (tests/run.sh --no-sanitize), then:

    tests/bench/smtp_bench.py --build build-test-plain -c 16 -m 500 -s 4096

--sign: the sender's domain is local with DKIM keys, so every message is signed (RSA and
Ed25519), as a trusted network's mail for a local From: domain is. --sieve FILE: the recipient
has FILE as their active Sieve script (twenty_rules.sieve is a typical one). --quota: every user
has a (never reached) storage limit, so RCPT and the end of data check it. --check: the client is a
stranger on port 25, so every message gets SPF (MAIL FROM and HELO), DKIM and DMARC checks
against a loopback fake DNS that publishes SPF and DMARC for the sender's domain.
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
    p.add_argument("--sign", action="store_true")
    p.add_argument("--check", action="store_true")
    p.add_argument("--sieve", metavar="FILE")
    p.add_argument("--quota", action="store_true")
    args = p.parse_args()

    os.environ["MAILSUITE_BUILD_DIR"] = os.path.abspath(args.build)
    sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
    from mailsuite_fixture import Suite  # noqa: E402
    from fake_dns import FakeDns  # noqa: E402

    settings = {"log.level": "warning"}
    if args.quota:
        settings["quota.storage"] = "100G"
    domains = ["example.test"]
    dns = None
    if args.sign:
        domains.append("bench.example")  # smtp_load's sender domain
    if args.check:
        dns = FakeDns({("bench.example", "TXT"): ["v=spf1 ip4:127.0.0.0/8 -all"],
                       ("_dmarc.bench.example", "TXT"): ["v=DMARC1; p=reject"]}).start()
        settings.update({"smtp.trusted_networks": "", "dns.servers": f"127.0.0.1:{dns.port}"})
    with Suite(users={"bob@example.test": "bench-password"}, daemons=("mta",),
               domains=domains, settings=settings) as s:
        if args.sieve:
            s.cli("sieve", "put", "bob@example.test", "bench", args.sieve)
            s.cli("sieve", "activate", "bob@example.test", "bench")
        if args.sign:
            s.cli("dkim", "keygen", "bench.example")
            s.stop_daemon("mta")
            s.start_daemon("mta")
        print(f"fsync rate of {s.dir}: {fsync_rate(s.dir):.0f}/s"
              + (", DKIM signing" if args.sign else "")
              + (", SPF/DKIM/DMARC checks" if args.check else "")
              + (f", Sieve script {os.path.basename(args.sieve)}" if args.sieve else "")
              + (", quota checked" if args.quota else ""))
        load = os.path.join(args.build, "tests", "bench", "smtp_load")
        cmd = [load, "--port", str(s.port("smtp")), "-c", str(args.c), "-m", str(args.m),
               "-s", str(args.s), "--rcpt", "bob@example.test", "--max-seconds", "300"]
        result = subprocess.run(cmd, timeout=400)
        count = s.cli("mailbox", "list", "bob@example.test").stdout
        print("stored:", " ".join(count.split()))
        if dns:
            dns.stop()
        return result.returncode


if __name__ == "__main__":
    sys.exit(main())
