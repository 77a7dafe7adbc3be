#!/usr/bin/env python3
"""What ucspitlsd costs, as ratios against Debian's stunnel4 measured in the
same run, with the same certificates (a test CA's RSA 2048 and ECDSA P-256
server certificates), TLS 1.3, TLS_AES_256_GCM_SHA384 and X25519 on both,
and the same application behind both (t/helpers/tlsecho).

  bench/ucspitlsd.py [--quick]

ucspitlsd runs as it is deployed: under tcpserver, one ucspitlsd per
connection, which forks its engine; and in its warm mode, where tcpserver
runs ucspitlsd-warm, which hands the connection to a ucspitlsd -S daemon
that forks the engine with the credentials loaded. stunnel runs twice: as its usual daemon (one process, a
thread per connection, key loaded once), and started per connection by
tcpserver (inetd mode), which is what ucspitlsd's design is. Both exec
tlsecho for every connection. Measured, each as the best of several
rounds taken in turn, so that other load on the machine hits both sides:

  - full TLS 1.3 handshakes per second, 200 connections one after the
    other and 8 clients in parallel: implicit TLS (port 465: the client
    reads the greeting, sends QUIT, reads 221), and STARTTLS (port 25:
    greeting, EHLO, STARTTLS, handshake, QUIT); stunnel's protocol = smtp
    waits 200 ms on every connection to see whether the client speaks
    first (its RFC 2487 detection), which the STARTTLS rows show;
  - bulk throughput, 256 MiB through the tunnel each way (SINK, SOURCE);
  - memory per connection with 20 connections open: the peak RSS of each
    ucspitlsd engine (shared library pages included) and its proportional
    set size (PSS: shared pages divided among their users), forked per
    connection and by the warm daemon, against what stunnel's daemon grows
    by per connection;
  - kernel TLS (GnuTLS's ktls = true) when this kernel has the tls ULP;
  - the CPU a connection costs from ucspitlsd's exec until the engine is
    ready for the ClientHello (STARTTLS mode, prog /bin/true, less what
    running /bin/true alone costs), in both modes: the processes'
    own and their reaped children's CPU, and the warm daemon's.

Prints one table; exits 1 when a target is missed."""

import ctypes
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", os.path.join(TOP, "build"))
sys.path.insert(0, os.path.join(TOP, "t"))
from benchlib import (best, cleanup, context, descendants,  # noqa: E402
                      in_parallel, spawn, stunnel, table, tcpserver,
                      warm_daemon, workdir)
from tlsfixture import make_ca, make_cert  # noqa: E402

QUICK = "--quick" in sys.argv
UCSPITLSD = os.path.join(BUILD, "bin", "ucspitlsd")
WARM = os.path.join(BUILD, "bin", "ucspitlsd-warm")
TRUE = shutil.which("true") or "/bin/true"
APP = os.path.join(BUILD, "t", "bin", "tlsecho")
STUNNEL = shutil.which("stunnel4") or "stunnel4"
PRIORITY = ("NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-256-GCM:"
            "-GROUP-ALL:+GROUP-X25519")
SEQUENTIAL = 50 if QUICK else 200
PARALLEL = 8
PER_CLIENT = 10 if QUICK else 25
ROUNDS = 2 if QUICK else 3
BULK = (32 if QUICK else 256) << 20
OPEN = 20
MIB = 1 << 20

class Server:
    """One of the servers under test, listening on 127.0.0.1: "ucspitlsd"
    (an engine forked per connection), "warm" (ucspitlsd-warm and a
    ucspitlsd -S daemon), "stunnel" (its daemon), "stunnel-inetd"."""

    def __init__(self, kind, cert, starttls=False, extra_env=None):
        self.kind, self.starttls = kind, starttls
        self.daemon = None
        env = {"PATH": os.environ["PATH"]}
        if kind in ("ucspitlsd", "warm"):
            env.update(CERTFILE=cert.cert, KEYFILE=cert.key,
                       CIPHERS=PRIORITY, **(extra_env or {}))
            binary = UCSPITLSD
            if kind == "warm":
                self.daemon, sock = warm_daemon(UCSPITLSD, env)
                env = {"PATH": os.environ["PATH"], "TLSENGINE": sock}
                binary = WARM
            argv = [binary] + ([] if starttls else ["-i"]) + [APP]
            self.proc, self.port = tcpserver(argv, env)
        else:
            self.proc, self.port = stunnel(
                STUNNEL, "%s-%s-%d" % (kind, cert.name, starttls), APP,
                "tlsecho", cert, starttls, kind == "stunnel", env)
        session(self.port, self.starttls)  # warm the caches

    def stop(self):
        for p in (self.proc, self.daemon):
            if p:
                os.killpg(p.pid, signal.SIGTERM)
                p.wait(10)


def reply(sock):
    """Reads one SMTP-style reply (to its last line)."""
    buf = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            raise EOFError("connection closed")
        buf += chunk
        lines = buf.split(b"\r\n")
        if len(lines) > 1 and any(len(x) > 3 and x[3:4] == b" "
                                  for x in lines[:-1]):
            return buf


def session(port, starttls, keep=False):
    """One connection: a full handshake, the greeting, QUIT (or not)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    if starttls:
        reply(s)
        s.sendall(b"EHLO bench.example\r\n")
        reply(s)
        s.sendall(b"STARTTLS\r\n")
        reply(s)
        s = context().wrap_socket(s)
    else:
        s = context().wrap_socket(s)
        reply(s)
    if keep:
        return s
    s.sendall(b"QUIT\r\n")
    reply(s)
    s.close()
    return None


def sessions(port, starttls, n):
    for _ in range(n):
        session(port, starttls)


def resumed_rate(port):
    """Implicit TLS handshakes/s resuming one session (TLS 1.3 ticket)."""
    def once(session=None):
        s = context().wrap_socket(
            socket.create_connection(("127.0.0.1", port), timeout=30),
            session=session)
        reply(s)
        s.sendall(b"QUIT\r\n")
        reply(s)
        if session and not s.session_reused:
            raise RuntimeError("the session was not resumed")
        got = s.session
        s.close()
        return got
    first = once()
    t0 = time.perf_counter()
    for _ in range(SEQUENTIAL):
        once(first)
    return SEQUENTIAL / (time.perf_counter() - t0)


def rate(server, parallel):
    """Handshakes per second."""
    if not parallel:
        t0 = time.perf_counter()
        sessions(server.port, server.starttls, SEQUENTIAL)
        return SEQUENTIAL / (time.perf_counter() - t0)
    return in_parallel(sessions, (server.port, server.starttls, PER_CLIENT),
                       PARALLEL, PER_CLIENT)


def sink(server):
    """MiB/s from the client through the tunnel to the application."""
    s = session(server.port, server.starttls, keep=True)
    block = b"x" * MIB
    t0 = time.perf_counter()
    s.sendall(b"SINK %d\r\n" % BULK)
    for _ in range(BULK // MIB):
        s.sendall(block)
    reply(s)
    elapsed = time.perf_counter() - t0
    s.close()
    return BULK / MIB / elapsed


def source(server, hwm=None):
    """MiB/s from the application through the tunnel to the client; with
    hwm, the peak RSS (KiB) of the process holding the TLS session."""
    s = session(server.port, server.starttls, keep=True)
    buf = bytearray(MIB)
    t0 = time.perf_counter()
    s.sendall(b"SOURCE %d\r\n" % BULK)
    got = -len(b"354 %d\r\n" % BULK)
    while got < BULK:
        n = s.recv_into(buf)
        if not n:
            raise EOFError("short transfer")
        got += n
    elapsed = time.perf_counter() - t0
    peak = hwm() if hwm else 0
    s.close()
    return BULK / MIB / elapsed, peak


def status(pid, key):
    try:
        with open("/proc/%d/status" % pid) as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def pss(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def engines(server):
    """The ucspitlsd engines: the children of the tlsecho processes, or
    with the warm daemon, those of its engine server."""
    if server.daemon:
        servers = own_children(server.daemon.pid)
        return [p for p in descendants(server.daemon.pid) if p not in servers]
    tree = descendants(server.proc.pid)
    return [p for p, c in tree.items() if c == "ucspitlsd"]


def memory(server):
    """KiB per open connection: (peak RSS, PSS) of what holds TLS."""
    if server.kind == "stunnel":
        base_pss = pss(server.proc.pid)
        base_rss = status(server.proc.pid, "VmRSS")
    held = [session(server.port, server.starttls, keep=True)
            for _ in range(OPEN)]
    time.sleep(0.5)
    if server.kind in ("ucspitlsd", "warm"):
        pids = engines(server)
        rss = sum(status(p, "VmHWM") for p in pids) / max(1, len(pids))
        per = sum(pss(p) for p in pids) / max(1, len(pids))
    else:
        rss = (status(server.proc.pid, "VmRSS") - base_rss) / OPEN
        per = (pss(server.proc.pid) - base_pss) / OPEN
    for s in held:
        s.close()
    return rss, per


def cpu_seconds(pid):
    """pid's CPU and that of the children it has reaped."""
    with open("/proc/%d/stat" % pid) as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def own_children(pid):
    with open("/proc/%d/task/%d/children" % (pid, pid)) as fh:
        return [int(c) for c in fh.read().split()]


def starts(argv, env, n, keep):
    """CPU seconds per run of argv (STARTTLS mode: the engine is ready when
    prog runs) on a socket pair; the engines it leaves are reaped here
    (this process is their subreaper), so their CPU counts too."""
    c0 = children_cpu()
    for _ in range(n):
        a, b = socket.socketpair()
        p = subprocess.Popen(argv, stdin=a, stdout=a, env=env,
                             stderr=subprocess.DEVNULL)
        p.wait()
        a.close()
        b.close()
        left = [c for c in own_children(os.getpid()) if c not in keep]
        for c in left:
            os.waitpid(c, 0)
    return (children_cpu() - c0) / n


def start_cpu(cert):
    """ms of CPU a connection costs until its engine is ready: forked per
    connection; and with the warm daemon, ucspitlsd-warm's and the
    daemon's (its engine server and the engines it reaps)."""
    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    n = 100 if QUICK else 400
    env = {"PATH": os.environ["PATH"], "CERTFILE": cert.cert,
           "KEYFILE": cert.key, "CIPHERS": PRIORITY}
    daemon, sock = warm_daemon(UCSPITLSD, env)
    deadline = time.time() + 30
    while not own_children(daemon.pid) and time.time() < deadline:
        time.sleep(0.02)
    server = own_children(daemon.pid)[0]
    keep = set(own_children(os.getpid()))
    wenv = {"PATH": os.environ["PATH"], "TLSENGINE": sock}
    starts([WARM, TRUE], wenv, 1, keep)  # the server has loaded the key
    results = []
    for _ in range(ROUNDS):
        base = starts([TRUE], env, n, keep)
        fork = starts([UCSPITLSD, TRUE], env, n, keep) - base
        s0 = cpu_seconds(server)
        warm = starts([WARM, TRUE], wenv, n, keep) - base
        results.append((fork, warm, (cpu_seconds(server) - s0) / n))
    os.killpg(daemon.pid, signal.SIGTERM)
    daemon.wait(10)
    return tuple(1000 * min(r[i] for r in results) for i in range(3))


def ktls_available():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    c = socket.create_connection(srv.getsockname())
    try:
        c.setsockopt(socket.IPPROTO_TCP, 31, b"tls")  # TCP_ULP
        return True
    except OSError:
        return False
    finally:
        c.close()
        srv.close()


def main():
    for path in (UCSPITLSD, APP):
        if not os.access(path, os.X_OK):
            sys.exit("bench: %s is missing: run make first" % path)
    ca = make_ca(workdir())
    certs = [make_cert(workdir(), "rsa", ca, dns=["bench.example"]),
             make_cert(workdir(), "ecdsa", ca, kind="ecdsa", dns=["bench.example"])]
    rows, failed = [], False

    def row(label, value, target="", ok=True):
        nonlocal failed
        rows.append((label, value, target if ok else target + "  MISSED"))
        failed |= not ok

    for cert in certs:
        for starttls in (False, True):
            mode = "STARTTLS" if starttls else "implicit TLS"
            u = Server("ucspitlsd", cert, starttls)
            d = Server("stunnel", cert, starttls)
            w = Server("warm", cert, starttls)
            i = Server("stunnel-inetd", cert, starttls) if not starttls \
                else None
            for parallel in (False, True):
                how = ("%d in parallel" % PARALLEL if parallel
                       else "%d sequential" % SEQUENTIAL)
                servers = [u, d, w] + ([i] if i else [])
                got = best([lambda s=s: rate(s, parallel) for s in servers],
                           ROUNDS)
                label = "%s %s handshakes/s, %s" % (cert.name.upper(), mode,
                                                   how)
                ratio = got[0] / got[1]
                row(label + ": ucspitlsd / stunnel", "%.2f" % ratio,
                    ">= 1.5", ratio >= 1.5)
                row("  (ucspitlsd %.0f/s, stunnel daemon %.0f/s)"
                    % (got[0], got[1]), "", "")
                if i:
                    row("  ucspitlsd / stunnel per connection (tcpserver)",
                        "%.2f" % (got[0] / got[3]),
                        "(%.0f/s)" % got[3])
                ratio = got[2] / got[1]
                row("  warm daemon: ucspitlsd-warm / stunnel",
                    "%.2f" % ratio, ">= 1.5", ratio >= 1.5)
                row("    (ucspitlsd-warm %.0f/s)" % got[2], "", "")
            for s in (u, d, w, i):
                if s:
                    s.stop()

    # Resumption: a ticket key file shared by every ucspitlsd process,
    # against the stunnel daemon's full handshakes.
    keys = os.path.join(workdir(), "ticketkeys")
    subprocess.run([UCSPITLSD, "-K", keys], check=True, capture_output=True)
    for cert in certs:
        u = Server("ucspitlsd", cert, extra_env={"TICKETKEYFILE": keys})
        d = Server("stunnel", cert)
        w = Server("warm", cert, extra_env={"TICKETKEYFILE": keys})
        got = best([lambda: resumed_rate(u.port),
                    lambda: rate(d, False),
                    lambda: resumed_rate(w.port)], ROUNDS)
        ratio = got[0] / got[1]
        row("%s implicit TLS, %d sequential: ucspitlsd resumed / stunnel "
            "full" % (cert.name.upper(), SEQUENTIAL), "%.2f" % ratio,
            ">= 3.0", ratio >= 3.0)
        row("  (ucspitlsd resumed %.0f/s, stunnel daemon %.0f/s)"
            % (got[0], got[1]), "", "")
        ratio = got[2] / got[1]
        row("  warm daemon: ucspitlsd-warm resumed / stunnel full",
            "%.2f" % ratio, ">= 3.0", ratio >= 3.0)
        row("    (ucspitlsd-warm resumed %.0f/s)" % got[2], "", "")
        u.stop()
        d.stop()
        w.stop()

    # The start: CPU from exec to the engine ready, in both modes.
    for cert in certs:
        fork_ms, warm_ms, daemon_ms = start_cpu(cert)
        row("%s CPU from exec to ready for the ClientHello (ms)"
            % cert.name.upper(), "%.2f" % fork_ms, "<= 2.0", fork_ms <= 2.0)
        row("  warm daemon: ucspitlsd-warm + daemon (ms)",
            "%.2f" % (warm_ms + daemon_ms), "<= 2.0",
            warm_ms + daemon_ms <= 2.0)
        row("    (ucspitlsd-warm %.2f ms, daemon and engine %.2f ms)"
            % (warm_ms, daemon_ms), "", "")

    cert = certs[1]
    u = Server("ucspitlsd", cert)
    d = Server("stunnel", cert)
    up = best([lambda: sink(u), lambda: sink(d)], ROUNDS)
    row("%d MiB client -> app: ucspitlsd / stunnel" % (BULK // MIB),
        "%.2f" % (up[0] / up[1]), ">= 1.0", up[0] >= up[1])
    row("  (ucspitlsd %.0f MiB/s, stunnel %.0f MiB/s)" % tuple(up), "", "")
    peaks = []

    def engine_hwm():
        pids = engines(u)
        return max([status(p, "VmHWM") for p in pids] or [0])

    def u_source():
        mibs, peak = source(u, engine_hwm)
        peaks.append(peak)
        return mibs

    down = best([u_source, lambda: source(d)[0]], ROUNDS)
    row("%d MiB app -> client: ucspitlsd / stunnel" % (BULK // MIB),
        "%.2f" % (down[0] / down[1]), ">= 1.0", down[0] >= down[1])
    row("  (ucspitlsd %.0f MiB/s, stunnel %.0f MiB/s)" % tuple(down), "", "")

    rss, per = memory(u)
    row("peak RSS of an engine, %d connections open (KiB)" % OPEN,
        "%.0f" % rss, "< 4096", rss < 4096)
    row("  PSS per engine, its share of shared pages (KiB)", "%.0f" % per,
        "< 4096", per < 4096)
    row("  peak RSS of an engine after %d MiB (KiB)" % (BULK // MIB),
        "%.0f" % max(peaks), "< 4096", max(peaks) < 4096)
    w = Server("warm", cert)
    wrss, wper = memory(w)
    row("  warm daemon: PSS per engine (KiB)", "%.0f" % wper,
        "<= %.0f" % per, wper <= per)
    row("    (peak RSS of an engine %.0f KiB, most of it shared with the "
        "daemon)" % wrss, "", "")
    w.stop()
    drss, dper = memory(d)
    row("  stunnel daemon, RSS / PSS growth per connection (KiB)",
        "%.0f / %.0f" % (drss, dper), "")
    u.stop()
    d.stop()

    if ktls_available():
        conf = os.path.join(workdir(), "gnutls-ktls.conf")
        with open(conf, "w") as fh:
            fh.write("[global]\nktls = true\n")
        k = Server("ucspitlsd", cert,
                   extra_env={"GNUTLS_SYSTEM_PRIORITY_FILE": conf})
        u = Server("ucspitlsd", cert)
        got = best([lambda: source(k)[0], lambda: source(u)[0]], ROUNDS)
        row("kernel TLS: ucspitlsd with / without, app -> client",
            "%.2f" % (got[0] / got[1]), "")
        k.stop()
        u.stop()
    else:
        row("kernel TLS: not available (this kernel has no tls ULP)", "-",
            "")

    table("ucspitlsd", rows)
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        code = main()
    finally:
        cleanup()
    sys.exit(code)
