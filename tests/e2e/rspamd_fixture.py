"""A private rspamd (and the redis it learns into) for the filtering tests: Debian's packages,
Debian's stock configuration, and a temporary LOCAL_CONFDIR that moves every socket to a free
loopback port, every file into the temporary folder, and every DNS question to an empty fake DNS
(so no check waits on the network). It adds one rule, MAILSUITE_TEST_SPAM (score 8, rspamd's
"add header" action), for a Subject containing "mailsuite-test-spam".

    with Rspamd() as r:
        r.milter_spec     # "inet:127.0.0.1:PORT" for smtp.milters
        r.controller_url  # "http://127.0.0.1:PORT" for spam.learn_url
"""

import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

from fake_dns import FakeDns

PASSWORD = "learn-secret"

TEST_RULE = """
rspamd_config:register_symbol({
  name = 'MAILSUITE_TEST_SPAM',
  score = 8.0,
  callback = function(task)
    local subject = task:get_subject()
    return subject ~= nil and subject:find('mailsuite-test-spam', 1, true) ~= nil
  end
})
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, what, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} never listened on {port}")


class Rspamd:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="rspamd-", dir="/tmp")
        self.proxy_port, self.controller_port, self.normal_port, self.redis_port = (
            free_port(), free_port(), free_port(), free_port())
        self.milter_spec = f"inet:127.0.0.1:{self.proxy_port}"
        self.controller_url = f"http://127.0.0.1:{self.controller_port}"
        self.password_file = os.path.join(self.dir, "controller.password")
        self.dns = None
        self.redis = None
        self.proc = None
        self.extra_lua = ""  # more rules for a test, in rspamd's Lua

    def write(self, relative, text):
        path = os.path.join(self.dir, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    def start(self):
        # A free port may be taken by someone else before rspamd binds it: try again.
        for attempt in range(3):
            try:
                return self.start_once()
            except RuntimeError:
                self.stop_processes()
                if attempt == 2:
                    raise
                self.proxy_port, self.controller_port, self.normal_port, self.redis_port = (
                    free_port(), free_port(), free_port(), free_port())
                self.milter_spec = f"inet:127.0.0.1:{self.proxy_port}"
                self.controller_url = f"http://127.0.0.1:{self.controller_port}"

    def start_once(self):
        self.dns = FakeDns({}).start()
        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", self.dir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.redis_port, self.redis, "redis-server")
        hashed = subprocess.run(["rspamadm", "pw", "-p", PASSWORD], capture_output=True,
                                text=True, check=True).stdout.strip()
        with open(self.password_file, "w") as f:
            f.write(PASSWORD + "\n")
        conf = "local"
        # As Debian ships it: the proxy speaks milter and hands scans to the normal workers.
        self.write(f"{conf}/local.d/worker-proxy.inc",
                   f'bind_socket = "127.0.0.1:{self.proxy_port}";\nmilter = yes;\n'
                   'timeout = 60s;\nupstream "local" { default = yes; '
                   f'hosts = "127.0.0.1:{self.normal_port}"; }}\n')
        self.write(f"{conf}/override.d/worker-normal.inc",
                   f'bind_socket = "127.0.0.1:{self.normal_port}";\n')
        # The password is needed from everywhere: no secure_ip.
        self.write(f"{conf}/override.d/worker-controller.inc",
                   f'bind_socket = "127.0.0.1:{self.controller_port}";\ncount = 1;\n'
                   f'password = "{hashed}";\nenable_password = "{hashed}";\n'
                   'secure_ip = "192.0.2.254";\nstatic_dir = "${WWWDIR}";\n')
        self.write(f"{conf}/local.d/options.inc",
                   f'dns {{ nameserver = ["127.0.0.1:{self.dns.port}"]; timeout = 1s; '
                   'retransmits = 1; }\n')
        self.write(f"{conf}/local.d/redis.conf", f'servers = "127.0.0.1:{self.redis_port}";\n')
        self.write(f"{conf}/local.d/classifier-bayes.conf",
                   'backend = "redis";\nmin_learns = 1;\nautolearn = false;\n')
        self.write(f"{conf}/local.d/milter_headers.conf",
                   'extended_spam_headers = true;\nskip_local = false;\n'
                   'skip_authenticated = false;\n')
        self.write(f"{conf}/local.d/logging.inc",
                   f'type = "file";\nfilename = "{self.dir}/rspamd.log";\nlevel = "info";\n')
        # No greylisting: a first message would be deferred. Thresholds as shipped.
        self.write(f"{conf}/local.d/actions.conf", "greylist = null;\n")
        for module in ("greylist", "fuzzy_check", "ratelimit", "rbl", "surbl", "phishing",
                       "asn", "replies", "neural", "hfilter"):
            self.write(f"{conf}/override.d/{module}.conf", "enabled = false;\n")
        self.write(f"{conf}/rspamd.local.lua", TEST_RULE + self.extra_lua)
        for d in ("db", "run"):
            os.makedirs(os.path.join(self.dir, d), exist_ok=True)
        cmd = ["rspamd", "-f", "-c", "/etc/rspamd/rspamd.conf",
               f"--var=LOCAL_CONFDIR={self.dir}/{conf}", f"--var=DBDIR={self.dir}/db",
               f"--var=RUNDIR={self.dir}/run", f"--var=LOGDIR={self.dir}"]
        if os.geteuid() == 0:  # rspamd will not run its workers as root
            user = pwd.getpwnam("_rspamd")
            for root, dirs, files in os.walk(self.dir):
                for name in dirs + files + [""]:
                    os.chown(os.path.join(root, name), user.pw_uid, user.pw_gid)
            cmd += ["-u", "_rspamd", "-g", "_rspamd"]
        stderr_path = os.path.join(self.dir, "rspamd.stderr")
        with open(stderr_path, "wb") as stderr:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=stderr)
        for port in (self.proxy_port, self.controller_port):
            try:
                wait_for_port(port, self.proc, "rspamd")
            except RuntimeError:
                raise RuntimeError("rspamd did not start: " + open(stderr_path).read()[-2000:]
                                   + self.log()[-3000:])
        return self

    def log(self):
        try:
            with open(os.path.join(self.dir, "rspamd.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stat(self):
        """The controller's /stat, as JSON."""
        req = urllib.request.Request(self.controller_url + "/stat",
                                     headers={"Password": PASSWORD})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.load(r)

    def learned(self):
        return self.stat().get("learned", 0)

    def stop(self):
        self.stop_processes()
        shutil.rmtree(self.dir, ignore_errors=True)

    def stop_processes(self):
        for proc in (self.proc, self.redis):
            if proc and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self.proc = self.redis = None
        if self.dns:
            self.dns.stop()
            self.dns = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
