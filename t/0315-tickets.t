#!/usr/bin/env python3
"""Session tickets across processes: every connection is a ucspitlsd of
its own, and with TICKETKEYFILE a client resumes its session in the next
one, with python's ssl (TLS 1.3 and 1.2, implicit TLS and STARTTLS),
openssl s_client -sess_out/-sess_in (separate client processes) and
gnutls-cli --resume. SSL_SESSION_RESUMED says so, and a resumed session
gets the same SNI and client certificate variables. ucspitlsd -K makes
and rotates the key file: a ticket sealed before one rotation resumes,
one sealed before two falls back to a full handshake. A missing, corrupt
or world-readable key file is a clear error (the implicit port closes,
STARTTLS goes on without TLS, -C says it)."""

import os
import re
import ssl
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403
from tlsclient import Session, context  # noqa: E402
from tlsfixture import make_ca, make_cert  # noqa: E402

ca = make_ca(TMP)
srvcert = make_cert(TMP, "mail", ca, dns=["mail.example.org"])
alice = make_cert(TMP, "alice", ca, client=True, cn="Alice Example",
                  email="alice@example.org")
KEYS = os.path.join(TMP, "ticketkeys")


def rotate(path=KEYS):
    return subprocess.run(prog("ucspitlsd") + ["-K", path],
                          capture_output=True, text=True, timeout=60)


def server(name, implicit=True, **extra):
    env = environ(CERTFILE=srvcert.cert, KEYFILE=srvcert.key,
                  CAFILE=ca.cert, **extra)
    return TCPServer(prog("ucspitlsd") + (["-i"] if implicit else []) +
                     [helper("tlsecho")], env=env, name=name)


class Client:
    """Sessions of one client: each connection offers the session the
    previous one left."""

    def __init__(self, port, implicit=True, maximum=None):
        self.port, self.implicit = port, implicit
        self.ctx = context(ca.cert, cert=alice.cert, key=alice.key,
                           maximum=maximum)
        self.session = None

    def connect(self):
        wrap = self.ctx.wrap_socket

        def resume(sock, server_hostname=None):
            return wrap(sock, server_hostname=server_hostname,
                        session=self.session)
        self.ctx.wrap_socket = resume
        try:
            s = Session(self.port, self.ctx, "mail.example.org",
                        starttls=not self.implicit, implicit=self.implicit)
        finally:
            self.ctx.wrap_socket = wrap
        env = s.env()  # after a reply, the TLS 1.3 tickets have come
        reused = s.sock.session_reused
        self.session = s.sock.session
        s.cmd("QUIT")
        s.close()
        return reused, env

    def connect_with(self, session):
        self.session = session
        return self.connect()


# Without a key file: no ticket, every handshake a full one.
srv = server("none")
c = Client(srv.port)
c.connect()
reused, env = c.connect()
ok(not reused and env.get("SSL_SESSION_RESUMED") == "Initial",
   "without TICKETKEYFILE: no resumption, SSL_SESSION_RESUMED=Initial")
srv.stop()

# ucspitlsd -K makes the file.
r = rotate()
is_(r.returncode, 0, "ucspitlsd -K makes a key file")
like(r.stderr, r"ucspitlsd: info: \S+ticketkeys: a new ticket key",
     "  and says so")
is_(stat.S_IMODE(os.stat(KEYS).st_mode), 0o600, "  mode 0600")
with open(KEYS) as fh:
    is_(fh.read().count("-----BEGIN UCSPITLSD TICKET KEY-----"), 1,
        "  with one key")

srv = server("tickets", TICKETKEYFILE=KEYS)
for maximum, label in ((None, "TLS 1.3"), (ssl.TLSVersion.TLSv1_2,
                                            "TLS 1.2")):
    c = Client(srv.port, maximum=maximum)
    reused, first = c.connect()
    ok(not reused and first.get("SSL_SESSION_RESUMED") == "Initial",
       "%s: the first connection is a full handshake" % label)
    reused, env = c.connect()
    ok(reused, "%s: the next connection, another process, resumes" % label)
    is_(env.get("SSL_SESSION_RESUMED"), "Resumed",
        "%s: SSL_SESSION_RESUMED=Resumed" % label)
    for name in ("SSL_PROTOCOL", "SSL_CIPHER", "SSL_TLS_SNI",
                 "SSL_CLIENT_VERIFY", "SSL_CLIENT_S_DN", "SSL_CLIENT_I_DN",
                 "SSL_CLIENT_M_SERIAL", "SSL_CLIENT_V_END"):
        is_(env.get(name), first.get(name),
            "%s: %s as in the full handshake (%s)" % (label, name,
                                                      first.get(name)))
    ok("TICKETKEYFILE" not in env, "%s: the application does not see "
       "TICKETKEYFILE" % label)
summaries = srv.summaries("ucspitlsd", 4)
is_([re.search(r"resumed=(\w+)", s).group(1) for s in summaries],
    ["no", "yes", "no", "yes"], "the summary lines say resumed=no/yes")

# STARTTLS resumes too.
starttls = server("starttls", implicit=False, TICKETKEYFILE=KEYS,
                  UCSPITLS="")
c = Client(starttls.port, implicit=False)
c.connect()
reused, env = c.connect()
ok(reused and env.get("SSL_SESSION_RESUMED") == "Resumed",
   "STARTTLS: resumed in the next connection")
starttls.stop()


# openssl s_client, one process a connection; gnutls-cli --resume.
def s_client(*args):
    r = subprocess.run(["openssl", "s_client", "-connect",
                        "127.0.0.1:%d" % srv.port, "-servername",
                        "mail.example.org", "-CAfile", ca.cert,
                        "-ign_eof"] +
                       list(args), input=b"QUIT\r\n", capture_output=True,
                       timeout=60)
    out = r.stdout.decode("utf-8", "replace")
    m = re.search(r"^(New|Reused), ", out, re.M)
    return m.group(1) if m else out[-500:]


SESS = os.path.join(TMP, "s_client.sess")
is_(s_client("-sess_out", SESS), "New", "openssl s_client: a new session")
is_(s_client("-sess_in", SESS), "Reused",
    "openssl s_client -sess_in, another process: reused")
r = subprocess.run(["gnutls-cli", "--x509cafile", ca.cert, "--resume",
                    "-p", str(srv.port), "127.0.0.1",
                    "--sni-hostname", "mail.example.org",
                    "--verify-hostname", "mail.example.org"],
                   input=b"", capture_output=True, timeout=60)
like(r.stdout.decode("utf-8", "replace"), r"This is a resumed session",
     "gnutls-cli --resume: resumed")

# Rotation: the previous key still opens tickets, the one before it no
# longer does (a full handshake, nothing else).
c = Client(srv.port)
c.connect()
old = c.session
r = rotate()
with open(KEYS) as fh:
    is_(fh.read().count("BEGIN UCSPITLSD TICKET KEY"), 2,
        "after a rotation the file has the new key and the previous one")
is_(stat.S_IMODE(os.stat(KEYS).st_mode), 0o600, "  still 0600")
reused, env = c.connect_with(old)
ok(reused and env.get("SSL_SESSION_RESUMED") == "Resumed",
   "a ticket sealed with the previous key resumes after the rotation")
reused, env = c.connect_with(old)
ok(reused, "  again (no new ticket is sealed with the previous key)")
is_(s_client("-sess_in", SESS), "Reused",
    "  and openssl's, sealed before the rotation")
rotate()
reused, env = c.connect_with(old)
ok(not reused and env.get("SSL_SESSION_RESUMED") == "Initial",
   "two rotations later: a full handshake, and the session goes on")
is_(s_client("-sess_in", SESS), "New", "  openssl's too")
srv.stop()
ok(not re.search(r"warning|fatal", srv.text()),
   "no warning or error was logged")

# Bad key files.
bad = os.path.join(TMP, "bad.keys")
with open(bad, "w") as fh:
    fh.write("-----BEGIN UCSPITLSD TICKET KEY-----\nbm90IGEga2V5\n"
             "-----END UCSPITLSD TICKET KEY-----\n")
os.chmod(bad, 0o600)
readable = os.path.join(TMP, "readable.keys")
with open(KEYS) as src, open(readable, "w") as dst:
    dst.write(src.read())
os.chmod(readable, 0o644)
empty = os.path.join(TMP, "empty.keys")
open(empty, "w").close()
os.chmod(empty, 0o600)
for n, (path, why, label) in enumerate((
        (bad, r"key 1 is not 64 bytes of base64", "a corrupt key"),
        (readable, r"others than its owner may read", "a world-readable file"),
        (empty, r"no key in it \(ucspitlsd -K makes one\)", "an empty file"),
        (os.path.join(TMP, "missing.keys"), r"No such file", "no file"))):
    s = server("bad%d" % n, TICKETKEYFILE=path)
    try:
        Session(s.port, context(ca.cert), "mail.example.org",
                starttls=False, implicit=True)
        ok(False, "%s: the implicit port closes" % label)
    except (OSError, EOFError, ssl.SSLError):
        ok(True, "%s: the implicit port closes" % label)
    is_(s.ends(1), [111], "  ucspitlsd exits 111")
    like(s.text(), r"ucspitlsd: fatal: [0-9a-f]{16}: unable to (use|read) "
         r"TICKETKEYFILE %s: .*%s" % (re.escape(path), why),
         "  naming the file and the reason")
    s.stop()
    r = subprocess.run(prog("ucspitlsd") + ["-C"],
                       env=environ(CERTFILE=srvcert.cert,
                                   KEYFILE=srvcert.key, TICKETKEYFILE=path),
                       capture_output=True, text=True, timeout=60)
    ok(r.returncode == 100 and re.search(r"ucspitlsd: error: unable to "
                                         r"(use|read) TICKETKEYFILE .*" + why,
                                         r.stderr),
       "  ucspitlsd -C: exit 100, naming it")
s = server("badstarttls", implicit=False, TICKETKEYFILE=bad, UCSPITLS="")
t = Session(s.port, context(ca.cert), "mail.example.org", starttls=False)
is_(t.cmd("EHLO client.example").split("\n")[1:], ["250 PIPELINING"],
    "STARTTLS with a corrupt key file: the session goes on, without "
    "STARTTLS")
t.cmd("QUIT")
t.close()
s.stop()
r = rotate(bad)
ok(r.returncode == 111 and re.search(r"unable to rotate TICKETKEYFILE .*"
                                     r"remove it", r.stderr),
   "ucspitlsd -K on a corrupt file: refused, it says what to do")
r = rotate(os.path.join(TMP, "no", "such", "dir"))
ok(r.returncode == 111 and "unable to write TICKETKEYFILE" in r.stderr,
   "ucspitlsd -K where it cannot write: exit 111, saying so")
done()
