#!/usr/bin/env python3
"""What one checkpassword-cdb run costs, and how much of it is the password
hash: runs against a database made by cdbpasswd (yescrypt at its default
cost), as ratios against exec'ing /bin/true in the same run. Each row is
the median of many runs; the kinds of run alternate, so that load falls on
all alike. yescrypt's cost is deliberate: this reports it, it sets no
target.

  bench/checkpassword.py [--quick]

Prints one table."""

import os
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import table

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", os.path.join(TOP, "build"))
RUNS = 15 if "--quick" in sys.argv else 100
CHECK = os.path.join(BUILD, "bin", "checkpassword-cdb")
CDBPASSWD = os.path.join(BUILD, "bin", "cdbpasswd")
TRUE = "/bin/true"

ctl = tempfile.mkdtemp(prefix="bench.")
ENV = {"PATH": "/usr/bin:/bin", "CONTROLDIR": ctl}
# The user runs as us when we are not root (checkpassword-cdb then keeps
# its ids), else as nobody.
uid, gid = (65534, 65534) if os.geteuid() == 0 else (os.getuid(),
                                                    os.getgid())
subprocess.run([CDBPASSWD, "add", "alice", str(uid), str(gid), "/"],
               input=b"alice's password\n", env=ENV, check=True)


def on_fd3(fd):
    if fd != 3:
        os.dup2(fd, 3)
    os.set_inheritable(3, True)


def run(argv, fd3=None, want=0):
    """Seconds for one run of argv with fd3 on descriptor 3."""
    r = None
    if fd3 is not None:
        r, w = os.pipe()
        os.write(w, fd3)
        os.close(w)
    start = time.perf_counter()
    p = subprocess.run(argv, env=ENV, stdin=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL,
                       close_fds=False,
                       preexec_fn=(lambda: on_fd3(r)) if r is not None
                       else None)
    took = time.perf_counter() - start
    if r is not None:
        os.close(r)
    if p.returncode != want:
        sys.exit("bench: %s exited %d, not %d" % (argv, p.returncode, want))
    return took


KINDS = [
    ("exec /bin/true", lambda: run([TRUE], b"")),  # spawned the same way
    ("malformed fd 3 (no hash)",
     lambda: run([CHECK, TRUE], b"alice\0no timestamp\0", 2)),
    ("right password, exec true",
     lambda: run([CHECK, TRUE], b"alice\0alice's password\0\0", 0)),
    ("wrong password",
     lambda: run([CHECK, TRUE], b"alice\0wrong\0\0", 1)),
    ("unknown name",
     lambda: run([CHECK, TRUE], b"nobody\0wrong\0\0", 1)),
]

times = {name: [] for name, _ in KINDS}
for _ in range(3):  # warm-up
    for name, fn in KINDS:
        fn()
for _ in range(RUNS):
    for name, fn in KINDS:
        times[name].append(fn())
med = {name: statistics.median(t) for name, t in times.items()}

base = med["exec /bin/true"]
ok = med["right password, exec true"]
share = (ok - med["malformed fd 3 (no hash)"]) / ok
rows = [("%s: ms (x /bin/true)" % name,
         "%.2f" % (1000 * med[name]), "(%.2f x)" % (med[name] / base))
        for name, _ in KINDS]
rows.append(("the hash: ms of a successful run",
             "%.2f" % (1000 * (ok - med["malformed fd 3 (no hash)"])),
             "(%.0f%%)" % (100 * share)))
rows.append(("unknown name / wrong password time",
             "%.3f" % (med["unknown name"] / med["wrong password"]),
             "1.0 (within noise)"))
table("checkpassword-cdb, yescrypt, median of %d runs" % RUNS, rows)
subprocess.run(["rm", "-rf", ctl])
