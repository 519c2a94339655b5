#!/usr/bin/env python3
"""SEARCH benchmark: starts a real mailsuite-imapd with a temporary store, APPENDs N messages
to one user's INBOX (a third plain text, a third with a base64-encoded text part, a third with a
100 KB base64 attachment, so above the 64 KB "small message" line), then times each SEARCH R
times and prints the median and the slowest in ms, and the messages it found:
  - BODY / TEXT of a word in no message (every message is read; the common case),
  - BODY of a word only in the base64-encoded text parts (found only by decoding, RFC 9051
    6.4.4), SUBJECT of an RFC 2047 encoded word, and a flag search (no text read) for scale.

    tests/bench/search_bench.py --build build -n 3000 -r 5

Every wait is bounded (socket timeouts); the store is removed afterwards.
"""
import argparse
import base64
import os
import socket
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PASSWORD = "bench-password"
USER = "search@example.test"


def message(i):
    filler = ("lorem ipsum dolor sit amet consectetur %d " % i) * 40
    kind = i % 3
    if kind == 0:
        return (f"From: a{i}@example.org\r\nSubject: plain {i}\r\n\r\n{filler}\r\n").encode()
    subject = "=?UTF-8?Q?caf=C3=A9_" + str(i) + "?="
    head = (f"From: b{i}@example.org\r\nSubject: {subject}\r\nMime-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=zz\r\n\r\n")
    text = base64.encodebytes((filler + " hiddenword").encode()).decode().replace("\n", "\r\n")
    body = ("--zz\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Transfer-Encoding: base64\r\n\r\n{text}")
    if kind == 2:
        blob = base64.encodebytes(os.urandom(100 * 1024)).decode().replace("\n", "\r\n")
        body += ("--zz\r\nContent-Type: application/pdf; name=x.pdf\r\n"
                 f"Content-Transfer-Encoding: base64\r\n\r\n{blob}")
    return (head + body + "--zz--\r\n").encode()


class Conn:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=300)
        self.f = self.sock.makefile("rb")
        self.f.readline()
        self.n = 0

    def cmd(self, text, literal=None):
        self.n += 1
        tag = b"t%d" % self.n
        if literal is None:
            self.sock.sendall(tag + b" " + text + b"\r\n")
        else:
            self.sock.sendall(tag + b" " + text + b" {%d+}\r\n" % len(literal) + literal + b"\r\n")
        lines = []
        for _ in range(100000):
            line = self.f.readline()
            if not line:
                raise SystemExit("connection closed")
            lines.append(line)
            if line.startswith(tag + b" "):
                if not line.startswith(tag + b" OK"):
                    raise SystemExit(f"{text!r}: {line!r}")
                return lines
        raise SystemExit("too many lines")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default="build")
    p.add_argument("-n", type=int, default=3000)
    p.add_argument("-r", type=int, default=5)
    args = p.parse_args()
    os.environ["MAILSUITE_BUILD_DIR"] = os.path.abspath(args.build)
    sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
    from mailsuite_fixture import Suite  # noqa: E402

    with Suite(users={USER: PASSWORD}, daemons=("imapd",),
               settings={"log.level": "warning", "imap.max_literal_size": "10000000"}) as s:
        c = Conn(s.port("imap"))
        c.cmd(b"LOGIN " + USER.encode() + b" " + PASSWORD.encode())
        start = time.monotonic()
        for i in range(args.n):
            c.cmd(b"APPEND INBOX", message(i))
        print(f"filled {args.n} messages in {time.monotonic() - start:.1f} s")
        c.cmd(b"SELECT INBOX")
        searches = [("BODY absent", b"SEARCH BODY zzqqxxabsent"),
                    ("TEXT absent", b"SEARCH TEXT zzqqxxabsent"),
                    ("BODY in base64 text", b"SEARCH BODY hiddenword"),
                    ("SUBJECT encoded word", b"SEARCH SUBJECT \"caf\xc3\xa9 7\""),
                    ("FLAGGED (no text read)", b"SEARCH FLAGGED")]
        print(f"{'search':26} {'median ms':>10} {'max ms':>8} {'found':>6}")
        for name, command in searches:
            times, found = [], 0
            for _ in range(args.r):
                t = time.monotonic()
                lines = c.cmd(command)
                times.append((time.monotonic() - t) * 1000)
                found = sum(len(l.split()) - 2 for l in lines if l.startswith(b"* SEARCH"))
            print(f"{name:26} {statistics.median(times):10.1f} {max(times):8.1f} {found:6d}")
        c.cmd(b"LOGOUT")
    return 0


if __name__ == "__main__":
    sys.exit(main())
