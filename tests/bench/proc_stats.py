"""What a daemon process uses, read from /proc: for the benchmarks that report it."""
import os
from collections import namedtuple

Stats = namedtuple("Stats", "rss_kb pss_kb threads fds")


def read(pid, pss=False):
    """RSS and threads from /proc/PID/status, open descriptors, and PSS when asked (smaps_rollup
    is slower to read and not always there)."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    pss_kb = None
    if pss:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss_kb = int(line.split()[1])
        except OSError:
            pass
    return Stats(int(fields["VmRSS"].split()[0]), pss_kb, int(fields["Threads"]),
                 len(os.listdir(f"/proc/{pid}/fd")))


def cpu_seconds(pid):
    """User + system CPU time of a process so far (proc(5) /proc/PID/stat fields 14 and 15)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
