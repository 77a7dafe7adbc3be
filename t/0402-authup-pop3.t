#!/usr/bin/env python3
"""authup pop3 in front of a real POP3 server run preauthenticated
(dovecot's pop3, t/helpers/pop3d) under tcpserver: greeting, CAPA, USER
and PASS, AUTH PLAIN (RFC 5034), tries, every refusal before
authentication, and the clients python3 poplib and curl. The checkpassword
is the scripted stand-in t/helpers/checkpw (it also switches to the
user's uid: dovecot refuses to serve mail as root)."""

import base64
import os
import poplib
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403

UID = 65534
home = os.path.join(TMP, "home")
md = os.path.join(home, "Maildir")
for sub in ("tmp", "new", "cur"):
    os.makedirs(os.path.join(md, sub))
MSG = b"From: a@example.org\nSubject: pop3 test\n\n.a line with a dot\nbody\n"
with open(os.path.join(md, "new", "1.test"), "wb") as fh:
    fh.write(MSG)
for dirpath, dirs, files in os.walk(home):
    for n in dirs + files:
        os.chown(os.path.join(dirpath, n), UID, UID)
os.chown(home, UID, UID)
os.chmod(TMP, 0o755)

ctl = controldir(me="pop.example.org\n", pop3capabilities="TOP\nUIDL\n"
                 "USER\nPIPELINING\nRESP-CODES\n")


def server(name, tries=None, env=None):
    argv = prog("authup") + (["-t", str(tries)] if tries else []) + \
        ["pop3", helper("checkpw"), helper("pop3d")]
    e = dict(CONTROLDIR=ctl, CHECKPW_USERS="alice:secret pw",
             CHECKPW_UID=str(UID), CHECKPW_HOME=home, AUTHUP_PAUSE="0")
    e.update(env or {})
    return TCPServer(argv, env=environ(**e), name=name)


def b64(data):
    return base64.b64encode(data).decode()


class POP:
    def __init__(self, port):
        self.c = SMTP(port)

    def cmd(self, line):
        self.c.send(line + "\r\n")
        return self.c.line()

    def multi(self):
        lines = []
        while True:
            line = self.c.line()
            if line == ".":
                return lines
            lines.append(line)


srv = server("pop3")
p = POP(srv.port)
greeting = p.c.line()
like(greeting, r"^\+OK <\d+\.\d+@pop\.example\.org>$",
     "greeting: +OK <pid.time@pop3greeting or me>")
is_(p.cmd("CAPA"), "+OK Capability list follows", "CAPA")
is_(p.multi(), ["USER", "SASL PLAIN", "TOP", "UIDL", "RESP-CODES"],
    "USER, SASL PLAIN, then the file (its USER and PIPELINING left out)")
is_(p.cmd("STAT"), "-ERR authorization first", "STAT before authentication")
is_(p.cmd("APOP alice 0123456789abcdef0123456789abcdef"),
    "-ERR APOP not supported", "APOP")
is_(p.cmd("PASS secret pw"), "-ERR USER first", "PASS without USER")
is_(p.cmd("STLS"), "-ERR STLS not offered", "STLS without UCSPI-TLS")
is_(p.cmd("AUTH CRAM-MD5"), "-ERR unsupported authentication mechanism",
    "AUTH CRAM-MD5")
is_(p.cmd("AUTH PLAIN"), "+ ", "AUTH PLAIN without initial response")
is_(p.cmd("*"), "-ERR authentication cancelled", "* cancels")
is_(p.cmd("AUTH PLAIN AGFsaWNl"), "-ERR invalid base64 or SASL message",
    "malformed PLAIN message")
is_(p.cmd("AUTH PLAIN " + b64(b"bob\0alice\0secret pw")),
    "-ERR authorization identity must be the user name",
    "another authorization identity")
is_(p.cmd("USER"), "-ERR Syntax: USER name", "USER without a name")
is_(p.cmd("USER alice"), "+OK", "USER")
is_(p.cmd("NOOP"), "-ERR authorization first", "NOOP is not for this state")
is_(p.cmd("PASS secret pw"), "-ERR USER first",
    "PASS must come right after USER")
is_(p.cmd("NO\0OP"), "-ERR NUL character in command", "a NUL")
is_(p.cmd("USER " + "x" * 5000), "-ERR line too long", "a long line")
is_(p.cmd("USER alice"), "+OK", "USER")
is_(p.cmd("PASS secret pw"), "+OK logged in",
    "PASS (with a space): the server's +OK answers it")
is_(p.cmd("STAT"), "+OK 1 %d" % len(MSG.replace(b"\n", b"\r\n")),
    "the real server serves the user's Maildir")
is_(p.cmd("RETR 1"), "+OK %d octets" % len(MSG.replace(b"\n", b"\r\n")),
    "RETR")
is_(p.multi(), ["From: a@example.org", "Subject: pop3 test", "",
                "..a line with a dot", "body"], "the message, dot-stuffed")
is_(p.cmd("QUIT"), "+OK Logging out.", "QUIT")
ok(p.c.closed(), "closed")
is_(srv.ends(1), [0], "authup exits with the server's 0")

# Wrong password: one try for POP3 by default.
p = POP(srv.port)
p.c.line()
p.cmd("USER alice")
is_(p.cmd("PASS wrong"), "-ERR authorization failed", "wrong password")
ok(p.c.closed(), "and the connection is closed (one try by default)")
is_(srv.ends(2)[1:], [1], "authup exits 1")

# AUTH PLAIN, initial response and continuation.
p = POP(srv.port)
p.c.line()
is_(p.cmd("AUTH PLAIN " + b64(b"\0alice\0secret pw")), "+OK logged in",
    "AUTH PLAIN with initial response")
p.cmd("QUIT")
p = POP(srv.port)
p.c.line()
p.cmd("AUTH PLAIN")
is_(p.cmd(b64(b"alice\0alice\0secret pw")), "+OK logged in",
    "AUTH PLAIN after +, authorization identity equal to the name")
p.cmd("QUIT")

# Pipelining after PASS: refused, the next command answered here.
p = POP(srv.port)
p.c.line()
p.c.send("USER alice\r\nPASS secret pw\r\nSTAT\r\n")
is_([p.c.line(), p.c.line(), p.c.line()],
    ["+OK", "-ERR nothing may follow the password before its reply",
     "-ERR authorization first"], "commands after PASS: refused in order")
p.c.close()

# checkpassword tempfail and crash.
p = POP(srv.port)
p.c.line()
p.cmd("USER tempfail")
is_(p.cmd("PASS x"), "-ERR temporary authentication failure",
    "checkpassword exits 111")
ok(p.c.closed(), "closed (the one try used)")
p = POP(srv.port)
p.c.line()
p.cmd("USER crash")
is_(p.cmd("PASS x"), "-ERR temporary authentication failure",
    "checkpassword crashes")
srv.ends(7)
is_(srv.ends(7)[-1], 111, "authup exits 111 after a crash")
srv.stop()

# -t 3 allows three tries.
srv = server("tries", tries=3)
p = POP(srv.port)
p.c.line()
got = []
for i in range(3):
    p.cmd("USER alice")
    got.append(p.cmd("PASS bad%d" % i))
is_(got, ["-ERR authorization failed"] * 3, "-t 3: three failures")
ok(p.c.closed(), "then closed")
srv.stop()

# Real clients.
srv = server("clients")
cl = poplib.POP3("127.0.0.1", srv.port, timeout=15)
like(cl.getwelcome().decode(), r"^\+OK <", "poplib: welcome")
cl.user("alice")
cl.pass_("secret pw")
count, size = cl.stat()
is_(count, 1, "poplib: user/pass_, stat")
resp, lines, octets = cl.retr(1)
is_(b"\n".join(lines) + b"\n", MSG, "poplib: the message byte for byte")
cl.quit()
r = subprocess.run(["curl", "-s", "-S", "--max-time", "20",
                    "pop3://127.0.0.1:%d/1" % srv.port,
                    "--user", "alice:secret pw"],
                   capture_output=True)
is_(r.returncode, 0, "curl pop3://: exit 0")
is_(r.stdout.replace(b"\r\n", b"\n"), MSG, "curl pop3:// fetched the message")
r = subprocess.run(["curl", "-s", "--max-time", "20",
                    "pop3://127.0.0.1:%d/1" % srv.port,
                    "--user", "alice:wrong"], capture_output=True)
is_(r.returncode, 67, "curl with a wrong password: login denied (67)")
like(srv.text(), r"authup: info: [0-9a-f]{16}: pid \d+: pop3: user alice from 127\.0\.0\.1:"
     r" rejected", "the rejection is logged")
ok("secret" not in srv.text(), "no password in the log")
srv.stop()
# No pop3capabilities: -ERR [SYS/TEMP], not a bare close.
nocaps = controldir("ctl-nocaps", me="pop.example.org\n")
srv = TCPServer(prog("authup") + ["pop3", helper("checkpw"), "true"],
                env=environ(CONTROLDIR=nocaps), name="nocaps")
c = SMTP(srv.port)
is_(c.line(), "-ERR [SYS/TEMP] unable to read controls",
    "no pop3capabilities: -ERR [SYS/TEMP]")
ok(c.closed(), "then the close")
like(srv.text(), r"authup: fatal: [0-9a-f]{16}: \S+/pop3capabilities does not exist",
     "the log says why")
srv.stop()
done()
