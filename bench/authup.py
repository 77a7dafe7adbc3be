#!/usr/bin/env python3
"""What authenticated submission costs: sessions per second (connect, EHLO,
AUTH PLAIN, MAIL, RCPT, DATA of 10 KiB, QUIT), one after the other, under
tcpserver on 127.0.0.1, through

  authup smtp checkpassword-cdb fixsmtpio fastsmtpd   (the real chain)
  authup smtp env fixsmtpio fastsmtpd                  (no password hash:
                                                       env runs prog at once)
  fastsmtpd                                            (the server alone,
                                                       no AUTH)

measured in the same run. The server is bench/fastsmtpd, so that the cost
of the programs in front shows. The difference between the first two is
the password hash: yescrypt's cost is deliberate, and it is reported, not
cut.

Then what wrong passwords cost the machine: the CPU seconds of every
process of the chain (tcpserver's children, as the kernel sums them) for
1,000 wrong attempts from one address, 5 a connection, with authup's
limits across connections (the defaults) and without them.

  bench/authup.py [--quick]

Prints one table."""

import base64
import os
import shutil
import socket
import subprocess
import sys
import time

from benchlib import mail_setup, stop, table, tcpserver

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", os.path.join(TOP, "build"))
QUICK = "--quick" in sys.argv
BIN = os.path.join(BUILD, "bin")
FAST = os.path.join(BUILD, "bench", "fastsmtpd")

tmp, ENV = mail_setup(BUILD)

BODY = b"Subject: bench\r\n\r\n" + b"".join(
    b"%078d\r\n" % i for i in range(128))  # 10 KiB
AUTH = base64.b64encode(b"\0bench\0bench password")


class Server:
    def __init__(self, argv):
        self.p, self.port = tcpserver(argv, ENV)

    def stop(self):
        stop(self.p)


def session(port, auth):
    s = socket.create_connection(("127.0.0.1", port))
    f = s.makefile("rb")

    def reply():
        while True:
            line = f.readline()
            if not line:
                raise EOFError("closed")
            if line[3:4] != b"-":
                return int(line[:3])

    def cmd(line, want):
        s.sendall(line + b"\r\n")
        code = reply()
        if code != want:
            raise RuntimeError("%r: %d" % (line, code))

    reply()
    cmd(b"EHLO bench.example", 250)
    if auth:
        cmd(b"AUTH PLAIN " + AUTH, 235)
    cmd(b"MAIL FROM:<bench@example.org>", 250)
    cmd(b"RCPT TO:<someone@example.org>", 250)
    cmd(b"DATA", 354)
    cmd(BODY + b".", 250)
    cmd(b"QUIT", 221)
    s.close()


def rate(argv, auth, n):
    srv = Server(argv)
    try:
        session(srv.port, auth)  # warm up
        t0 = time.perf_counter()
        for _ in range(n):
            session(srv.port, auth)
        elapsed = time.perf_counter() - t0
    finally:
        srv.stop()
    return n / elapsed


def children_cpu(pid):
    """CPU seconds of pid's children it has reaped (utime + stime)."""
    with open("/proc/%d/stat" % pid) as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def idle(pid, timeout=10):
    """Waits until tcpserver pid has no child left."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as fh:
            if not fh.read().split():
                return
        time.sleep(0.01)


def wrong_attempts(port, tries):
    s = socket.create_connection(("127.0.0.1", port))
    f = s.makefile("rb")
    f.readline()
    s.sendall(b"EHLO bench.example\r\n")
    while f.readline()[3:4] == b"-":
        pass
    wrong = base64.b64encode(b"\0bench\0wrong password")
    for _ in range(tries):
        s.sendall(b"AUTH PLAIN " + wrong + b"\r\n")
        if f.readline()[:3] not in (b"535", b"454"):
            break
    s.close()


def wrong_cpu(limits, n):
    """CPU seconds per 1,000 wrong attempts, with control/authuplimits
    holding limits (None: the defaults)."""
    path = os.path.join(ENV["CONTROLDIR"], "authuplimits")
    if limits is not None:
        with open(path, "w") as fh:
            fh.write(limits)
    state = ENV["AUTHUP_STATE"]
    shutil.rmtree(state, ignore_errors=True)
    srv = Server([os.path.join(BIN, "authup"), "smtp",
                  os.path.join(BIN, "checkpassword-cdb"),
                  os.path.join(BIN, "fixsmtpio"), FAST])
    try:
        for _ in range(n // 5):
            wrong_attempts(srv.port, 5)
        idle(srv.p.pid)
        cpu = children_cpu(srv.p.pid)
    finally:
        srv.stop()
        if limits is not None:
            os.unlink(path)
    return cpu * 1000 / n


def main():
    n = 20 if QUICK else 100
    fix = [os.path.join(BIN, "fixsmtpio"), FAST]
    chains = [
        ("server alone (no AUTH)", [FAST], False),
        ("authup, no hash (env)", [os.path.join(BIN, "authup"), "smtp",
                                   "env"] + fix, True),
        ("authup + checkpassword-cdb", [os.path.join(BIN, "authup"), "smtp",
                                        os.path.join(BIN,
                                                     "checkpassword-cdb")] +
         fix, True),
    ]
    rates = [(name, max(rate(argv, auth, n) for _ in range(2)))
             for name, argv, auth in chains]
    direct = rates[0][1]
    rows = [("sessions/s, %s" % name, "%.1f" % r, "(%.3f x alone)"
             % (r / direct)) for name, r in rates]
    full = 1 / rates[2][1]
    nohash = 1 / rates[1][1]
    rows.append(("ms of a session in the password hash",
                 "%.1f" % ((full - nohash) * 1000),
                 "(%.0f%% of %.1f ms)" % (100 * (full - nohash) / full,
                                          full * 1000)))
    table("authup: AUTH PLAIN, MAIL, RCPT, 10 KiB, QUIT", rows)
    n = 100 if QUICK else 500
    off = wrong_cpu("address 0 1\naccount 0 1\n", n)
    on = wrong_cpu(None, n)
    table("authup: wrong passwords from one address, 5 a connection", [
        ("CPU s per 1,000 attempts, no limits", "%.2f" % off, ""),
        ("CPU s per 1,000 attempts, default limits", "%.2f" % on,
         "(%.3f x no limits)" % (on / off))])
    shutil.rmtree(tmp)


main()
