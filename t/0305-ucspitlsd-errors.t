#!/usr/bin/env python3
"""ucspitlsd's failures: a bad certificate, key, CA, DH or priority
setting, under implicit TLS, exits 111 naming it before anything reaches
the client; with STARTTLS the session goes on without TLS, with one warning
naming it; usage errors exit 100; a client that sends garbage instead of a
ClientHello, stops half way or says nothing ends the connection with one
log line naming the peer and the reason, within the handshake timeout."""

import os
import re
import socket
import ssl
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403
from tlsclient import Session, context, find_marked  # noqa: E402
from tlsfixture import make_ca, make_cert, make_key  # noqa: E402

ca = make_ca(TMP)
cert = make_cert(TMP, "mail", ca, dns=["mail.example.org"])
ec = make_cert(TMP, "ec", ca, kind="ecdsa", dns=["ec.example.org"])
otherkey = make_key(TMP, "other", "rsa")
garbage = os.path.join(TMP, "garbage.pem")
with open(garbage, "w") as fh:
    fh.write("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n"
             "-----END CERTIFICATE-----\n")
MARK = "t0305.%d" % os.getpid()
servers = []


def server(name, args=(), **settings):
    env = environ(TLS_TEST_MARK=MARK, **settings)
    srv = TCPServer(prog("ucspitlsd") + list(args) + [helper("tlsecho")],
                    env=env, name=name)
    servers.append(srv)
    return srv


def received(port, send=None):
    """All a fresh connection gets, after sending send."""
    c = socket.create_connection(("127.0.0.1", port), timeout=60)
    if send:
        c.sendall(send)
    data = b""
    try:
        while True:
            chunk = c.recv(65536)
            if not chunk:
                break
            data += chunk
    except ConnectionResetError:
        pass
    c.close()
    return data


def log_lines(srv):
    """ucspitlsd's lines, but for the summary line (summaries())."""
    return [line for line in srv.text().splitlines()
            if line.startswith("ucspitlsd:") and ": summary: " not in line]


def summaries(srv):
    return re.findall(r"(?m)" + SUMMARY % "ucspitlsd" + r"(.*)$", srv.text())


good = dict(CERTFILE=cert.cert, KEYFILE=cert.key)
cases = [
    ("ec-key", dict(CERTFILE=cert.cert, KEYFILE=ec.key),
     r"unable to use KEYFILE \S+ec\.key with CERTFILE \S+mail\.pem: The "
     r"certificate and the given key do not match"),
    ("other-key", dict(CERTFILE=cert.cert, KEYFILE=otherkey),
     r"unable to use KEYFILE \S+other\.key with CERTFILE \S+mail\.pem"),
    ("no-key", dict(CERTFILE=cert.cert),
     r"unable to parse the private key in KEYFILE \S+mail\.pem"),
    ("missing-cert", dict(CERTFILE=cert.cert + ".gone", KEYFILE=cert.key),
     r"unable to read CERTFILE \S+mail\.pem\.gone: No such file"),
    ("missing-key", dict(CERTFILE=cert.cert, KEYFILE=cert.key + ".gone"),
     r"unable to read KEYFILE \S+mail\.key\.gone: No such file"),
    ("dir-cert", dict(CERTFILE=TMP, KEYFILE=cert.key),
     r"unable to read CERTFILE \S+: not a regular file"),
    ("garbage-cert", dict(CERTFILE=garbage, KEYFILE=cert.key),
     r"unable to parse CERTFILE \S+garbage\.pem"),
    ("ciphers", dict(good, CIPHERS="NORMAL:+NO-SUCH-THING"),
     r"unable to parse CIPHERS at \"\+NO-SUCH-THING\""),
    ("dhfile", dict(good, DHFILE=garbage),
     r"unable to parse DHFILE \S+garbage\.pem"),
    ("missing-ca", dict(good, CAFILE=cert.cert + ".gone"),
     r"unable to read CAFILE"),
    ("no-certfile", dict(KEYFILE=cert.key),
     r"unable to read the certificate: CERTFILE is not set"),
    ("uid", dict(good, TLS_UID="nobody", TLS_GID="65534"),
     r"unable to parse TLS_UID: not a number: nobody"),
    ("uid-only", dict(good, TLS_UID="65534"),
     r"unable to use TLS_UID without TLS_GID"),
    ("sni", dict(good, **{"KEYFILE:x.example": cert.key}),
     r"unable to use KEYFILE:x\.example: CERTFILE:x\.example is not set"),
]
for name, settings, message in cases:
    # Implicit TLS: nothing can be said without TLS, the connection ends.
    srv = server(name + "-i", ("-i",), **settings)
    is_(received(srv.port), b"", "%s, implicit: nothing is sent" % name)
    is_(srv.ends(1), [111], "%s, implicit: exit 111" % name)
    lines = log_lines(srv)
    ok(len(lines) == 1 and re.search("ucspitlsd: fatal: [0-9a-f]{16}: " + message,
                                     lines[0]),
       "%s, implicit: one line says why" % name)
    if len(lines) != 1:
        diag(srv.text())
    srv.stop()
    # STARTTLS: the session goes on without TLS (mail on port 25 must not
    # stop for a certificate): prog runs without the UCSPI-TLS descriptors
    # and with DISABLETLS, so that it offers no STARTTLS.
    srv = server(name, (), **settings)
    s = Session(srv.port, starttls=False)
    ok(s.greeting.startswith("220 "), "%s, STARTTLS: prog greets" % name)
    env = s.env()
    ok("SSLCTLFD" not in env and env.get("DISABLETLS") == "1",
       "%s, STARTTLS: without TLS, and told so" % name)
    is_(s.cmd("EHLO x"), "250-tlsecho\n250 PIPELINING",
        "%s, STARTTLS: no STARTTLS offered" % name)
    s.cmd("QUIT")
    s.close()
    is_(srv.ends(1), [0], "%s, STARTTLS: prog's exit code" % name)
    lines = log_lines(srv)
    ok(len(lines) == 1 and re.search(
        "ucspitlsd: warning: [0-9a-f]{16}: " + message + r".*: no TLS for 127\.0\.0\.1, "
        "the session goes on without it", lines[0]),
       "%s, STARTTLS: one warning says why" % name)
    if len(lines) != 1:
        diag(srv.text())
    srv.stop()
    if name == "missing-cert":
        # TLS required (UCSPITLS=!): prog is told nothing else, and refuses.
        srv = server(name + "-required", (), UCSPITLS="!", **settings)
        s = Session(srv.port, starttls=False)
        ok("DISABLETLS" not in s.env(), "%s, TLS required: no DISABLETLS"
           % name)
        s.cmd("QUIT")
        s.close()
        srv.stop()

# Usage errors, and a prog that cannot be run.
for args in ([], ["-x", "tlsecho"], ["-h", "0", "tlsecho"], ["-i"],
             ["-t", "soon", "tlsecho"]):
    r = subprocess.run(prog("ucspitlsd") + args, env=environ(**good),
                       capture_output=True, stdin=subprocess.DEVNULL,
                       timeout=60)
    is_(r.returncode, 100, "usage error %r: exit 100" % (args,))
    like(r.stderr.decode(), r"^ucspitlsd: usage: ucspitlsd \[-i\]",
         "  with the usage line")
srv = TCPServer(prog("ucspitlsd") + ["no-such-program"],
                env=environ(TLS_TEST_MARK=MARK, **good), name="noprog")
servers.append(srv)
is_(received(srv.port), b"", "a prog that cannot be run: nothing is sent")
is_(srv.ends(1), [111], "  exit 111")
like(srv.text(), r"ucspitlsd: fatal: [0-9a-f]{16}: unable to run no-such-program: No such "
     r"file or directory", "  it says why")
srv.stop()

# A client hello that is not one, in both modes.
srv = server("garbage", ("-h", "20"), **good)
s = Session(srv.port, starttls=False)
s.cmd("EHLO x")
is_(s.cmd("STARTTLS"), "220 2.0.0 Ready to start TLS", "STARTTLS")
s.send(b"GARBAGE GARBAGE GARBAGE\r\n")
data, how = s.eof()
ok(how in ("eof", "reset"), "garbage instead of a ClientHello: the "
   "connection ends")
is_(srv.ends(1), [111], "  prog learns that TLS failed (tlsecho exits 111)")
lines = log_lines(srv)
is_(len(lines), 1, "  one log line")
like(lines[0] if lines else "", r"^ucspitlsd: fatal: [0-9a-f]{16}: unable to "
     r"complete the TLS handshake with 127\.0\.0\.1: \S",
     "  naming the peer and why")
like(" ".join(summaries(srv)), r"^ip=127\.0\.0\.1 mode=starttls tls=none "
     r"cipher=- sni=- resumed=- client=- in=0 out=0 seconds=\d+\.\d{3} "
     r"end=handshake-failed$", "  and the summary line says how it ended")
s.close()
srv.stop()

srv = server("garbage-i", ("-i", "-h", "20"), **good)
received(srv.port, b"\x16\x03\x01\x00\x05hello" + b"\x00" * 100)
is_(srv.ends(1), [111], "implicit, a bad record: exit 111")
lines = log_lines(srv)
ok(len(lines) == 1 and "TLS handshake with 127.0.0.1" in lines[0],
   "  one log line naming the peer")
srv.stop()


def client_hello():
    """The first flight of a real client, made in memory."""
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = context().wrap_bio(inc, out, server_hostname="mail.example.org")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


hello = client_hello()
ok(hello[:1] == b"\x16" and len(hello) > 100, "a ClientHello to cut")
for name, args, send, starttls in (
        ("stall", ("-h", "1"), b"", True),
        ("half", ("-h", "1"), hello[:len(hello) // 2], True),
        ("stall-i", ("-i", "-h", "1"), b"", False),
        ("half-i", ("-i", "-h", "1"), hello[:40], False)):
    srv = server(name, args, **good)
    if starttls:
        s = Session(srv.port, starttls=False)
        s.cmd("EHLO x")
        s.cmd("STARTTLS")
        s.send(send)
        data, how = s.eof()
        s.close()
    else:
        how = "eof" if received(srv.port, send) is not None else "?"
    ok(how in ("eof", "reset"), "%s: the connection ends" % name)
    srv.ends(1)
    lines = log_lines(srv)
    ok(len(lines) == 1 and re.search(
        r"^ucspitlsd: fatal: [0-9a-f]{16}: unable to complete the TLS "
        r"handshake with 127\.0\.0\.1: timed out", lines[0]),
       "%s: one line: timed out" % name)
    like(" ".join(summaries(srv)), r"^ip=127\.0\.0\.1 mode=%s tls=none .* "
         r"end=handshake-failed$" % ("starttls" if starttls else "implicit"),
         "%s: then the summary" % name)
    if len(lines) != 1:
        diag(srv.text())
    srv.stop()

# A client that closes instead of starting the handshake.
srv = server("closes", (), **good)
s = Session(srv.port, starttls=False)
s.cmd("EHLO x")
s.cmd("STARTTLS")
s.sock.shutdown(socket.SHUT_WR)
s.eof()
s.close()
srv.ends(1)
like(srv.text(), r"handshake with 127\.0\.0\.1: the client closed the "
     r"connection", "a client that closes: said so")
srv.stop()

# No engine outlives its connection.
deadline = time.time() + 20
pids = {s.proc.pid for s in servers}
while time.time() < deadline:
    left = [p for p in find_marked("TLS_TEST_MARK", MARK) if p not in pids]
    if not left:
        break
    time.sleep(0.05)
is_(left, [], "no process of these connections is left")
done()
