#!/usr/bin/env python3
"""Faults in the whole chain: the client vanishing in the middle of a
message, of the TLS handshake and of AUTH; the server killed in the middle
of a session; an unreadable certificate; a missing password database.
Each gives the reply or the close the manual pages document, nothing is
delivered half, and nothing hangs (every session's end is logged)."""

import os
import signal
import socket
import ssl
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403

if os.geteuid() != 0:
    skip_all("needs root (the TLS engine and checkpassword-cdb switch users)")
from chain import PASSWORD, USER, Chain, b64  # noqa: E402


def client_hello():
    """The first bytes a real TLS client sends."""
    ctx = ssl.create_default_context()
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname="mx.example.org")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


def descendants(pid):
    """pid's descendants, by walking /proc."""
    kids = {}
    for d in os.listdir("/proc"):
        try:
            with open("/proc/%s/stat" % d) as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            kids.setdefault(ppid, []).append(int(d))
        except (OSError, ValueError, IndexError):
            pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for k in kids.get(p, []):
            out.append(k)
            todo.append(k)
    return out


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as fh:
            return fh.read().strip()
    except OSError:
        return ""


chain = Chain(services=("smtp", "submission"))
smtp, sub = chain.servers["smtp"], chain.servers["submission"]

# The client goes in the middle of a message (after 354), in plaintext and
# in TLS with AUTH: nothing is delivered, the session ends.
s = SMTP(chain.port("smtp"))
s.text()
s.cmd("EHLO c")
s.cmd("MAIL FROM:<a@example.org>")
s.cmd("RCPT TO:<b@example.org>")
is_(s.cmd("DATA"), "354 Send data", "plaintext: DATA")
s.send(b"Subject: half\r\n\r\nthe first half of a message\r\n")
time.sleep(0.3)
s.close()
is_(len(smtp.ends(1)), 1, "client gone mid-DATA: the session ends")
c = chain.smtp("submission")
c.mail("alice@example.org")
c.rcpt("bob@example.net")
code, _ = c.docmd("DATA")
is_(code, 354, "TLS and AUTH: DATA")
c.send(b"Subject: half\r\n\r\nthe first half\r\n")
time.sleep(0.3)
c.close()  # smtplib.close(): its file object holds the socket too
is_(len(sub.ends(1)), 1, "client gone mid-DATA in TLS: the session ends")
time.sleep(1)
is_(chain.delivered(), [], "and neither half message was delivered")
like(smtp.text(), r"fixsmtpio: warning: [0-9a-f]{16}: client went away in the middle of "
     r"a message: stopping msmtpd", "fixsmtpio says why it stopped msmtpd")

# The client goes in the middle of the TLS handshake: half a ClientHello.
hello = client_hello()
s = SMTP(chain.port("smtp"))
s.text()
s.cmd("EHLO c")
is_(s.cmd("STARTTLS"), "220 2.0.0 Ready to start TLS", "STARTTLS")
s.send(hello[:len(hello) // 2])
s.close()
is_(smtp.ends(2)[-1:], [111], "half a ClientHello, then gone: exit 111")
like(smtp.text(), r"ucspitlsd: \S+: [0-9a-f]{16}: unable to \S+ the TLS "
     r"handshake with 127\.0\.0\.1",
     "ucspitlsd logs the failed handshake with the peer")

# The client goes in the middle of AUTH.
c = chain.smtp("submission", login=False)
code, text = c.docmd("AUTH LOGIN")
is_((code, text), (334, b"VXNlcm5hbWU6"), "AUTH LOGIN: 334")
c.send(b64(USER.encode()).encode() + b"\r\n")
is_(c.getreply()[0], 334, "the name: 334 for the password")
c.close()  # smtplib.close(): its file object holds the socket too
is_(sub.ends(2)[-1:], [0], "client gone mid-AUTH: authup exits 0")

# The server is killed in the middle of a session: the client's
# connection closes, fixsmtpio exits 111 and says so.
s = SMTP(chain.port("smtp"))
s.text()
s.cmd("EHLO c")
is_(s.cmd("MAIL FROM:<a@example.org>"), "250 Ok", "MAIL")
victims = []
for _ in range(100):
    victims = [p for p in descendants(smtp.proc.pid) if comm(p) == "msmtpd"]
    if victims:
        break
    time.sleep(0.05)
ok(len(victims) == 1, "found the session's msmtpd")
for p in victims:
    os.kill(p, signal.SIGKILL)
ok(s.closed(), "server killed: the client's connection is closed")
is_(smtp.ends(3)[-1:], [111], "fixsmtpio exits 111")
like(smtp.text(), r"fixsmtpio: warning: [0-9a-f]{16}: msmtpd was killed by signal 9",
     "and says the server was killed")
is_(chain.delivered(), [], "nothing delivered")
chain.stop()

# An unreadable certificate on an implicit TLS port: ucspitlsd exits 111
# before a byte is sent. (With STARTTLS the session goes on without TLS:
# t/0314.)
bad = Chain(services=("smtps",), env=dict(CERTFILE="/nonexistent/cert.pem"),
            name="nocert")
s = socket.create_connection(("127.0.0.1", bad.port("smtps")), timeout=20)
is_(s.recv(100), b"", "no certificate: the connection closes, no greeting")
s.close()
srv = bad.servers["smtps"]
is_(srv.ends(1), [111], "ucspitlsd exits 111")
like(srv.text(), r"ucspitlsd: fatal: .*/nonexistent/cert\.pem",
     "naming the file")
bad.stop()

# A missing password database: 454, and checkpassword-cdb says what to do.
nodb = Chain(services=("submission",),
             env=dict(PASSWDCDB="/nonexistent/passwd.cdb"), name="nodb")
c = nodb.smtp("submission", login=False)
code, text = c.docmd("AUTH PLAIN", b64(b"\0" + USER.encode() + b"\0" +
                                       PASSWORD.encode()))
is_((code, text), (454, b"4.7.0 Temporary authentication failure"),
    "no password database: 454 4.7.0")
c.quit()
srv = nodb.servers["submission"]
srv.ends(1)
like(srv.text(), r"checkpassword-cdb: fatal: [0-9a-f]{16}: unable to open "
     r"/nonexistent/passwd\.cdb", "checkpassword-cdb names the file")
like(srv.text(), r"authup: info: .* user alice from 127\.0\.0\.1: tempfail",
     "authup logs a tempfail")
nodb.stop()
done()
