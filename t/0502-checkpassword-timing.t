#!/usr/bin/env python3
# checkpassword-cdb's time does not tell which names exist: an unknown name
# costs what a known name with a wrong password costs, one hash of the
# database's own kind and cost, over 200 tries of each.
#
# Made not to flake on a loaded machine: the two kinds of tries alternate
# in a random order within each pair, so that load from other processes
# falls on both alike; medians are compared, not means, so that a few runs
# slowed by the scheduler do not count; and the bound is wide (25%) beside
# the difference it must catch (an unknown name that skips the hash costs
# the time of a process start, a small fraction of a yescrypt check). A
# third kind, malformed input that never hashes, shows that the test can
# see a hash at all.
import os
import random
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *

if VALGRIND:
    skip_all("timing means nothing under valgrind")

BIN = os.path.join(BUILD, "bin", "checkpassword-cdb")
TRIES = 200
BOUND = 0.25


def on_fd3(fd):
    if fd != 3:
        os.dup2(fd, 3)
    os.set_inheritable(3, True)


def attempt(ctl, data):
    """One run: (exit code, seconds)."""
    r, w = os.pipe()
    os.write(w, data)
    os.close(w)
    start = time.perf_counter()
    p = subprocess.run([BIN, "true"], env=environ(CONTROLDIR=ctl),
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, close_fds=False,
                       preexec_fn=lambda: on_fd3(r))
    took = time.perf_counter() - start
    os.close(r)
    return p.returncode, took


def database(name, lines=(), users=()):
    ctl = controldir(name)
    with open(os.path.join(ctl, "passwd"), "w") as fh:
        fh.write("".join(l + "\n" for l in lines))
    for u in users:
        subprocess.run([os.path.join(BUILD, "bin", "cdbpasswd"), "add", u,
                        "65534", "65534", "/"], input=b"%s's password\n" % u
                       .encode(), env=environ(CONTROLDIR=ctl), check=True)
    subprocess.run([os.path.join(BUILD, "bin", "cdbpasswd"), "make"],
                   env=environ(CONTROLDIR=ctl), check=True)
    return ctl


def measure(ctl, known, tries, baseline_every=0):
    """Alternates unknown names and wrong passwords for known, in a random
    order within each pair; returns the times of each kind and the exit
    codes seen."""
    times = {"unknown": [], "wrong": [], "nohash": []}
    codes = {"unknown": set(), "wrong": set(), "nohash": set()}
    kinds = {
        "unknown": lambda i: b"nobody%d\0password %d\0\0" % (i, i),
        "wrong": lambda i: known + b"\0password %d\0\0" % i,
        "nohash": lambda i: known + b"\0no timestamp\0",
    }
    for i in range(-5, tries):  # five pairs to warm up, not counted
        order = ["unknown", "wrong"]
        random.shuffle(order)
        if baseline_every and i % baseline_every == 0:
            order.insert(random.randrange(3), "nohash")
        for kind in order:
            code, took = attempt(ctl, kinds[kind](i))
            if i >= 0:
                times[kind].append(took)
                codes[kind].add(code)
    return times, codes


def report(times):
    for kind, t in times.items():
        if t:
            q = statistics.quantiles(t, n=4)
            diag("%-8s %3d tries: median %6.2f ms (quartiles %.2f-%.2f)" %
                 (kind, len(t), 1000 * statistics.median(t), 1000 * q[0],
                  1000 * q[2]))


def within(a, b):
    return abs(a - b) <= BOUND * max(a, b)


# yescrypt at cdbpasswd's cost: 200 tries of each.
ctl = database("yescrypt", users=["alice", "bob", "carol", "dave"])
times, codes = measure(ctl, b"alice", TRIES, baseline_every=4)
report(times)
is_(codes["unknown"], {1}, "unknown names: exit 1 every time")
is_(codes["wrong"], {1}, "wrong passwords: exit 1 every time")
is_(codes["nohash"], {2}, "malformed input: exit 2 every time")
mu = statistics.median(times["unknown"])
mw = statistics.median(times["wrong"])
mb = statistics.median(times["nohash"])
diag("unknown/wrong = %.3f; the hash is %.0f%% of a wrong-password run" %
     (mu / mw, 100 * (mw - mb) / mw))
ok(mw - mb > 0.25 * mw, "a hash is visible: it is over a quarter of a "
   "wrong-password run")
ok(within(mu, mw), "unknown name vs wrong password: medians within %d%% "
   "over %d tries each" % (100 * BOUND, TRIES))
ok(mu - mb > 0.5 * (mw - mb), "an unknown name pays for a hash too")

# A database of bcrypt at a cost far from yescrypt's: the dummy follows the
# records, not a fixed default.
h = subprocess.run([helper("mkhash"), "$2b$", "10"], input=b"x\n",
                   check=True, capture_output=True).stdout.decode().strip()
ctl = database("bcrypt", lines=["u%d:%s:65534:65534:/" % (i, h)
                                for i in range(3)])
times, codes = measure(ctl, b"u1", 40)
report(times)
mu = statistics.median(times["unknown"])
mw = statistics.median(times["wrong"])
diag("unknown/wrong = %.3f" % (mu / mw))
ok(codes["unknown"] == {1} and codes["wrong"] == {1}, "bcrypt: exit 1")
ok(within(mu, mw), "bcrypt cost 10: unknown name vs wrong password within "
   "%d%% over 40 tries each" % (100 * BOUND))

done()
