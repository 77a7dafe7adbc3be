#!/usr/bin/env python3
"""What a whole STARTTLS session costs through tcpserver, ucspitlsd and
fixsmtpio, as a ratio against Debian's stunnel4 measured in the same run
in front of the same server (bench/fastsmtpd), with the same certificate
(a test CA's RSA 2048 server certificate), TLS 1.3,
TLS_AES_256_GCM_SHA384 and X25519 on both.

  bench/starttls.py [--quick]

A session is what a mail client does: connect, read the greeting, EHLO,
STARTTLS, the handshake, EHLO, MAIL, RCPT, DATA with a 10 KiB message,
QUIT, each step waiting for its reply. fixsmtpio runs with the example
rule set, as deployed: one tcpserver, one ucspitlsd and one fixsmtpio per
connection, which starts the server afresh after the handshake (RFC 3207
4.2). stunnel runs with protocol = smtp, as its usual daemon (one
process, a thread per connection, exec = fastsmtpd for each) and started
per connection by tcpserver (inetd mode). Its protocol = smtp answers the
first EHLO and STARTTLS itself, after waiting 200 ms on every connection
to see whether the client speaks first (its RFC 2487 detection); the
table also shows the ratio with that wait taken out of stunnel's time.

For a comparison that stunnel's wait does not decide, the same session
over implicit TLS (port 465: the handshake first, then greeting, EHLO,
MAIL, RCPT, DATA, QUIT) through ucspitlsd -i and fixsmtpio against
stunnel without a protocol, again as a daemon and per connection.

The restart's share: the first EHLO inside TLS waits for fixsmtpio to
stop the first server, start the fresh one and take its (hidden)
greeting; the next request, MAIL, is one plain round trip through the
same chain. The difference between the two, against the whole session,
is what the restart costs.

Each rate is the best of several rounds taken in turn, so that other load
on the machine hits both sides. Prints one table; exits 1 when the target
is missed."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", os.path.join(TOP, "build"))
sys.path.insert(0, os.path.join(TOP, "t"))
from tlsfixture import make_ca, make_cert  # noqa: E402
from benchlib import (best, cleanup, context, in_parallel,  # noqa: E402
                      stunnel, table, tcpserver, warm_daemon, workdir)

QUICK = "--quick" in sys.argv
UCSPITLSD = os.path.join(BUILD, "bin", "ucspitlsd")
WARM = os.path.join(BUILD, "bin", "ucspitlsd-warm")
FIXSMTPIO = os.path.join(BUILD, "bin", "fixsmtpio")
SERVER = os.path.join(BUILD, "bench", "fastsmtpd")
STUNNEL = shutil.which("stunnel4") or "stunnel4"
PRIORITY = ("NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-256-GCM:"
            "-GROUP-ALL:+GROUP-X25519")
SEQUENTIAL = 30 if QUICK else 100
PARALLEL = 8
PER_CLIENT = 5 if QUICK else 15
ROUNDS = 2 if QUICK else 3
STUNNEL_WAIT = 0.2  # its RFC 2487 detection, per connection
BODY = b"Subject: bench\r\n\r\n" + b"".join(
    b"%076d\r\n" % i for i in range(131)) + b".\r\n"  # 10 KiB

class Server:
    """One of the chains under test, listening on 127.0.0.1."""

    def __init__(self, kind, cert, ctl, implicit=False):
        self.kind, self.implicit = kind, implicit
        env = {"PATH": os.environ["PATH"]}
        self.daemon = None
        if kind in ("fixsmtpio", "warm"):
            env.update(CERTFILE=cert.cert, KEYFILE=cert.key,
                       CIPHERS=PRIORITY, UCSPITLS="", CONTROLDIR=ctl)
            tls = UCSPITLSD
            if kind == "warm":
                self.daemon, sock = warm_daemon(UCSPITLSD, env)
                env = {"PATH": os.environ["PATH"], "UCSPITLS": "",
                       "CONTROLDIR": ctl, "TLSENGINE": sock}
                tls = WARM
            self.proc, self.port = tcpserver(
                [tls] + (["-i"] if implicit else []) + [FIXSMTPIO, SERVER],
                env)
        else:
            self.proc, self.port = stunnel(
                STUNNEL, "%s-%d" % (kind, implicit), SERVER, "fastsmtpd",
                cert, not implicit, kind == "stunnel", env)
        session(self.port, implicit)  # warm the caches

    def stop(self):
        for p in (self.proc, self.daemon):
            if p:
                os.killpg(p.pid, signal.SIGTERM)
                p.wait(10)


def reply(sock, code):
    """Reads one reply (to its last line); it must have code."""
    buf = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            raise EOFError("connection closed")
        buf += chunk
        lines = buf.split(b"\r\n")
        if len(lines) > 1 and any(len(x) > 3 and x[3:4] == b" "
                                  for x in lines[:-1]):
            if not buf.startswith(code):
                raise RuntimeError("wanted %r, got %r" % (code, buf))
            return buf


def session(port, implicit=False):
    """One whole STARTTLS session (with implicit, one over implicit TLS);
    returns the seconds it took, and those of its steps: connect to
    greeting, the handshake, the first EHLO inside TLS, MAIL."""
    t0 = time.perf_counter()
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    if implicit:
        s = context().wrap_socket(s)
        t = t1 = time.perf_counter()
        reply(s, b"220")
        greeted = time.perf_counter()
    else:
        reply(s, b"220")
        greeted = time.perf_counter()
        s.sendall(b"EHLO bench.example\r\n")
        reply(s, b"250")
        s.sendall(b"STARTTLS\r\n")
        reply(s, b"220")
        t = time.perf_counter()
        s = context().wrap_socket(s)
        t1 = time.perf_counter()
    s.sendall(b"EHLO bench.example\r\n")
    reply(s, b"250")
    t2 = time.perf_counter()
    s.sendall(b"MAIL FROM:<a@bench.example>\r\n")
    reply(s, b"250")
    t3 = time.perf_counter()
    s.sendall(b"RCPT TO:<b@bench.example>\r\n")
    reply(s, b"250")
    s.sendall(b"DATA\r\n")
    reply(s, b"354")
    s.sendall(BODY)
    reply(s, b"250")
    s.sendall(b"QUIT\r\n")
    reply(s, b"221")
    s.close()
    return (time.perf_counter() - t0, greeted - t0, t1 - t, t2 - t1,
            t3 - t2)


def sessions(port, implicit, n, out=None):
    got = [session(port, implicit) for _ in range(n)]
    if out is not None:
        out.extend(got)
    return got


def rate(server, parallel, timings=None):
    """Sessions per second; timings (a list) gets each session's."""
    if not parallel:
        t0 = time.perf_counter()
        sessions(server.port, server.implicit, SEQUENTIAL, timings)
        return SEQUENTIAL / (time.perf_counter() - t0)
    return in_parallel(sessions, (server.port, server.implicit, PER_CLIENT),
                       PARALLEL, PER_CLIENT)


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def main():
    for path in (UCSPITLSD, FIXSMTPIO, SERVER):
        if not os.access(path, os.X_OK):
            sys.exit("bench: %s is missing: run make first" % path)
    ctl = os.path.join(workdir(), "control")
    os.makedirs(ctl)
    with open(os.path.join(ctl, "me"), "w") as fh:
        fh.write("bench.example\n")
    shutil.copy(os.path.join(TOP, "examples", "fixsmtpio"), ctl)
    ca = make_ca(workdir())
    cert = make_cert(workdir(), "rsa", ca, dns=["bench.example"])
    rows, failed = [], False

    def row(label, value, target="", ok=True):
        nonlocal failed
        rows.append((label, value, target if ok else target + "  MISSED"))
        failed |= not ok

    timings = []
    for implicit in (False, True):
        mode = "implicit TLS" if implicit else "STARTTLS"
        f = Server("fixsmtpio", cert, ctl, implicit)
        d = Server("stunnel", cert, ctl, implicit)
        i = Server("stunnel-inetd", cert, ctl, implicit)
        w = Server("warm", cert, ctl, implicit)
        for parallel in (False, True):
            how = ("%d clients in parallel" % PARALLEL if parallel
                   else "%d sequential" % SEQUENTIAL)
            got = best([lambda: rate(f, parallel,
                                     None if implicit else timings),
                        lambda: rate(d, parallel), lambda: rate(i, parallel),
                        lambda: rate(w, parallel)], ROUNDS)
            label = "%s sessions/s, %s: fixsmtpio / stunnel" % (mode, how)
            if implicit:
                row(label, "%.2f" % (got[0] / got[1]), "")
                row("  fixsmtpio / stunnel per connection (tcpserver)",
                    "%.2f" % (got[0] / got[2]), "")
            else:
                row(label, "%.2f" % (got[0] / got[1]), ">= 1.0",
                    got[0] >= got[1])
            row("  (fixsmtpio %.1f/s, stunnel daemon %.1f/s, stunnel per "
                "connection %.1f/s)" % tuple(got[:3]), "", "")
            if implicit:
                row("  warm daemon: ucspitlsd-warm, fixsmtpio / stunnel",
                    "%.2f" % (got[3] / got[1]), "(%.1f/s)" % got[3])
                continue
            # stunnel's protocol = smtp waits 200 ms for a client that
            # speaks first; with that wait taken out of each of its
            # sessions (sequential only: in parallel the waits overlap).
            if not parallel:
                fast = 1 / max(1e-3, 1 / got[1] - STUNNEL_WAIT)
                ratio = got[0] / fast
                row("  fixsmtpio / stunnel less its 200 ms wait (%.1f/s)"
                    % fast, "%.2f" % ratio, ">= 1.0", ratio >= 1.0)
                ratio = got[3] / fast
                row("  warm daemon: ucspitlsd-warm, fixsmtpio / stunnel "
                    "less its wait", "%.2f" % ratio, ">= 1.0", ratio >= 1.0)
                row("    (ucspitlsd-warm, fixsmtpio %.1f/s)" % got[3], "", "")
            else:
                row("  warm daemon: ucspitlsd-warm, fixsmtpio / stunnel",
                    "%.2f" % (got[3] / got[1]), "(%.1f/s)" % got[3])
        for s in (f, d, i, w):
            s.stop()

    total, greeting, handshake, ehlo, mail = [
        median([t[k] for t in timings]) for k in range(5)]
    restart = max(0.0, ehlo - mail)
    row("restart's share of a session (medians of %d sequential)"
        % len(timings), "%.1f%%" % (100 * restart / total), "")
    row("  (first EHLO inside TLS %.2f ms, MAIL %.2f ms: restart %.2f ms)"
        % (ehlo * 1e3, mail * 1e3, restart * 1e3), "", "")
    row("  (session %.2f ms: connect to greeting %.2f ms, handshake %.2f "
        "ms)" % (total * 1e3, greeting * 1e3, handshake * 1e3), "", "")

    table("STARTTLS through fixsmtpio", rows)
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        code = main()
    finally:
        cleanup()
    sys.exit(code)
