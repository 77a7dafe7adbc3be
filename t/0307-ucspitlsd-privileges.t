#!/usr/bin/env python3
"""The engine's privileges (the tests run as root): after loading a key
only root may read, the TLS process runs as TLS_UID/TLS_GID (or
SSL_UID/SSL_GID) with no other group, in TLS_CHROOT when it is set, and
not dumpable, while prog keeps its own uid; a uid, gid or chroot that
cannot be had is refused before anything is sent, never ignored."""

import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403
from tlsclient import Session, children, context, proc_status  # noqa: E402
from tlsfixture import make_ca, make_cert  # noqa: E402

if os.geteuid() != 0:
    skip_all("the privilege tests run as root")

ca = make_ca(TMP)
cert = make_cert(TMP, "mail", ca, dns=["mail.example.org"])
os.chmod(cert.key, 0o600)
NOBODY = 65534
jail = os.path.join(TMP, "jail")
os.makedirs(jail)


def engine_of(srv, implicit=False):
    s = Session(srv.port, context(ca.cert), "mail.example.org",
                starttls=not implicit, implicit=implicit)
    app = s.pid()
    engine = children(app)
    return s, app, engine[0] if engine else None


def ids(status, key):
    return status.get(key, "").split()


for name, settings, args in (
        ("TLS_UID/TLS_GID", dict(TLS_UID=str(NOBODY), TLS_GID=str(NOBODY)),
         []),
        ("SSL_UID/SSL_GID", dict(SSL_UID=str(NOBODY), SSL_GID=str(NOBODY)),
         []),
        ("implicit", dict(TLS_UID=str(NOBODY), TLS_GID=str(NOBODY)),
         ["-i"]),
        ("TLS_CHROOT", dict(TLS_UID=str(NOBODY), TLS_GID=str(NOBODY),
                            TLS_CHROOT=jail), [])):
    env = environ(CERTFILE=cert.cert, KEYFILE=cert.key, **settings)
    srv = TCPServer(prog("ucspitlsd") + args + [helper("tlsecho")], env=env,
                    name=name.replace("/", "-"))
    s, app, engine = engine_of(srv, implicit=bool(args))
    ok(engine, "%s: the engine runs" % name)
    st = proc_status(engine) if engine else {}
    is_(ids(st, "Uid"), [str(NOBODY)] * 4, "%s: every uid is %d" % (name,
                                                                  NOBODY))
    is_(ids(st, "Gid"), [str(NOBODY)] * 4, "%s: every gid too" % name)
    is_(ids(st, "Groups"), [str(NOBODY)], "%s: no other group" % name)
    if engine:
        owner = os.stat("/proc/%d/status" % engine).st_uid
        is_(owner, 0, "%s: not dumpable (its /proc files stay root's)"
            % name)
    is_(ids(proc_status(app), "Uid"), ["0"] * 4,
        "%s: prog keeps its own uid, not the engine's" % name)
    if "TLS_CHROOT" in settings and engine:
        is_(os.readlink("/proc/%d/root" % engine), jail,
            "%s: the engine is in the jail" % name)
        is_(os.readlink("/proc/%d/root" % app), "/",
            "%s: prog is not" % name)
    is_(s.cmd("NOOP"), "250 ok", "%s: TLS works after the drop" % name)
    s.cmd("QUIT")
    s.close()
    is_(srv.ends(1), [0], "%s: prog exits 0" % name)
    srv.stop()

# No ids: the engine keeps the uid it was started with, but is still not
# dumpable, so a prog of the same uid cannot read its memory.
env = environ(CERTFILE=cert.cert, KEYFILE=cert.key)
srv = TCPServer(prog("ucspitlsd") + [helper("tlsecho")], env=env,
                name="noids")
s, app, engine = engine_of(srv)
ok(engine and ids(proc_status(engine), "Uid") == ["0"] * 4,
   "no TLS_UID: the engine stays root")
try:
    with open("/proc/%d/environ" % engine, "rb"):
        pass
    readable = True
except OSError:
    readable = False
ok(readable, "  (root may still look)")
s.cmd("QUIT")
s.close()
srv.stop()

# Started as nobody: what nobody cannot become is refused.
os.chmod(TMP, 0o755)
for f in (cert.cert, cert.key, ca.cert):
    os.chmod(f, 0o644)
setpriv = ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY,
           "--clear-groups"]
if VALGRIND:  # valgrind, started as nobody, writes its logs there
    os.chmod(VGDIR, 0o1777)
for name, settings, message in (
        ("TLS_UID=0", dict(TLS_UID="0", TLS_GID=str(NOBODY)),
         r"unable to set TLS_UID 0: Operation not permitted"),
        ("TLS_GID=0", dict(TLS_GID="0"), r"unable to set TLS_GID 0: "
         r"Operation not permitted"),
        ("TLS_CHROOT", dict(TLS_CHROOT=jail), r"unable to chroot to "
         r"TLS_CHROOT \S+jail: Operation not permitted")):
    # Under implicit TLS (with STARTTLS the session would go on without
    # TLS: t/0305).
    env = environ(CERTFILE=cert.cert, KEYFILE=cert.key, **settings)
    srv = TCPServer(setpriv + prog("ucspitlsd") + ["-i", helper("tlsecho")],
                    env=env, name="nobody-" + name)
    c = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
    is_(c.recv(100), b"", "as nobody, %s: nothing is sent" % name)
    c.close()
    is_(srv.ends(1), [111], "  exit 111")
    like(srv.text(), r"ucspitlsd: fatal: [0-9a-f]{16}: " + message, "  and it says why")
    srv.stop()

env = environ(CERTFILE=cert.cert, KEYFILE=cert.key, TLS_UID=str(NOBODY),
              TLS_GID=str(NOBODY))
srv = TCPServer(setpriv + prog("ucspitlsd") + [helper("tlsecho")], env=env,
                name="nobody-self")
s, app, engine = engine_of(srv)
ok(engine and ids(proc_status(engine), "Uid") == [str(NOBODY)] * 4,
   "as nobody, TLS_UID=nobody: runs")
s.cmd("QUIT")
s.close()
srv.stop()
done()
