#!/usr/bin/env python3
"""Hostile input to authup, SMTP and POP3: one table of cases, each
asserting the exact replies the client gets. Nothing here gets past
authentication, so the checkpassword is the scripted stand-in and the
server behind it never runs."""

import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403

ctl = controldir(me="mx.example\n", smtpcapabilities="PIPELINING\n",
                 pop3capabilities="TOP\n")


def server(proto):
    return TCPServer(prog("authup") + [proto, helper("checkpw"), "true"],
                     env=environ(CONTROLDIR=ctl, AUTHUP_PAUSE="0",
                                 AUTHUP_TIMEOUT="3"),
                     limit=20, name=proto)


def session(port, payload, count, split=None, pop=False):
    c = SMTP(port, timeout=30)
    c.line()
    if split:
        for i in range(0, len(payload), split):
            c.send(payload[i:i + split])
    else:
        c.send(payload)
    got = []
    for _ in range(count):
        try:
            got.append(c.line() if pop else c.text())
        except (EOFError, OSError):
            got.append(None)
    c.close()
    return got


K = 1024
M = K * K
long_ = "500 5.5.2 line too long"
b64bad = "501 5.5.2 Invalid base64 or SASL message"
smtp_cases = [
    ("1 KiB command", b"NOOP " + b"a" * (K - 7) + b"\r\n", ["250 2.0.0 ok"]),
    ("4 KiB command (the limit, CR LF included)",
     b"NOOP " + b"b" * (4 * K - 7) + b"\r\n", ["250 2.0.0 ok"]),
    ("64 KiB command", b"NOOP " + b"c" * (64 * K) + b"\r\nRSET\r\n",
     [long_, "250 2.0.0 ok"]),
    ("10 MiB command with LF", b"NOOP " + b"d" * (10 * M) + b"\nRSET\r\n",
     [long_, "250 2.0.0 ok"]),
    ("NUL byte", b"NO\x00OP\r\nRSET\r\n",
     ["500 5.5.2 NUL character in command", "250 2.0.0 ok"]),
    ("bare LF ends a command", b"NOOP\nRSET\n",
     ["250 2.0.0 ok", "250 2.0.0 ok"]),
    ("bare CR is a byte in the line", b"NOOP a\rRSET\r\n", ["250 2.0.0 ok"]),
    ("8-bit bytes in a command", b"NOOP \xc3\xa9\xff\r\n", ["250 2.0.0 ok"]),
    ("8-bit EHLO name", b"EHLO \xc3\xa9.example\r\n",
     ["250-mx.example\n250-PIPELINING\n250 AUTH PLAIN LOGIN"]),
    ("control character in EHLO", b"EHLO a\x01b\r\n",
     ["501 5.5.4 Syntax: EHLO hostname"]),
    ("AUTH with 10 MiB of base64",
     b"EHLO c\r\nAUTH PLAIN " + b"QUFB" * (10 * M // 4) + b"\r\nRSET\r\n",
     ["250-mx.example\n250-PIPELINING\n250 AUTH PLAIN LOGIN", long_,
      "250 2.0.0 ok"]),
    ("10 MiB SASL response after 334",
     b"EHLO c\r\nAUTH LOGIN\r\n" + b"QUFB" * (10 * M // 4) + b"\r\nRSET\r\n",
     ["250-mx.example\n250-PIPELINING\n250 AUTH PLAIN LOGIN",
      "334 VXNlcm5hbWU6", long_, "250 2.0.0 ok"]),
    ("a 1 KiB SASL response (over the base64 limit)",
     b"EHLO c\r\nAUTH PLAIN " + b"QUFB" * 300 + b"\r\n",
     ["250-mx.example\n250-PIPELINING\n250 AUTH PLAIN LOGIN", b64bad]),
]
for i, shape in enumerate([b"QUF", b"QU=B", b"Q UFB", b"QUFB=", b"====",
                           b"QUFB\tQUFB", b"QUFB====", b"-_-_", b"QUJ\xc3",
                           b"=", b"**"]):
    want = b64bad
    smtp_cases.append(("invalid base64 %d" % i,
                       b"EHLO c\r\nAUTH PLAIN " + shape + b"\r\n",
                       ["250-mx.example\n250-PIPELINING\n250 AUTH PLAIN "
                        "LOGIN", want]))

srv = server("smtp")
for name, payload, want in smtp_cases:
    for split in (None, 1) if len(payload) < 200 else (None, 4093):
        got = session(srv.port, payload, len(want), split)
        how = "in one write" if split is None else "%d bytes a write" % split
        is_(got, want, "smtp: %s (%s)" % (name, how))

# 10 MiB without any LF, then the client goes: authup ends, exit 0.
ended = len(srv.ends(0))
c = SMTP(srv.port)
c.line()
c.send(b"MAIL FROM:<" + b"e" * (10 * M))
c.close()
is_(srv.ends(ended + 1)[-1:], [0], "10 MiB without LF, then close: exit 0")

# 10,000 pipelined commands in one write: 10,000 replies in order.
c = SMTP(srv.port, timeout=60)
c.line()
c.send(b"".join(b"NOOP %d\r\n" % i for i in range(9999)) + b"QUIT\r\n")
codes = [c.reply()[0] for _ in range(10000)]
is_(codes, [250] * 9999 + [221], "10,000 pipelined commands: in order")

# A client sending one byte a second: the idle timeout (3 s) ends it.
c = SMTP(srv.port, timeout=30)
c.line()
t0 = time.time()
closed = None
for b in b"NOOP and more and more\r\n":
    try:
        c.send(bytes([b]))
    except OSError:
        break
    time.sleep(1)
    c.sock.settimeout(0.01)
    try:
        closed = c.sock.recv(4096)
        break
    except socket.timeout:
        pass
    if time.time() - t0 > 15:
        break
is_(closed, b"421 4.4.2 Timeout, closing connection\r\n",
    "smtp: one byte a second: 421 after AUTHUP_TIMEOUT seconds")
srv.stop()

pop_cases = [
    ("10 MiB command", b"USER " + b"d" * (10 * M) + b"\r\nQUIT\r\n",
     ["-ERR line too long", "+OK"]),
    ("NUL byte", b"US\x00ER a\r\nQUIT\r\n",
     ["-ERR NUL character in command", "+OK"]),
    ("bare LF", b"CAPA\n", ["+OK Capability list follows", "USER",
                            "SASL PLAIN", "TOP", "."]),
    ("control character in a name", b"USER a\tb\r\n",
     ["-ERR Syntax: USER name"]),
    ("invalid base64", b"AUTH PLAIN QU=B\r\n",
     ["-ERR invalid base64 or SASL message"]),
    ("10 MiB SASL response", b"AUTH PLAIN\r\n" + b"QUFB" * (10 * M // 4) +
     b"\r\nQUIT\r\n", ["+ ", "-ERR line too long", "+OK"]),
]
srv = server("pop3")
for name, payload, want in pop_cases:
    for split in (None, 1) if len(payload) < 200 else (None, 4093):
        got = session(srv.port, payload, len(want), split, pop=True)
        how = "in one write" if split is None else "%d bytes a write" % split
        is_(got, want, "pop3: %s (%s)" % (name, how))
c = SMTP(srv.port)
c.line()
is_(c.line(), "-ERR timeout, closing connection",
    "pop3: a silent client: -ERR after AUTHUP_TIMEOUT seconds")
# Silent in the middle of AUTH PLAIN: the same answer and exit 16, as
# everywhere else in authup.
ended = len(srv.ends(0))
c = SMTP(srv.port)
c.line()
c.send(b"AUTH PLAIN\r\n")
is_(c.line(), "+ ", "pop3: AUTH PLAIN waits for the response")
is_(c.line(), "-ERR timeout, closing connection",
    "pop3: silent during AUTH PLAIN: -ERR after AUTHUP_TIMEOUT seconds")
is_(srv.ends(ended + 1)[-1:], [16], "pop3: silent during AUTH PLAIN: exit 16")
srv.stop()
done()
