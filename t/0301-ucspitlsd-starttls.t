#!/usr/bin/env python3
"""ucspitlsd in STARTTLS mode under tcpserver, driven by python's ssl:
TLS 1.3 and 1.2 with RSA and ECDSA certificates, the variables prog gets
and what its environment never holds, "y" as well as "Y", the commands
the engine refuses, and a prog that never starts TLS or closes the control
socket: the engine ends with it."""

import os
import ssl
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403
from tlsclient import Session, children, context, find_marked  # noqa: E402
from tlsfixture import make_ca, make_cert  # noqa: E402

ca = make_ca(TMP)
rsa = make_cert(TMP, "mail", ca, dns=["mail.example.org"])
ec = make_cert(TMP, "ec", ca, kind="ecdsa", dns=["ec.example.org"])
MARK = "t0301.%d" % os.getpid()


def server(cert, name, **extra):
    env = environ(CERTFILE=cert.cert, KEYFILE=cert.key, TLS_TEST_MARK=MARK,
                  **extra)
    return TCPServer(prog("ucspitlsd") + [helper("tlsecho")], env=env,
                     name=name)


def no_engine_left(srv, what):
    """Every ucspitlsd process of this test but tcpserver has gone."""
    deadline = time.time() + 20
    while time.time() < deadline:
        left = [p for p in find_marked("TLS_TEST_MARK", MARK)
                if p != srv.proc.pid and "CERTFILE" in environ_of(p)]
        if not left:
            break
        time.sleep(0.05)
    is_(left, [], what)


def environ_of(pid):
    try:
        with open("/proc/%d/environ" % pid, "rb") as fh:
            return [e.split(b"=")[0].decode() for e in fh.read().split(b"\0")]
    except OSError:
        return []


srv = server(rsa, "rsa", CIPHERS=None, SSL_PROTOCOL="stale",
             SSL_CLIENT_S_DN_CN="forged", CERTFILE_OTHER="kept",
             CAFILE=None)
ctx13 = context(ca.cert, minimum=ssl.TLSVersion.TLSv1_3)
s = Session(srv.port, ctx13, "mail.example.org", starttls=False)
is_(s.greeting, "220 tlsecho ready", "prog greets in clear at once")
like(s.cmd("EHLO x"), "250-STARTTLS", "and offers STARTTLS: SSLCTLFD is set")
plain = s.env()
for var in ("SSLCTLFD", "SSLREADFD", "SSLWRITEFD"):
    like(plain.get(var), r"^\d+$", "before TLS: %s names a descriptor" % var)
for var in ("CERTFILE", "KEYFILE", "CAFILE", "TLS_UID", "TLS_GID",
            "SSL_PROTOCOL", "SSL_CLIENT_S_DN_CN"):
    ok(var not in plain, "before TLS: no %s" % var)
is_(plain.get("CERTFILE_OTHER"), "kept", "other variables pass")
s.starttls()
is_(s.sock.version(), "TLSv1.3", "TLS 1.3")
env = s.env()
is_(env.get("SSL_PROTOCOL"), "TLSv1.3", "SSL_PROTOCOL")
is_(env.get("SSL_CIPHER"), s.sock.cipher()[0], "SSL_CIPHER is the suite")
is_(env.get("SSL_CIPHER_USEKEYSIZE"), str(s.sock.cipher()[2]),
    "SSL_CIPHER_USEKEYSIZE")
is_(env.get("SSL_CIPHER_ALGKEYSIZE"), str(s.sock.cipher()[2]),
    "SSL_CIPHER_ALGKEYSIZE")
like(env.get("SSL_VERSION_LIBRARY"), r"^GnuTLS/3\.", "SSL_VERSION_LIBRARY")
like(env.get("SSL_VERSION_INTERFACE"), r"^ucspitlsd/",
     "SSL_VERSION_INTERFACE")
is_(env.get("SSL_SESSION_RESUMED"), "Initial", "SSL_SESSION_RESUMED")
is_(env.get("SSL_TLS_SNI"), "mail.example.org", "SSL_TLS_SNI")
is_(env.get("SSL_CLIENT_VERIFY"), "NONE", "SSL_CLIENT_VERIFY without CAFILE")
ok("SSL_CLIENT_S_DN_CN" not in env, "the forged variable is gone")
for var in ("CERTFILE", "KEYFILE", "CAFILE", "DHFILE", "CIPHERS", "TLS_UID",
            "TLS_GID", "SSL_UID", "SSL_GID", "TLS_CHROOT"):
    ok(var not in env, "in TLS: no %s" % var)
is_(s.cmd("NOOP"), "250 ok", "commands go through TLS")
app = s.pid()
engine = children(app)
is_(len(engine), 1, "prog has one child: the TLS engine")
ok(engine and "CERTFILE" in environ_of(engine[0]),
   "the engine keeps the configuration")
s.send("ECHO\r\n")
is_(s.reply(), "354 echo", "echo")
s.send(b"hello\r\n\x00\xff binary\r\n")
is_(s.read(18), b"hello\r\n\x00\xff binary\r\n", "bytes come back as sent")
s.sock.unwrap()  # close_notify, and ucspitlsd answers with its own
s.close()
is_(srv.ends(1), [0], "prog saw end of file and exited 0")

# TLS 1.2, RSA: ECDHE with an AEAD cipher.
ctx12 = context(ca.cert, maximum=ssl.TLSVersion.TLSv1_2)
s = Session(srv.port, ctx12, "mail.example.org")
is_(s.sock.version(), "TLSv1.2", "TLS 1.2")
env = s.env()
is_(env.get("SSL_PROTOCOL"), "TLSv1.2", "SSL_PROTOCOL for TLS 1.2")
like(env.get("SSL_CIPHER"), r"^TLS_ECDHE_RSA_WITH_(AES_\d+_GCM|CHACHA20)",
     "SSL_CIPHER names ECDHE and RSA")
is_(s.cmd("QUIT"), "221 bye", "QUIT")
is_(s.eof()[1], "close_notify", "prog's exit ends TLS with close_notify")
s.close()

# Older protocols and ciphers are refused, and the refusal is logged.
old = context(ca.cert, maximum=ssl.TLSVersion.TLSv1_1,
              ciphers="DEFAULT:@SECLEVEL=0")
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    old.minimum_version = ssl.TLSVersion.TLSv1
try:
    Session(srv.port, old, "mail.example.org")
    ok(False, "TLS 1.1 refused")
except (ssl.SSLError, OSError):
    ok(True, "TLS 1.1 refused")
cbc = context(ca.cert, maximum=ssl.TLSVersion.TLSv1_2,
              ciphers="ECDHE-RSA-AES128-SHA")
try:
    Session(srv.port, cbc, "mail.example.org")
    ok(False, "a CBC cipher refused")
except (ssl.SSLError, OSError):
    ok(True, "a CBC cipher refused")
st = srv.ends(4)
like(srv.text(), r"ucspitlsd: fatal: [0-9a-f]{16}: unable to complete the TLS handshake "
     r"with 127\.0\.0\.1: .*unsupported version",
     "the log names the peer and why: the version")
like(srv.text(), r"ucspitlsd: fatal: [0-9a-f]{16}: unable to complete the TLS handshake "
     r"with 127\.0\.0\.1: No supported cipher suites",
     "or the cipher")
srv.stop()

# ECDSA P-256, TLS 1.3 and 1.2.
srv = server(ec, "ec")
for ctx, version in ((ctx13, "TLSv1.3"), (ctx12, "TLSv1.2")):
    s = Session(srv.port, ctx, "ec.example.org")
    is_(s.sock.version(), version, "ECDSA certificate: %s" % version)
    env = s.env()
    if version == "TLSv1.2":
        like(env.get("SSL_CIPHER"), r"^TLS_ECDHE_ECDSA_",
             "SSL_CIPHER names ECDSA")
    s.cmd("QUIT")
    s.close()
srv.stop()

# "y": the handshake without the variables.
srv = server(rsa, "lower-y", TLSECHO_COMMAND="y")
s = Session(srv.port, ctx13, "mail.example.org")
env = s.env()
ok("SSL_PROTOCOL" not in env, "after y, no variables come back")
is_(s.cmd("NOOP"), "250 ok", "and TLS works")
s.cmd("QUIT")
s.close()
srv.stop()

# A command that is neither y nor Y: no TLS, and the engine says so.
srv = server(rsa, "bad-command", TLSECHO_COMMAND="x")
try:
    s = Session(srv.port, ctx13, "mail.example.org")
    ok(False, "no handshake after an unknown command")
except (ssl.SSLError, OSError):
    ok(True, "no handshake after an unknown command")
srv.ends(1)
like(srv.text(), r"ucspitlsd: warning: [0-9a-f]{16}: unknown UCSPI-TLS command 0x78",
     "the engine names the command")
srv.stop()

# prog that stays in clear: the engine waits, then ends with prog.
srv = server(rsa, "clear")
s = Session(srv.port, ctx13, "mail.example.org", starttls=False)
app = s.pid()
ok(len(children(app)) == 1, "the engine waits while prog talks in clear")
is_(s.cmd("QUIT"), "221 bye", "prog quits without TLS")
s.close()
is_(srv.ends(1), [0], "prog exited 0")
no_engine_left(srv, "the engine ended with prog")
srv.stop()

# prog that closes the control socket without a command.
srv = server(rsa, "closed", TLSECHO_CLOSE_CONTROL="1")
s = Session(srv.port, ctx13, "mail.example.org", starttls=False)
app = s.pid()
deadline = time.time() + 20
while children(app) and time.time() < deadline:
    time.sleep(0.05)
is_(children(app), [], "the engine exits when the control socket closes")
is_(s.cmd("NOOP"), "250 ok", "prog goes on in clear")
s.cmd("QUIT")
s.close()
srv.stop()
done()
