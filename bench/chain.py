#!/usr/bin/env python3
"""The whole TLS submission chain against the server alone, in one run:

  sessions per second, one after the other: connect, EHLO, STARTTLS,
  EHLO, AUTH PLAIN, MAIL, RCPT, DATA of 10 KiB, QUIT through
      tcpserver ucspitlsd authup smtp checkpassword-cdb checknotroot
      fixsmtpio fastsmtpd          (UCSPITLS='!', TLS 1.3, ECDSA P-256)
  against the same session without STARTTLS and AUTH straight to
      tcpserver fastsmtpd
  (bench/fastsmtpd answers at once, so the programs in front show);

  memory per connected session: 20 sessions held open after AUTH, every
  process of each (ucspitlsd's engine, authup, fixsmtpio, the server)
  summed, as resident set (shared library pages counted in each process)
  and as proportional set size (PSS: shared pages divided among the
  processes that map them, the figure that adds up).

  bench/chain.py [--quick]

Prints one table."""

import base64
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", os.path.join(TOP, "build"))
sys.path.insert(0, os.path.join(TOP, "t"))
from benchlib import (descendants, mail_setup, stop, table,  # noqa: E402
                      tcpserver)
from tlsfixture import make_ca, make_cert  # noqa: E402

QUICK = "--quick" in sys.argv
BIN = os.path.join(BUILD, "bin")
FAST = os.path.join(BUILD, "bench", "fastsmtpd")
N = 20 if QUICK else 100
OPEN = 20

tmp, ENV = mail_setup(BUILD)
ca = make_ca(tmp)
cert = make_cert(tmp, "mx", ca, kind="ecdsa", dns=["mx.example.org"])
ENV.update({"UCSPITLS": "!", "CERTFILE": cert.cert, "KEYFILE": cert.key,
            "TLS_UID": "64011", "TLS_GID": "64011"})
CTX = ssl.create_default_context(cafile=ca.cert)
CTX.check_hostname = False
BODY = b"Subject: bench\r\n\r\n" + b"".join(
    b"%078d\r\n" % i for i in range(128))
AUTH = base64.b64encode(b"\0bench\0bench password")


class Server:
    def __init__(self, argv):
        self.p, self.port = tcpserver(argv, ENV, limit=100)

    def stop(self):
        stop(self.p)


class Client:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.f = self.s.makefile("rb")
        self.reply()

    def reply(self):
        while True:
            line = self.f.readline()
            if not line:
                raise EOFError("closed")
            if line[3:4] != b"-":
                return int(line[:3])

    def cmd(self, line, want):
        self.s.sendall(line + b"\r\n")
        code = self.reply()
        if code != want:
            raise RuntimeError("%r: %d" % (line, code))

    def starttls(self):
        self.cmd(b"STARTTLS", 220)
        self.s = CTX.wrap_socket(self.s, server_hostname="mx.example.org")
        self.f = self.s.makefile("rb")

    def close(self):
        self.f.close()
        self.s.close()


def login(port, tls):
    c = Client(port)
    c.cmd(b"EHLO bench.example", 250)
    if tls:
        c.starttls()
        c.cmd(b"EHLO bench.example", 250)
        c.cmd(b"AUTH PLAIN " + AUTH, 235)
    return c


def session(port, tls):
    c = login(port, tls)
    c.cmd(b"MAIL FROM:<bench@example.org>", 250)
    c.cmd(b"RCPT TO:<someone@example.org>", 250)
    c.cmd(b"DATA", 354)
    c.cmd(BODY + b".", 250)
    c.cmd(b"QUIT", 221)
    c.close()


def rate(srv, tls):
    session(srv.port, tls)
    t0 = time.perf_counter()
    for _ in range(N):
        session(srv.port, tls)
    return N / (time.perf_counter() - t0)


def rollup(pid):
    got = {}
    try:
        with open("/proc/%d/smaps_rollup" % pid) as fh:
            for line in fh:
                key, _, value = line.partition(":")
                if key in ("Rss", "Pss"):
                    got[key] = int(value.split()[0])
    except OSError:
        pass
    return got.get("Rss", 0), got.get("Pss", 0)


def memory(srv):
    clients = [login(srv.port, True) for _ in range(OPEN)]
    time.sleep(0.5)
    pids = descendants(srv.p.pid)
    rss = pss = 0
    for pid in pids:
        r, p = rollup(pid)
        rss += r
        pss += p
    for c in clients:
        c.cmd(b"QUIT", 221)
        c.close()
    return rss / OPEN, pss / OPEN, len(pids) / OPEN


def main():
    chain = Server([os.path.join(BIN, "ucspitlsd"), os.path.join(BIN,
                    "authup"), "smtp", os.path.join(BIN,
                    "checkpassword-cdb"), os.path.join(BIN, "checknotroot"),
                    os.path.join(BIN, "fixsmtpio"), FAST])
    alone = Server([FAST])
    try:
        best_chain = best_alone = 0
        for _ in range(2):
            best_alone = max(best_alone, rate(alone, False))
            best_chain = max(best_chain, rate(chain, True))
        rss, pss, procs = memory(chain)
    finally:
        chain.stop()
        alone.stop()
        shutil.rmtree(tmp)
    table("whole TLS submission chain", [
        ("sessions/s, server alone under tcpserver", "%.1f" % best_alone, ""),
        ("sessions/s, STARTTLS+AUTH through the chain", "%.1f" % best_chain,
         "(%.3f x alone)" % (best_chain / best_alone)),
        ("memory per session after AUTH, RSS KiB (%.0f processes)" % procs,
         "%.0f" % rss, ""),
        ("memory per session after AUTH, PSS KiB", "%.0f" % pss, "")])

main()
