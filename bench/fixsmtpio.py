#!/usr/bin/env python3
"""What fixsmtpio costs, as ratios against baselines measured in the same
run. The server behind is bench/fastsmtpd (250 to everything, 354 to DATA),
so that the proxy's own cost shows; the baselines are that server alone and
bench/relay, a plain relay that copies bytes both ways with poll(2) and
64 KiB buffers (the physical limit for any proxy). fixsmtpio runs with the
example rule set. Each timing is the best of seven runs, the chains taking
turns run by run, so that a slower spell of the machine (a 200,000-RCPT run
takes about 10 ms) falls on all of them.

  bench/fixsmtpio.py [--quick]

Prints one table; exits 1 when a target is missed."""

import os
import subprocess
import sys
import tempfile
import threading
import time

from benchlib import best, table

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", os.path.join(TOP, "build"))
QUICK = "--quick" in sys.argv
FAST = os.path.join(BUILD, "bench", "fastsmtpd")
RELAY = os.path.join(BUILD, "bench", "relay")
FIXSMTPIO = os.path.join(BUILD, "bin", "fixsmtpio")

ctl = tempfile.mkdtemp(prefix="bench.")
with open(os.path.join(ctl, "me"), "w") as fh:
    fh.write("bench.example\n")
with open(os.path.join(TOP, "examples", "fixsmtpio")) as src, \
        open(os.path.join(ctl, "fixsmtpio"), "w") as dst:
    dst.write(src.read())
ENV = {"PATH": os.environ["PATH"], "CONTROLDIR": ctl}

CHAINS = {
    "server alone": [FAST],
    "plain relay": [RELAY, FAST],
    "fixsmtpio": [FIXSMTPIO, FAST],
}


def vmhwm_kib(pid):
    """Peak RSS (shared library pages included) and private memory now."""
    got = {}
    with open("/proc/%d/status" % pid) as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmHWM", "RssAnon"):
                got[key] = int(value.split()[0])
    return got.get("VmHWM", 0), got.get("RssAnon", 0)


class Session:
    """The chain on pipes; a reader thread counts reply lines."""

    def __init__(self, chain, prefix=()):
        self.p = subprocess.Popen(list(prefix) + chain, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, env=ENV,
                                  stderr=subprocess.DEVNULL if prefix
                                  else None)
        self.lines = 0
        self.tail = b""
        self.cond = threading.Condition()
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        fd = self.p.stdout.fileno()
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            with self.cond:
                self.lines += chunk.count(b"\n")
                self.tail = (self.tail + chunk)[-64:]
                self.cond.notify_all()
        with self.cond:
            self.lines = -1 if self.lines == 0 else self.lines
            self.eof = True
            self.cond.notify_all()

    def wait_lines(self, n):
        with self.cond:
            self.cond.wait_for(lambda: self.lines >= n or self.lines < 0,
                               timeout=600)
            return self.lines

    def write(self, data):
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def finish(self):
        self.write(b"QUIT\r\n")
        self.p.stdin.close()
        self.t.join(600)
        return self.p.wait(60)


def rcpts(chain, n, rss=False, prefix=()):
    """Seconds for EHLO, MAIL, n pipelined RCPTs; peak RSS (KiB) of the
    chain's first process when asked."""
    cmds = b"EHLO b\r\nMAIL FROM:<a@b.example>\r\n" + \
        b"RCPT TO:<someone@example.org>\r\n" * n
    s = Session(chain, prefix)
    t0 = time.perf_counter()
    w = threading.Thread(target=s.write, args=(cmds,))
    w.start()
    s.wait_lines(n + 3)
    elapsed = time.perf_counter() - t0
    w.join()
    kib = vmhwm_kib(s.p.pid) if rss else 0
    s.finish()
    return elapsed, kib


BLOCK = b"".join(b"%076d\r\n" % i for i in range(1 << 14))  # 1.25 MiB


def message(chain, mib, rss=False):
    """Seconds from 354 to the 250 for a message of mib MiB; peak RSS."""
    s = Session(chain)
    s.write(b"EHLO b\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n")
    s.wait_lines(5)  # greeting, EHLO, MAIL, RCPT, 354 (the client waits)
    size = (mib << 20) // 78 * 78  # whole 78-byte lines
    t0 = time.perf_counter()
    sent = 0
    while sent < size:
        chunk = BLOCK[:size - sent]
        s.write(chunk)
        sent += len(chunk)
    s.write(b".\r\n")
    s.wait_lines(6)
    elapsed = time.perf_counter() - t0
    kib = vmhwm_kib(s.p.pid) if rss else 0
    s.finish()
    return elapsed, kib


def least(fn, names, *args):
    """name -> the least seconds fn(CHAINS[name], *args) took in seven
    runs, the chains taking turns."""
    got = best([lambda name=name: fn(CHAINS[name], *args)[0]
                for name in names], 7, better=min)
    return dict(zip(names, got))


def callgrind_instructions(chain, n):
    out = tempfile.mktemp(prefix="callgrind.")
    rcpts(chain, n, prefix=["valgrind", "--tool=callgrind", "-q",
                            "--callgrind-out-file=" + out])
    total = 0
    with open(out) as fh:
        for line in fh:
            if line.startswith("totals:") or line.startswith("summary:"):
                total = int(line.split()[1])
    os.unlink(out)
    return total


def main():
    n = 20000 if QUICK else 200000
    mib = 32 if QUICK else 256
    rows = []
    failed = False

    t = least(rcpts, list(CHAINS), n)
    ratio = t["fixsmtpio"] / t["plain relay"]
    rows.append(("%d pipelined RCPT: fixsmtpio / relay time" % n,
                 "%.2f" % ratio, "<= 1.5" + ("  MISSED" if ratio > 1.5
                                             else "")))
    rows.append(("  (fixsmtpio / server alone time)",
                 "%.2f" % (t["fixsmtpio"] / t["server alone"]), ""))
    rows.append(("  (commands per second through fixsmtpio)",
                 "%.0f" % (n / t["fixsmtpio"]), ""))
    failed |= ratio > 1.5

    m = least(message, ["plain relay", "fixsmtpio"], mib)
    ratio = m["plain relay"] / m["fixsmtpio"]
    rows.append(("%d MiB message: fixsmtpio / relay throughput" % mib,
                 "%.2f" % ratio, ">= 0.8" + ("  MISSED" if ratio < 0.8
                                             else "")))
    rows.append(("  (fixsmtpio MiB/s)", "%.0f" % (mib / m["fixsmtpio"]), ""))
    failed |= ratio < 0.8

    fix = CHAINS["fixsmtpio"]
    big = 128 if QUICK else 1024
    many = 100000 if QUICK else 1000000
    def most(fn, *args):
        """The largest peak RSS and private memory of three runs."""
        got = [fn(fix, *args, rss=True)[1] for _ in range(3)]
        return max(g[0] for g in got), max(g[1] for g in got)
    mem = [("1,000 commands", most(rcpts, 1000)),
           ("100,000 commands", most(rcpts, 100000)),
           ("{:,} commands".format(many), most(rcpts, many)),
           ("1 MiB message", most(message, 1)),
           ("%d MiB message" % (big // 16), most(message, big // 16)),
           ("%d MiB message" % big, most(message, big))]
    for label, (hwm, anon) in mem:
        rows.append(("peak RSS, %s (KiB)" % label, "%d" % hwm,
                     "< 2048" + ("  MISSED" if hwm >= 2048 else "")))
        failed |= hwm >= 2048
    for label, (hwm, anon) in mem:
        rows.append(("  private memory, %s (KiB)" % label, "%d" % anon, ""))
    # The buffers have fixed sizes; a page of one counts once something
    # has been written to it, and how far into the queue towards the
    # server a session writes depends on how far the server falls behind,
    # which varies from run to run. So each size's figures are the largest
    # of three runs: a session that grows with its length still shows, and
    # one run that happened to touch fewer pages does not.
    grow = max(mem[2][1][1] - mem[1][1][1], mem[5][1][1] - mem[4][1][1])
    rows.append(("  private growth, 100,000 -> %s commands and %d -> %d MiB "
                 "(KiB)" % ("{:,}".format(many), big // 16, big),
                 "%d" % grow,
                 "flat (< 16)" + ("  MISSED" if grow >= 16 else "")))
    failed |= grow >= 16

    small, large = 5000, 10000
    per = {}
    for name in ("plain relay", "fixsmtpio"):
        a = callgrind_instructions(CHAINS[name], small)
        b = callgrind_instructions(CHAINS[name], large)
        per[name] = (b - a) / (large - small)
    rows.append(("instructions per proxied RCPT, fixsmtpio",
                 "%.0f" % per["fixsmtpio"], ""))
    rows.append(("instructions per proxied RCPT, plain relay",
                 "%.1f" % per["plain relay"], ""))

    table("fixsmtpio", rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
