#!/usr/bin/env python3
"""The warm engine daemon (ucspitlsd -S) and its connections (ucspitlsd-warm,
and ucspitlsd with TLSENGINE): the application sees the same variables and
the log the same summary lines as with an engine forked per connection, in
implicit and STARTTLS mode, with a client certificate; sessions resume
across connections with TICKETKEYFILE (python's ssl, openssl s_client,
gnutls-cli); a daemon that is not there gives the three outcomes of a
missing certificate; hostile requests on the socket, many connections at
once and a killed engine leave the daemon serving, and -c bounds the
engines; SIGHUP loads a rotated
ticket key file; the application never maps GnuTLS, and the engines run
as TLS_UID, not dumpable, under the daemon rather than under tcpserver;
fixsmtpio and a real server (msmtpd --inetd) deliver through it."""

import os
import re
import smtplib
import socket
import ssl
import stat
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403
from tlsclient import (Session, context, children, descendants,  # noqa: E402
                       proc_status)
from tlsfixture import make_ca, make_cert  # noqa: E402

if os.geteuid() != 0:
    skip_all("the daemon drops to TLS_UID: the test runs as root")

ca = make_ca(TMP)
srvcert = make_cert(TMP, "mail", ca, dns=["mail.example.org"])
alice = make_cert(TMP, "alice", ca, client=True, cn="Alice Example",
                  email="alice@example.org")
os.chmod(srvcert.key, 0o600)
# The engines run as nobody: under valgrind they write their logs in
# TMP's valgrind directory.
os.chmod(TMP, 0o755)
KEYS = os.path.join(TMP, "ticketkeys")
subprocess.run(prog("ucspitlsd") + ["-K", KEYS], check=True,
               capture_output=True, timeout=60)
NOBODY = 65534
SOCKDIR = os.path.join(TMP, "engine")
os.makedirs(SOCKDIR)
SOCK = os.path.join(SOCKDIR, "socket")
SETTINGS = dict(CERTFILE=srvcert.cert, KEYFILE=srvcert.key, CAFILE=ca.cert,
                TICKETKEYFILE=KEYS)
DLOG = os.path.join(TMP, "daemon.log")


def daemon_text():
    with open(DLOG, "rb") as fh:
        return fh.read().decode("utf-8", "replace")


def wait_log(pattern, count=1, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if len(re.findall(pattern, daemon_text())) >= count:
            return True
        time.sleep(0.05)
    return False


daemon = spawn(prog("ucspitlsd") + ["-S", SOCK, "-c", "64"],
               env=environ(TLS_UID=str(NOBODY), TLS_GID=str(NOBODY),
                           **SETTINGS),
               stdout=subprocess.DEVNULL, stderr=open(DLOG, "ab"))
ok(wait_log(r"ucspitlsd: info: ready for connections on \S+socket"),
   "the daemon says it is ready")
st = os.stat(SOCK)
ok(stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600 and
   st.st_uid == 0, "its socket: mode 0600, root's")


def server_pid(timeout=60):
    """The daemon's engine server, once it has one alone: after SIGHUP the
    old server may take a while to go (under valgrind, seconds)."""
    deadline = time.time() + timeout
    while True:
        kids = children(daemon.pid)
        if len(kids) == 1 or time.time() > deadline:
            return kids[0] if len(kids) == 1 else None
        time.sleep(0.05)


SERVER = server_pid()
ok(SERVER and proc_status(SERVER).get("Uid", "").split() == [str(NOBODY)] * 4,
   "the engine server runs as TLS_UID")
if SERVER:
    is_(os.stat("/proc/%d/status" % SERVER).st_uid, 0,
        "  and is not dumpable")
is_(proc_status(daemon.pid).get("Uid", "").split(), ["0"] * 4,
    "the daemon itself stays root, to load the credentials again")


FRONTS = []


def front(kind, implicit, **extra):
    """A tcpserver running tlsecho behind: "fork" ucspitlsd forking its
    engine, "warm" ucspitlsd-warm, "env" ucspitlsd with TLSENGINE."""
    if kind == "fork":
        env = environ(**SETTINGS, **extra)
        argv = prog("ucspitlsd")
    else:
        env = environ(TLSENGINE=SOCK, **extra)
        argv = prog("ucspitlsd-warm" if kind == "warm" else "ucspitlsd")
    FRONTS.append(kind)
    return TCPServer(argv + (["-i"] if implicit else []) + [helper("tlsecho")],
                     env=env, name="%s-%d-%d" % (kind, implicit, len(FRONTS)))


CLIENT = context(ca.cert, cert=alice.cert, key=alice.key)


def visit(srv, implicit, session=None):
    ctx = CLIENT
    if session:
        wrap = ctx.wrap_socket
        ctx.wrap_socket = lambda sock, server_hostname=None: wrap(
            sock, server_hostname=server_hostname, session=session)
    try:
        s = Session(srv.port, ctx, "mail.example.org", starttls=not implicit,
                    implicit=implicit)
    finally:
        if session:
            del ctx.wrap_socket
    env = s.env()
    got = (env, s.sock.session, s.sock.session_reused, s.pid())
    s.cmd("QUIT")
    s.close()
    return got


def shown(env):
    """What the application sees of TLS and of the connection."""
    return {k: v for k, v in env.items()
            if k.startswith("SSL") or k in ("TCPREMOTEIP", "DISABLETLS",
                                            "TLSENGINE", "CERTFILE",
                                            "KEYFILE", "TICKETKEYFILE")}


def summary_shape(line):
    return re.sub(r" (in|out|seconds)=\S+", "", line)


for implicit in (True, False):
    mode = "implicit" if implicit else "STARTTLS"
    seen, lines = {}, {}
    for kind in ("fork", "warm", "env"):
        srv = front(kind, implicit)
        env, _, _, _ = visit(srv, implicit)
        seen[kind] = shown(env)
        ok(re.match(r"^[0-9a-f]{16}$", env.get("SESSIONID", "")),
           "%s, %s: the application has a session ID" % (mode, kind))
        summ = srv.summaries("ucspitlsd", 1)
        lines[kind] = summary_shape(summ[0]) if summ else None
        like(srv.text(), r"ucspitlsd: info: %s: summary: ip=127\.0\.0\.1 "
             % env.get("SESSIONID"), "%s, %s: the summary line in the "
             "connection's log, with its session ID" % (mode, kind))
        is_(srv.ends(1), [0], "%s, %s: exit 0" % (mode, kind))
        srv.stop()
    ok(seen["fork"].get("SSL_CLIENT_S_DN_CN") == "Alice Example",
       "%s: the client certificate's variables are there" % mode)
    for kind in ("warm", "env"):
        is_(seen[kind], seen["fork"], "%s, %s: the application's "
            "variables are those of a forked engine" % (mode, kind))
        is_(lines[kind], lines["fork"], "%s, %s: so is the summary line"
            % (mode, kind))

# The application never had the key: ucspitlsd-warm does not load GnuTLS,
# and the engine is the daemon's, not under tcpserver.
srv = front("warm", True)
s = Session(srv.port, context(ca.cert), "mail.example.org", starttls=False,
            implicit=True)
app = s.pid()
needed = subprocess.run(["readelf", "-d", os.path.join(BUILD, "bin",
                                                       "ucspitlsd-warm")],
                        capture_output=True, text=True).stdout
ok("(NEEDED)" in needed and "gnutls" not in needed,
   "ucspitlsd-warm, the application's process until its exec, does not "
   "link GnuTLS")
under = descendants(srv.proc.pid)
ok(app in under and all(p not in under for p in children(SERVER or 0)),
   "its engine runs under the daemon, not under tcpserver")
engines = [p for p in children(SERVER or 0)]
ok(engines and all(proc_status(p).get("Uid", "").split() == [str(NOBODY)] * 4
                   for p in engines), "  as TLS_UID")
ok(engines and all(os.stat("/proc/%d/status" % p).st_uid == 0
                   for p in engines), "  not dumpable")
s.cmd("QUIT")
s.close()
srv.stop()

# Resumption across connections: every connection's engine is a fresh
# child of the daemon; the ticket keys were loaded once.
srv = front("warm", True)
first, sess, reused, _ = visit(srv, True)
ok(not reused and first.get("SSL_SESSION_RESUMED") == "Initial",
   "TICKETKEYFILE: the first connection is a full handshake")
again, _, reused, _ = visit(srv, True, session=sess)
ok(reused and again.get("SSL_SESSION_RESUMED") == "Resumed",
   "  the next connection resumes, SSL_SESSION_RESUMED=Resumed")
for name in ("SSL_TLS_SNI", "SSL_CLIENT_S_DN", "SSL_CLIENT_VERIFY"):
    is_(again.get(name), first.get(name), "  %s as in the full handshake"
        % name)
SESS = os.path.join(TMP, "s_client.sess")


def s_client(*args):
    r = subprocess.run(["openssl", "s_client", "-connect",
                        "127.0.0.1:%d" % srv.port, "-servername",
                        "mail.example.org", "-CAfile", ca.cert, "-ign_eof"] +
                       list(args), input=b"QUIT\r\n", capture_output=True,
                       timeout=60)
    m = re.search(r"^(New|Reused), ", r.stdout.decode("utf-8", "replace"),
                  re.M)
    return m.group(1) if m else r.stdout[-300:]


is_(s_client("-sess_out", SESS), "New", "openssl s_client: a new session")
is_(s_client("-sess_in", SESS), "Reused",
    "  another s_client process resumes it")
r = subprocess.run(["gnutls-cli", "--x509cafile", ca.cert, "--resume", "-p",
                    str(srv.port), "127.0.0.1", "--sni-hostname",
                    "mail.example.org", "--verify-hostname",
                    "mail.example.org"], input=b"", capture_output=True,
                   timeout=60)
like(r.stdout.decode("utf-8", "replace"), r"This is a resumed session",
     "gnutls-cli --resume: resumed")
srv.stop()

# SIGHUP: the key file rotated twice, so a ticket of the old key no longer
# opens; the daemon loads it again without a restart.
srv = front("warm", True)
_, old, _, _ = visit(srv, True)
for _ in range(2):
    subprocess.run(prog("ucspitlsd") + ["-K", KEYS], check=True,
                   capture_output=True, timeout=60)
_, _, reused, _ = visit(srv, True, session=old)
ok(reused, "before SIGHUP the daemon still opens tickets of its keys")
os.kill(daemon.pid, 1)
ok(wait_log(r"ucspitlsd: info: credentials loaded again"),
   "SIGHUP: the credentials are loaded again")
NEWSERVER = server_pid()
ok(NEWSERVER and NEWSERVER != SERVER, "  by a new engine server")
SERVER = NEWSERVER
env, _, reused, _ = visit(srv, True, session=old)
ok(not reused and env.get("SSL_SESSION_RESUMED") == "Initial",
   "  which no longer opens a ticket two rotations old")
srv.stop()

# No daemon: the outcomes of a missing certificate.
GONE = os.path.join(TMP, "gone.socket")
for kind in ("warm", "env"):
    srv = TCPServer(prog("ucspitlsd-warm" if kind == "warm" else "ucspitlsd")
                    + ["-i", helper("tlsecho")],
                    env=environ(TLSENGINE=GONE), name="gone-i-" + kind)
    c = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
    is_(c.recv(100), b"", "no daemon, implicit TLS (%s): nothing is sent"
        % kind)
    c.close()
    is_(srv.ends(1), [111], "  exit 111")
    like(srv.text(), r"ucspitlsd: fatal: [0-9a-f]{16}: unable to reach the "
         r"TLS engine daemon at \S+gone\.socket: No such file or directory",
         "  and it says why")
    srv.stop()
for level, want in (("", "1"), ("!", None)):
    srv = TCPServer(prog("ucspitlsd-warm") + [helper("tlsecho")],
                    env=environ(TLSENGINE=GONE, UCSPITLS=level),
                    name="gone-s%s" % len(level))
    s = Session(srv.port, starttls=False)
    env = s.env()
    what = "required" if level else "offered"
    is_((env.get("DISABLETLS"), "SSLCTLFD" in env), (want, False),
        "no daemon, STARTTLS %s: the session goes on without the "
        "UCSPI-TLS descriptors%s" % (what, ", DISABLETLS=1" if want else
                                     ", and without DISABLETLS"))
    s.cmd("QUIT")
    s.close()
    like(srv.text(), r"ucspitlsd: warning: [0-9a-f]{16}: unable to reach "
         r"the TLS engine daemon at \S+: No such file or directory: no TLS "
         r"for 127\.0\.0\.1, the session goes on without it",
         "  with one warning")
    srv.stop()
srv = TCPServer(prog("ucspitlsd-warm") + ["-i", helper("tlsecho")],
                env=environ(), name="unset")
c = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
c.recv(100)
c.close()
srv.ends(1)
like(srv.text(), r"unable to reach the TLS engine daemon: TLSENGINE is not "
     r"set", "ucspitlsd-warm without TLSENGINE says so")
srv.stop()

# Hostile requests on the socket: each ends only the engine that took it.
GOOD = (b"ucspitlsd-engine 1\nmode implicit\nhandshake 30000\nidle 30000\n"
        b"ip 192.0.2.1\nsession \n")


def raw(data, fds=(), close_early=False):
    c = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    c.connect(SOCK)
    if close_early:
        c.close()
        return
    if fds:
        socket.send_fds(c, [data], list(fds))
    else:
        c.send(data)
    c.close()


null = os.open("/dev/null", os.O_RDWR)
a, b = socket.socketpair()
pipes = [os.pipe() for _ in range(3)]
idle = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
idle.connect(SOCK)  # says nothing: its engine waits, the daemon does not
for name, args, why in (
        ("bytes without descriptors", (GOOD,), "no descriptors"),
        ("a malformed request", (b"GET / HTTP/1.0\n", [a.fileno()] * 6),
         "a malformed request"),
        ("too many descriptors", (GOOD, [a.fileno()] * 8),
         "too many bytes or descriptors"),
        ("too many bytes", (GOOD * 8, [a.fileno()] * 6),
         "too many bytes or descriptors"),
        ("descriptors of the wrong kind", (GOOD, [a.fileno(), a.fileno(),
                                                  null, null, null, null]),
         "not the descriptors of its mode"),
        ("the STARTTLS count in implicit mode",
         (GOOD, [a.fileno()] * 3 + [p[1] for p in pipes[:1]] +
          [pipes[1][0], pipes[2][1], a.fileno()]),
         "not the descriptors of its mode"),
        ("a peer that closes at once", (b"", (), True),
         "closed without a request")):
    pattern = r"refused a request on \S+: " + re.escape(why)
    before = len(re.findall(pattern, daemon_text()))
    raw(*args)
    ok(wait_log(pattern, before + 1),
       "hostile: %s: refused (%s)" % (name, why))
srv = front("warm", True)
env, _, _, _ = visit(srv, True)
is_(env.get("SSL_SESSION_RESUMED"), "Initial",
    "after them all the daemon serves, while a silent peer still waits")
is_(server_pid(), SERVER, "  the same engine server")
is_(daemon.poll(), None, "  the daemon runs")
idle.close()
for fd in (null,) + tuple(x for p in pipes for x in p):
    os.close(fd)
a.close()
b.close()

# Many connections at once.
results = []


def client(n):
    for _ in range(n):
        try:
            env, _, _, _ = visit(srv, True)
            results.append(env.get("SSL_PROTOCOL"))
        except Exception as e:  # noqa: BLE001
            results.append(repr(e))


threads = [threading.Thread(target=client, args=(4,)) for _ in range(12)]
for t in threads:
    t.start()
for t in threads:
    t.join()
is_(results.count("TLSv1.3"), 48, "48 connections, 12 at once: all served")
is_(srv.ends(49), [0] * 49, "  and all exit 0")

# A killed engine ends its connection only.
s = Session(srv.port, context(ca.cert), "mail.example.org", starttls=False,
            implicit=True)
s.cmd("NOOP")
engines = children(SERVER)
is_(len(engines), 1, "one engine for one open connection")
for p in engines:
    os.kill(p, 9)
try:
    gone = s.cmd("NOOP") == ""
except (EOFError, OSError, ssl.SSLError):
    gone = True
ok(gone, "a killed engine: its connection ends")
env, _, _, _ = visit(srv, True)
is_(env.get("SSL_PROTOCOL"), "TLSv1.3", "  and the daemon goes on serving")
srv.stop()

# A real server: fixsmtpio and msmtpd --inetd behind ucspitlsd-warm,
# STARTTLS on port 25 and implicit TLS, with python's smtplib.
with open(os.path.join(TOP, "examples", "fixsmtpio")) as fh:
    ctl = controldir(me="mail.example.org\n", fixsmtpio=fh.read())
md = maildir()
tls = context(ca.cert)
tls.check_hostname = False  # smtplib would check 127.0.0.1
for implicit in (False, True):
    srv = TCPServer(prog("ucspitlsd-warm") + (["-i"] if implicit else []) +
                    prog("fixsmtpio") + msmtpd(md),
                    env=environ(CONTROLDIR=ctl, TLSENGINE=SOCK, UCSPITLS=""),
                    name="msmtpd-%d" % implicit)
    if implicit:
        c = smtplib.SMTP_SSL("127.0.0.1", srv.port, timeout=60, context=tls)
    else:
        c = smtplib.SMTP("127.0.0.1", srv.port, timeout=60)
        c.ehlo("client.example")
        ok(c.has_extn("starttls"), "msmtpd: fixsmtpio offers STARTTLS")
        is_(c.starttls(context=tls)[0], 220, "  STARTTLS: 220")
    c.ehlo("client.example")
    c.sendmail("a@example.org", ["b@example.net"],
               b"Subject: warm\r\n\r\nthrough the warm daemon %d\r\n"
               % implicit)
    c.quit()
    got = messages(md, 1 + implicit)
    ok(any(b"through the warm daemon %d" % implicit in m for m in got),
       "msmtpd, %s: the message is delivered over TLS"
       % ("implicit TLS" if implicit else "STARTTLS"))
    is_(srv.ends(1), [0], "  fixsmtpio exits 0")
    srv.stop()

# -c: at most that many engines at once; the next connection waits for
# one to end, then is served.
SOCK1 = os.path.join(SOCKDIR, "one")
one = spawn(prog("ucspitlsd") + ["-S", SOCK1, "-c", "1"],
            env=environ(TLS_UID=str(NOBODY), TLS_GID=str(NOBODY),
                        **SETTINGS),
            stdout=subprocess.DEVNULL, stderr=open(DLOG, "ab"))
ok(wait_log(r"ready for connections on \S+/one"), "-c 1: ready")
srv = TCPServer(prog("ucspitlsd-warm") + ["-i", helper("tlsecho")],
                env=environ(TLSENGINE=SOCK1), name="one")
first = Session(srv.port, context(ca.cert), "mail.example.org",
                starttls=False, implicit=True)
first.cmd("NOOP")
second = []
t = threading.Thread(target=lambda: second.append(visit(srv, True)[0]))
t.start()



def queued(path):
    """Connections waiting in the listening socket's queue (ss's Recv-Q)."""
    out = subprocess.run(["ss", "-xlnH"], capture_output=True,
                         text=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) > 4 and f[4] == path:
            return int(f[2])
    return None


deadline = time.time() + 60
while queued(SOCK1) != 1 and time.time() < deadline:
    time.sleep(0.05)
is_(queued(SOCK1), 1, "-c 1: the second connection waits in the queue")
kids = children(one.pid)
is_(len(children(kids[0])) if kids else None, 1,
    "-c 1: a second connection gets no second engine while the first runs")
first.cmd("QUIT")
first.close()
t.join(120)
is_(second[0].get("SSL_PROTOCOL") if second else None, "TLSv1.3",
    "  and is served once the first has ended")
srv.stop()
stop(one)

# SIGTERM: the daemon stops and takes its socket away.
os.kill(daemon.pid, 15)
is_(daemon.wait(30), 0, "SIGTERM: the daemon exits 0")
ok(not os.path.exists(SOCK), "  and removes its socket")
ok(not re.search(r"Sanitizer|runtime error|fatal", daemon_text()),
   "nothing fatal in the daemon's log")
if VALGRIND:
    check_valgrind()
done()
