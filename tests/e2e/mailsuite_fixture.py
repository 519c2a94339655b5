"""End-to-end fixture: a whole mailsuite in a temporary directory.

Suite() creates a config and database with the real `mailsuite` CLI (every port on 127.0.0.1:0,
so tests can run in parallel), provisions users through the CLI, starts the real daemons, waits
until each has written its bound ports, and stops them with SIGTERM at the end.

    with Suite(users={"bob@example.test": "hungry"}) as s:
        sock = socket.create_connection(("127.0.0.1", s.port("smtp")))

Binaries are found through MAILSUITE_BUILD_DIR (set by ctest) or ../../build.
"""

import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time

from fake_dns import FakeDns

BUILD_DIR = os.environ.get(
    "MAILSUITE_BUILD_DIR",
    os.path.join(os.path.dirname(__file__), "..", "..", "build"))

DAEMONS = {
    "mta": ("mta/mailsuite-mta", ["smtp.listen", "smtp.submission_listen",
                                  "smtp.submissions_listen"]),
    "pop3d": ("pop3d/mailsuite-pop3d", ["pop3.listen", "pop3.tls_listen"]),
    "imapd": ("imapd/mailsuite-imapd", ["imap.listen", "imap.tls_listen",
                                    "imap.managesieve_listen"]),
}


# With MAILSUITE_TEST_PG_URL (the "postgres" database of a test cluster, see tests/pg) every
# Suite keeps its store in a PostgreSQL database of its own instead of a SQLite file.
PG_BASE_URL = os.environ.get("MAILSUITE_TEST_PG_URL", "")


def binary(relative):
    return os.path.join(BUILD_DIR, relative)


def testing_postgres():
    return bool(PG_BASE_URL)


def skip_on_postgres(test, why):
    """Skips a test about the SQLite file itself (its path, copy, disk) on the PostgreSQL run."""
    if testing_postgres():
        test.skipTest("SQLite only: " + why)


def psql(url, sql):
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql], check=True,
                   capture_output=True, timeout=60)


class PostgresDatabase:
    """A new database in the test cluster, dropped again by drop()."""

    def __init__(self):
        self.name = f"e2e_{os.getpid()}_{time.monotonic_ns()}"
        psql(PG_BASE_URL, f"CREATE DATABASE {self.name}")
        self.url = PG_BASE_URL.replace("/postgres?", f"/{self.name}?", 1)

    def drop(self):
        psql(PG_BASE_URL, f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


class Suite:
    def __init__(self, users=None, domains=("example.test",), daemons=("mta", "pop3d", "imapd"),
                 settings=None, host="127.0.0.1", database=None, sqlite=False):
        """host: the loopback address every listener binds. database: a PostgresDatabase to
        share with other Suites (nodes of one site; the caller drops it), instead of a store of
        this Suite's own. sqlite: a SQLite store even on the PostgreSQL run."""
        self.dir = tempfile.mkdtemp(prefix="mailsuite-e2e-")
        self.config = os.path.join(self.dir, "mailsuite.conf")
        self.users = dict(users or {})
        self.domains = list(domains)
        self.daemons = list(daemons)
        self.settings = dict(settings or {})
        self.procs = {}
        self.ports = {}
        self.dns = None  # the empty fake DNS a suite without dns.servers gets
        self.host = host
        self.own_database = database is None and testing_postgres() and not sqlite
        self.database = database or (PostgresDatabase() if self.own_database else None)

    # --- setup ---------------------------------------------------------------------------
    def cli(self, *args, input_text=None, check=True):
        """Runs `mailsuite --config <tmp> ARGS`; returns the CompletedProcess."""
        cmd = [binary("store/mailsuite"), "--config", self.config, *args]
        result = subprocess.run(cmd, input=input_text, capture_output=True, text=True,
                                timeout=120)
        if check and result.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed: {result.stderr.strip()}")
        return result

    def start(self):
        sets = {"store.path": "mailsuite.db", "tls.certificate": "cert.pem",
                "tls.private_key": "key.pem", "general.hostname": "mail.example.test",
                "auth.failure_delay_ms": "100", "log.level": "debug",
                # Cheap password hashes: the suites log in thousands of times, and argon2id's
                # 64 MiB costs seconds a login under TSan. unit.shared.Password tests the default.
                "auth.hash_iterations": "1", "auth.hash_memory_kib": "64"}
        for _, keys in DAEMONS.values():
            for key in keys:
                sets[key] = f"{self.host}:0"
        if self.database:
            sets.update({"store.backend": "postgresql", "store.url": self.database.url})
        sets.update(self.settings)
        if "dns.servers" not in sets:
            # Test traffic stays on loopback: the SPF/DKIM/DMARC checks of port 25 (and any
            # relay) ask an empty fake DNS, which answers every name with NXDOMAIN at once.
            self.dns = FakeDns({}).start()
            sets["dns.servers"] = f"127.0.0.1:{self.dns.port}"
        args = ["init"]
        for k, v in sets.items():
            args += ["--set", f"{k}={v}"]
        self.cli(*args)
        for d in self.domains:
            self.cli("domain", "add", d)
        for address, password in self.users.items():
            self.cli("user", "add", address, input_text=password + "\n")
        for name in self.daemons:
            self.start_daemon(name)
        return self

    def start_daemon(self, name, extra_sets=()):
        path, _ = DAEMONS[name]
        ports_file = os.path.join(self.dir, f"{name}.ports")
        if os.path.exists(ports_file):
            os.unlink(ports_file)
        log = open(os.path.join(self.dir, f"{name}.log"), "ab")
        cmd = [binary(path), "--config", self.config, "--set", f"server.ports_file={ports_file}"]
        for s in extra_sets:
            cmd += ["--set", s]
        proc = subprocess.Popen(cmd, stdout=log, stderr=log)
        log.close()  # the child has its own descriptor
        self.procs[name] = proc
        deadline = time.monotonic() + 30
        while not os.path.exists(ports_file):
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}: {self.log(name)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start: {self.log(name)}")
            time.sleep(0.02)
        with open(ports_file) as f:
            for line in f:
                listener, endpoint = line.split()
                self.ports[listener] = int(endpoint.rsplit(":", 1)[1])
        return proc

    # --- use -----------------------------------------------------------------------------
    def port(self, listener):
        return self.ports[listener]

    def connect(self, listener, timeout=10):
        return socket.create_connection((self.host, self.port(listener)), timeout=timeout)

    def connect_tls(self, listener, timeout=10):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx.wrap_socket(self.connect(listener, timeout))

    def log(self, name):
        try:
            with open(os.path.join(self.dir, f"{name}.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    # --- teardown ------------------------------------------------------------------------
    def stop_daemon(self, name, sig=signal.SIGTERM, timeout=30):
        """Signals a daemon and returns its exit code."""
        proc = self.procs.pop(name)
        if proc.poll() is None:
            proc.send_signal(sig)
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise RuntimeError(f"{name} did not stop within {timeout}s")

    def stop(self):
        codes = {}
        for name in list(self.procs):
            codes[name] = self.stop_daemon(name)
        return codes

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        try:
            codes = self.stop()
            bad = {n: c for n, c in codes.items() if c != 0}
            # A sanitizer report (or a crash message) is in the daemon's log, which goes away
            # with the directory: keep its end in the failure so CI shows why.
            report = "".join(f"\n--- end of {n}.log ---\n{self.log(n)[-12000:]}" for n in bad)
        finally:
            if self.dns:
                self.dns.stop()
            if self.database and self.own_database:
                self.database.drop()
            if os.environ.get("MAILSUITE_KEEP_E2E_DIR") is None:
                shutil.rmtree(self.dir, ignore_errors=True)
        if bad and exc[0] is None:
            raise RuntimeError(f"daemons exited uncleanly: {bad}{report}")
        return False


def read_line(sock_file):
    """One CRLF line from a socket file, without the CRLF."""
    line = sock_file.readline()
    if not line.endswith(b"\r\n"):
        raise AssertionError(f"expected a CRLF line, got {line!r}")
    return line[:-2].decode()
