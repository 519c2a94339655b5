#!/usr/bin/env python3
"""Big-message benchmark: starts a real mailsuite-mta, -imapd and -pop3d with a temporary store,
delivers one message of about S MB (default 40) by SMTP to C users (default 5; the body is
stored once), then
  1. C IMAP sessions at once, one per user, each SELECT INBOX and FETCH its
     BODY.PEEK[HEADER.FIELDS (From Subject Date)], a 1 KB partial BODY.PEEK[]<1000.1024> and the
     whole BODY.PEEK[]; every reply is checked byte for byte;
  2. C POP3 sessions at once, one per user, each TOP 1 0 and RETR 1 (dot-stuffing undone and checked);
and reports each daemon's RSS once the sessions are logged in, its peak while they fetch (VmRSS
sampled every few ms, and VmHWM reset before) and the rise. Target (issue #12): each rise
< 40 MB for 5 sessions and a 40 MB message. (Logging in alone takes a daemon up by 64 MB per
concurrent login for a moment: argon2id's memory cost. That is printed, not counted.)

    tests/bench/big_message_bench.py --build build
    tests/bench/big_message_bench.py --build build --compress    # IMAP over COMPRESS=DEFLATE
    tests/bench/big_message_bench.py --build build --tls         # IMAPS and POP3S

Every wait is bounded (socket timeouts, thread joins with a deadline).
"""
import argparse
import base64
import os
import random
import re
import smtplib
import socket
import ssl
import sys
import threading
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
PASSWORD = "bench-password"

def user(i):
    """Session i's user: POP3 locks a maildrop per user, so each session has its own."""
    return f"big{i + 1}@example.test"

TIMEOUT = 120  # seconds, per socket operation


def big_message(size_mb):
    """About size_mb MB: a small text part and a base64 attachment (random bytes, so DEFLATE
    cannot shrink it to nothing), with a few body lines that start with "." for POP3."""
    rng = random.Random(12)
    head = ("From: Big Sender <big@bench.example>\r\nTo: <big@example.test>\r\n"
            "Subject: one big message\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
            "Message-ID: <big@bench.example>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n")
    text = ("--b1\r\nContent-Type: text/plain\r\n\r\nThe attachment follows.\r\n"
            ".a line with a leading dot\r\n.\r\n..two dots\r\n")
    attach_head = ("--b1\r\nContent-Type: application/octet-stream\r\n"
                   "Content-Transfer-Encoding: base64\r\n"
                   "Content-Disposition: attachment; filename=\"big.bin\"\r\n\r\n")
    raw = rng.randbytes(int(size_mb * 1024 * 1024 * 3 / 4))
    encoded = base64.encodebytes(raw).replace(b"\n", b"\r\n")
    return (head + text + attach_head).encode() + encoded + b"--b1--\r\n"


# ---- memory sampling -------------------------------------------------------------------------

def status_kb(pid, key):
    return status(pid).get(key, 0)


def status(pid):
    """The kB fields of /proc/PID/status (VmRSS, VmHWM, RssAnon, RssFile, ...)."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if value.strip().endswith(" kB"):
                out[key] = int(value.split()[0])
    return out


class RssSampler:
    """Samples VmRSS of `pid` every `interval` seconds on a thread; .peak in KB."""

    def __init__(self, pid, interval=0.002):
        self.pid, self.interval = pid, interval
        self.peak = status_kb(pid, "VmRSS")
        self.at_peak = status(pid)
        self.samples = 0
        self.stop_flag = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop_flag.is_set():
            now = status(self.pid)
            if now.get("VmRSS", 0) > self.peak:
                self.peak, self.at_peak = now["VmRSS"], now
            self.samples += 1
            time.sleep(self.interval)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_flag.set()
        self.thread.join(10)
        return False


# ---- a small, allocation-conscious client ----------------------------------------------------

class Conn:
    """Lines and exact byte counts over a socket, optionally inflating (COMPRESS=DEFLATE)."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = bytearray()
        self.pos = 0
        self.inflater = None
        self.deflater = None
        self.chunk = bytearray(256 * 1024)

    def send(self, data):
        if self.deflater:
            data = self.deflater.compress(data) + self.deflater.flush(zlib.Z_SYNC_FLUSH)
        self.sock.sendall(data)

    def _fill(self):
        n = self.sock.recv_into(self.chunk)
        if n == 0:
            raise EOFError("server closed the connection")
        data = memoryview(self.chunk)[:n]
        if self.inflater:
            data = self.inflater.decompress(data)
        if self.pos > 0 and self.pos == len(self.buf):
            self.buf.clear()
            self.pos = 0
        self.buf += data

    def line(self):
        for _ in range(1000000):
            i = self.buf.find(b"\r\n", self.pos)
            if i >= 0:
                out = bytes(self.buf[self.pos:i])
                self.pos = i + 2
                return out
            self._fill()
        raise AssertionError("no line")

    def exact(self, n):
        out = bytearray()
        while len(out) < n:
            if self.pos == len(self.buf):
                self._fill()
            take = min(n - len(out), len(self.buf) - self.pos)
            out += self.buf[self.pos:self.pos + take]
            self.pos += take
        return out

    def until(self, terminator):
        """Bytes up to and including `terminator` (POP3 multi-line replies)."""
        out = bytearray()
        for _ in range(10000000):
            i = self.buf.find(terminator, self.pos)
            if i >= 0:
                out += self.buf[self.pos:i + len(terminator)]
                self.pos = i + len(terminator)
                return out
            # Keep the tail that may start the terminator.
            keep = max(self.pos, len(self.buf) - len(terminator) + 1)
            out += self.buf[self.pos:keep]
            self.pos = keep
            self._fill()
        raise AssertionError("no terminator")


def open_socket(port, tls):
    sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        sock = ctx.wrap_socket(sock)
    return sock


def imap_response(c, tag):
    """(lines, literals) up to the tagged line."""
    lines, literals = [], []
    for _ in range(100000):
        line = c.line()
        lines.append(line)
        m = re.search(rb"\{(\d+)\}$", line)
        if m:
            literals.append(c.exact(int(m.group(1))))
        elif line.startswith(tag + b" "):
            if not line.startswith(tag + b" OK"):
                raise RuntimeError(f"IMAP {line!r}")
            return lines, literals
    raise AssertionError("no tagged reply")


def imap_session(port, tls, compress, results, index, start):
    with open_socket(port, tls) as sock:
        c = Conn(sock)
        c.line()  # greeting
        c.send(f"l LOGIN {user(index)} {PASSWORD}\r\n".encode())
        imap_response(c, b"l")
        if compress:
            c.send(b"z COMPRESS DEFLATE\r\n")
            imap_response(c, b"z")
            c.inflater = zlib.decompressobj(wbits=-15)
            c.deflater = zlib.compressobj(wbits=-15)
            if c.pos < len(c.buf):
                rest = bytes(c.buf[c.pos:])
                c.buf, c.pos = bytearray(c.inflater.decompress(rest)), 0
        c.send(b"s SELECT INBOX\r\n")
        imap_response(c, b"s")
        start.wait(TIMEOUT)
        t0 = time.monotonic()
        c.send(b"h FETCH 1 (BODY.PEEK[HEADER.FIELDS (From Subject Date)])\r\n")
        _, header = imap_response(c, b"h")
        c.send(b"p FETCH 1 (BODY.PEEK[]<1000.1024>)\r\n")
        _, partial = imap_response(c, b"p")
        c.send(b"b FETCH 1 (RFC822.SIZE BODY.PEEK[])\r\n")
        lines, whole = imap_response(c, b"b")
        elapsed = time.monotonic() - t0
        size = int(re.search(rb"RFC822\.SIZE (\d+)", lines[0]).group(1))
        c.send(b"o LOGOUT\r\n")
        results[index] = (header[0], bytes(partial[0]), whole[0], size, elapsed)


def pop3_session(port, tls, results, index, start):
    with open_socket(port, tls) as sock:
        c = Conn(sock)
        c.line()  # greeting
        for command in (f"USER {user(index)}", f"PASS {PASSWORD}"):
            c.send(command.encode() + b"\r\n")
            reply = c.line()
            if not reply.startswith(b"+OK"):
                raise RuntimeError(f"POP3 {command.split()[0]}: {reply!r}")
        start.wait(TIMEOUT)
        t0 = time.monotonic()
        c.send(b"TOP 1 0\r\n")
        if not c.line().startswith(b"+OK"):
            raise RuntimeError("TOP refused")
        top = c.until(b"\r\n.\r\n")
        c.send(b"RETR 1\r\n")
        first = c.line()
        if not first.startswith(b"+OK"):
            raise RuntimeError(f"RETR: {first!r}")
        wire = c.until(b"\r\n.\r\n")
        elapsed = time.monotonic() - t0
        c.send(b"QUIT\r\n")
        results[index] = (unstuff(top), unstuff(wire), int(first.split()[1]), elapsed)


def unstuff(wire):
    """A POP3 multi-line body (with its terminating ".\\r\\n") back to the message text."""
    text = bytes(wire[:-3])  # drop ".\r\n"; the CRLF before it ends the last line
    if text.startswith(b"."):
        text = text[1:]
    return text.replace(b"\r\n.", b"\r\n")


class StartLine:
    """Sessions log in, then wait here; the main thread measures, then lets them all go."""

    def __init__(self, count):
        self.ready = threading.Barrier(count + 1, timeout=TIMEOUT)
        self.go = threading.Event()

    def wait(self, timeout):
        self.ready.wait()
        self.go.wait(timeout)

    def abort(self):
        self.ready.abort()
        self.go.set()


def run_concurrently(target, count, args, pid):
    """Runs `count` sessions; returns (results, errors, rss before, sampler of the fetches).
    Logging in costs imapd/pop3d 64 MB per session for a moment (argon2id's memory), so the
    fetch phase is measured from the moment every session is logged in, with VmHWM reset."""
    results = [None] * count
    errors = []
    start = StartLine(count)

    def wrapped(i):
        try:
            target(*args, results, i, start)
        except Exception as e:  # reported below
            errors.append(f"session {i}: {e!r}")
            start.abort()

    threads = [threading.Thread(target=wrapped, args=(i,), daemon=True) for i in range(count)]
    with RssSampler(pid) as login:
        for t in threads:
            t.start()
        try:
            start.ready.wait()
        except threading.BrokenBarrierError:
            pass
    time.sleep(0.5)  # argon2's buffers are unmapped once the logins are done
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM to the current RSS
    except OSError:
        pass
    before = status_kb(pid, "VmRSS")
    with RssSampler(pid) as sampler:
        start.go.set()
        deadline = time.monotonic() + 600
        for t in threads:
            t.join(max(0.1, deadline - time.monotonic()))
    if any(t.is_alive() for t in threads):
        errors.append("sessions did not finish within 600 s")
    print(f"  {count} logins took the daemon to {login.peak / 1024:.1f} MB RSS (argon2id), "
          f"back to {before / 1024:.1f} MB before the fetches")
    return results, errors, before, sampler


def report(name, pid, before, sampler, sessions, size_mb):
    hwm = status_kb(pid, "VmHWM")
    peak = max(sampler.peak, hwm)
    rise = (peak - before) / 1024
    verdict = "ok" if rise < 40 else "over"
    at = sampler.at_peak
    print(f"{name}: RSS before {before / 1024:.1f} MB, peak {sampler.peak / 1024:.1f} MB sampled "
          f"({sampler.samples} samples; anon {at.get('RssAnon', 0) / 1024:.1f}, file "
          f"{at.get('RssFile', 0) / 1024:.1f}, shmem {at.get('RssShmem', 0) / 1024:.1f}), "
          f"VmHWM {hwm / 1024:.1f} MB; rise {rise:.1f} MB for {sessions} sessions x {size_mb} MB "
          f"(target < 40 MB: {verdict})")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default="build")
    p.add_argument("-s", "--size", type=float, default=40, help="message size in MB")
    p.add_argument("-c", "--sessions", type=int, default=5)
    p.add_argument("--compress", action="store_true", help="IMAP sessions use COMPRESS=DEFLATE")
    p.add_argument("--tls", action="store_true", help="IMAPS (993) and POP3S (995)")
    args = p.parse_args()
    build = os.path.abspath(args.build)
    os.environ["MAILSUITE_BUILD_DIR"] = build
    sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
    from mailsuite_fixture import Suite  # noqa: E402

    message = big_message(args.size)
    limit = str(len(message) * 2)
    settings = {"log.level": "warning", "smtp.max_message_size": limit,
                "imap.max_literal_size": limit}
    users = [user(i) for i in range(args.sessions)]
    with Suite(users={u: PASSWORD for u in users}, daemons=("mta", "imapd", "pop3d"),
               settings=settings) as s:
        t0 = time.monotonic()
        with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=TIMEOUT) as smtp:
            smtp.sendmail("big@bench.example", users, message)
        print(f"delivered one message of {len(message) / 1e6:.1f} MB by SMTP to {len(users)} "
              f"users in {time.monotonic() - t0:.1f} s")
        failures = []

        # ---- IMAP ----
        pid = s.procs["imapd"].pid
        mode = " over COMPRESS=DEFLATE" if args.compress else ""
        results, errors, before, sampler = run_concurrently(
            imap_session, args.sessions,
            (s.port("imaps" if args.tls else "imap"), args.tls, args.compress), pid)
        failures += errors
        report(f"imapd{mode}{' (TLS)' if args.tls else ''}", pid, before, sampler, args.sessions,
               args.size)
        for i, r in enumerate(results):
            if r is None:
                continue
            header, partial, whole, size, elapsed = r
            # What the MTA put in front (Received:, Return-Path:, Delivered-To:) + what we sent.
            prefix_len = len(whole) - len(message)
            if not whole.endswith(message) or prefix_len < 0 or size != len(whole):
                failures.append(f"IMAP session {i}: BODY[] is not the message "
                                f"({len(whole)} bytes, RFC822.SIZE {size})")
                continue
            prefix = bytes(whole[:prefix_len])
            if prefix and not (prefix.endswith(b"\r\n") and b"\r\n\r\n" not in prefix):
                failures.append(f"IMAP session {i}: unexpected text before the message")
            if partial != bytes(whole[1000:2024]):
                failures.append(f"IMAP session {i}: BODY[]<1000.1024> differs")
            want = (b"From: Big Sender <big@bench.example>\r\n"
                    b"Subject: one big message\r\n"
                    b"Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\n")
            if bytes(header) != want:
                failures.append(f"IMAP session {i}: HEADER.FIELDS gave {bytes(header)!r}")
            print(f"  IMAP session {i}: header fields, partial and {len(whole) / 1e6:.1f} MB "
                  f"byte-exact in {elapsed:.2f} s")
        expected = [bytes(r[2]) if r else None for r in results]
        del results

        # ---- POP3 ----
        pid = s.procs["pop3d"].pid
        results, errors, before, sampler = run_concurrently(
            pop3_session, args.sessions, (s.port("pop3s" if args.tls else "pop3"), args.tls), pid)
        failures += errors
        report(f"pop3d{' (TLS)' if args.tls else ''}", pid, before, sampler, args.sessions,
               args.size)
        for i, r in enumerate(results):
            if r is None:
                continue
            top, text, octets, elapsed = r
            ok = text.endswith(message) and octets == len(text)
            if expected[i] is not None:
                ok = ok and text == expected[i]  # the same user's text over IMAP
            header_end = text.find(b"\r\n\r\n") + 4
            if not ok:
                failures.append(f"POP3 session {i}: RETR is not the message ({len(text)} bytes, "
                                f"announced {octets})")
            elif top != text[:header_end]:
                failures.append(f"POP3 session {i}: TOP 1 0 is not the header")
            else:
                print(f"  POP3 session {i}: TOP and RETR of {len(text) / 1e6:.1f} MB byte-exact "
                      f"in {elapsed:.2f} s")
    for f in failures:
        print("FAILED:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
