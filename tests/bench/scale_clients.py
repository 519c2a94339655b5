"""The clients scale_bench.py times with: a raw-socket IMAP client that times one command from
its send to its tagged reply, an SMTP background load to other users, and percentiles.

Raw sockets rather than imaplib: imaplib parses every line in Python, which for the 100,000
lines of `UID FETCH 1:* (FLAGS)` would time the client more than the server.
"""
import os
import re
import socket
import subprocess
import time


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def median(values):
    return percentile(values, 50)


class ImapError(RuntimeError):
    pass


class Imap:
    """One IMAP connection on loopback. Blocking, with a timeout on every read."""

    def __init__(self, port, timeout=120):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.count = 0
        greeting = self.readline()
        if not greeting.startswith(b"* OK"):
            raise ImapError(f"greeting: {greeting!r}")

    def _fill(self):
        data = self.sock.recv(1 << 20)
        if not data:
            raise ConnectionError("imapd closed the connection")
        self.buf += data
        return data

    def readline(self):
        while True:
            end = self.buf.find(b"\r\n")
            if end >= 0:
                line = bytes(self.buf[:end])
                del self.buf[:end + 2]
                return line
            self._fill()

    def _read_exact(self, n):
        while len(self.buf) < n:
            self._fill()
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def _response_line(self):
        """One response with its literals read: the line as text without the literal octets."""
        line = self.readline()
        while line.endswith(b"}") and b"{" in line:
            n = int(line[line.rindex(b"{") + 1:-1])
            self._read_exact(n)
            line += b" " + self.readline()
        return line

    def command(self, text, literals=True):
        """Sends one command; returns (its untagged lines, seconds to the tagged OK).

        With literals=False the reply is only scanned for the tagged line (for replies that
        cannot hold literals, such as FETCH FLAGS) and the first value is the number of
        untagged lines. Raises ImapError unless the tagged reply is OK.
        """
        self.count += 1
        tag = b"s%d" % self.count
        started = time.perf_counter()
        self.sock.sendall(tag + b" " + text.encode() + b"\r\n")
        if literals:
            untagged = []
            while True:
                line = self._response_line()
                if line.startswith(tag + b" "):
                    break
                untagged.append(line)
        else:
            untagged, tagged = self._scan_to_tag(tag)
            line = tagged
        seconds = time.perf_counter() - started
        if not line.startswith(tag + b" OK"):
            raise ImapError(f"{text!r}: {line[:200]!r}")
        return untagged, seconds

    def _scan_to_tag(self, tag):
        """Reads to the line `tag ...` without splitting the lines before it; returns (the
        number of lines before it, the tagged line)."""
        needle = b"\r\n" + tag + b" "
        searched = 0
        while True:
            if self.buf.startswith(tag + b" "):
                start = 0
            else:
                at = self.buf.find(needle, searched)
                start = at + 2 if at >= 0 else -1
            if start >= 0:
                break
            searched = max(0, len(self.buf) - len(needle) + 1)
            self._fill()
        end = self.buf.find(b"\r\n", start)
        while end < 0:
            self._fill()
            end = self.buf.find(b"\r\n", start)
        lines = self.buf.count(b"\n", 0, start)
        tagged = bytes(self.buf[start:end])
        del self.buf[:end + 2]
        return lines, tagged

    def login(self, user, password):
        self.command(f'LOGIN "{user}" "{password}"')

    def select(self, mailbox="INBOX"):
        """SELECT; returns (EXISTS, UIDNEXT, seconds)."""
        untagged, seconds = self.command(f"SELECT {mailbox}")
        exists = uidnext = None
        for line in untagged:
            m = re.match(rb"\* (\d+) EXISTS", line)
            if m:
                exists = int(m.group(1))
            m = re.search(rb"\[UIDNEXT (\d+)\]", line)
            if m:
                uidnext = int(m.group(1))
        return exists, uidnext, seconds

    def idle(self):
        self.count += 1
        self.idle_tag = b"s%d" % self.count
        self.sock.sendall(self.idle_tag + b" IDLE\r\n")
        while not self.readline().startswith(b"+"):
            pass

    def wait_exists(self, at_least, deadline):
        """In IDLE: reads until `* n EXISTS` with n >= at_least; returns its arrival time."""
        while True:
            self.sock.settimeout(max(0.001, deadline - time.monotonic()))
            line = self.readline()
            m = re.match(rb"\* (\d+) EXISTS", line)
            if m and int(m.group(1)) >= at_least:
                return time.perf_counter()

    def done(self):
        self.sock.settimeout(60)
        self.sock.sendall(b"DONE\r\n")
        while not self.readline().startswith(self.idle_tag + b" "):
            pass

    def close(self):
        try:
            self.sock.sendall(b"z LOGOUT\r\n")
        except OSError:
            pass
        self.sock.close()


def smtp_load(build, port, rcpt, sessions, per_session, size, max_seconds=300):
    """Runs smtp_load to the end; returns (its output, msg/s, p50 ms, p99 ms)."""
    cmd = [os.path.join(build, "tests", "bench", "smtp_load"), "--port", str(port),
           "-c", str(sessions), "-m", str(per_session), "-s", str(size), "--rcpt", rcpt,
           "--max-seconds", str(max_seconds)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=max_seconds + 60).stdout
    rate = re.search(r"rate=(\d+)", out)
    failed = re.search(r"failed=(\d+)", out)
    if not rate or not failed or int(failed.group(1)):
        raise RuntimeError(f"smtp_load to {rcpt} failed: {out.strip()}")
    p50 = float(re.search(r"p50=([\d.]+)", out).group(1))
    p99 = float(re.search(r"p99=([\d.]+)", out).group(1))
    return out.strip(), float(rate.group(1)), p50, p99


class BackgroundLoad:
    """SMTP at the full accept rate to OTHER users, one smtp_load session per user, until the
    block ends (then its processes are stopped). The rate is what got stored meanwhile."""

    def __init__(self, suite, build, users, size=1024, max_seconds=600):
        self.suite, self.build, self.users = suite, build, users
        self.size, self.max_seconds = size, max_seconds
        self.procs = []
        self.rate = 0.0

    def stored(self):
        total = 0
        for user in self.users:
            out = self.suite.cli("mailbox", "list", user).stdout
            total += int(re.search(r"^INBOX\t(\d+) messages", out, re.M).group(1))
        return total

    def __enter__(self):
        self.before = self.stored()
        load = os.path.join(self.build, "tests", "bench", "smtp_load")
        for user in self.users:
            self.procs.append(subprocess.Popen(
                [load, "--port", str(self.suite.port("smtp")), "-c", "1", "-m", "1000000",
                 "-s", str(self.size), "--rcpt", user, "--max-seconds", str(self.max_seconds)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        self.started = time.monotonic()
        time.sleep(1.0)  # let every session reach its stride
        return self

    def __exit__(self, *exc):
        seconds = time.monotonic() - self.started
        ended_early = [p for p in self.procs if p.poll() is not None]
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            p.wait(timeout=30)
        self.rate = (self.stored() - self.before) / seconds
        if ended_early and exc[0] is None:
            raise RuntimeError(f"{len(ended_early)} background smtp_load sessions ended early")
        return False
