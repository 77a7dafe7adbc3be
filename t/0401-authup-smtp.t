#!/usr/bin/env python3
"""authup smtp in front of fixsmtpio (the example rules) and a real server
(msmtpd --inetd) under tcpserver: every reply of the SMTP side, AUTH PLAIN
and LOGIN in every form, tries, pauses, the exit-code contract with
fixsmtpio, pipelining after AUTH, and the log lines. The checkpassword
here is t/helpers/checkpw, a scripted stand-in, because these cases need a
checkpassword that exits 111, crashes or exits with any code; the tests
with checkpassword-cdb and real clients are in 0403."""

import base64
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403

with open(os.path.join(TOP, "examples", "fixsmtpio")) as fh:
    SEED = fh.read()
ctl = controldir(me="mx.example.org\n", fixsmtpio=SEED,
                 smtpcapabilities="PIPELINING\n8BITMIME\nAUTH CRAM-MD5\n",
                 # The many wrong passwords here test one connection's
                 # answers; the limits across connections are t/0408's.
                 authuplimits="address 0 1\naccount 0 1\n")
md = maildir()
cplog = os.path.join(TMP, "checkpw.log")
USERS = "alice:secret pw\nbob:hunter2"


def b64(data):
    return base64.b64encode(data).decode()


def server(name, tries=None, backend=None, env=None, ctldir=None):
    argv = prog("authup") + (["-t", str(tries)] if tries else []) + \
        ["smtp", helper("checkpw")] + prog("fixsmtpio") + \
        (backend or msmtpd(md))
    e = dict(CONTROLDIR=ctldir or ctl, CHECKPW_USERS=USERS,
             CHECKPW_LOG=cplog, AUTHUP_PAUSE="0")
    e.update(env or {})
    return TCPServer(argv, env=environ(**e), name=name)


def checkpw_log():
    if not os.path.exists(cplog):
        return ""
    with open(cplog) as fh:
        text = fh.read()
    open(cplog, "w").close()
    return text


srv = server("smtp")

# The SMTP side before authentication.
c = SMTP(srv.port)
is_(c.text(), "220 mx.example.org ESMTP", "greeting from smtpgreeting/me")
is_(c.cmd("MAIL FROM:<a@example.org>"), "530 5.7.0 Authentication required",
    "MAIL before AUTH: 530")
is_(c.cmd("AUTH PLAIN " + b64(b"\0alice\0secret pw")),
    "503 5.5.1 Send EHLO first", "AUTH before EHLO: 503")
is_(c.cmd("EHLO client.example"),
    "250-mx.example.org\n250-PIPELINING\n250-8BITMIME\n250 AUTH PLAIN LOGIN",
    "EHLO: capabilities file (its AUTH line dropped), then AUTH")
is_(c.cmd("HELO client.example"), "250 mx.example.org", "HELO")
is_(c.cmd("NOOP"), "250 2.0.0 ok", "NOOP")
is_(c.cmd("RSET"), "250 2.0.0 ok", "RSET")
like(c.cmd("HELP"), r"^214 2\.0\.0 ", "HELP: one 214 line")
for verb in ("RCPT TO:<b@example.net>", "DATA", "VRFY alice",
             "BDAT 12\r\nQUIT\r\nNOOP"):  # its chunk: QUIT, NOOP
    is_(c.cmd(verb), "530 5.7.0 Authentication required",
        "%s before AUTH: 530" % verb.split()[0])
is_(c.cmd("XYZZY"), "502 5.5.1 Unrecognized command", "unknown command")
is_(c.cmd("STARTTLS"), "502 5.5.1 STARTTLS not offered",
    "STARTTLS without UCSPI-TLS: 502")
is_(c.cmd("EHLO"), "501 5.5.4 Syntax: EHLO hostname", "EHLO without a name")
is_(c.cmd("EHLO client.example"),
    "250-mx.example.org\n250-PIPELINING\n250-8BITMIME\n250 AUTH PLAIN LOGIN",
    "EHLO again")
is_(c.cmd("AUTH CRAM-MD5"), "504 5.5.4 Unrecognized authentication type",
    "another mechanism: 504")
is_(c.cmd("AUTH"), "501 5.5.4 Syntax: AUTH mechanism", "AUTH alone: 501")
is_(c.cmd("AUTH PLAIN ="), "501 5.5.2 Invalid base64 or SASL message",
    "AUTH PLAIN = (empty): 501 5.5.2")
is_(c.cmd("AUTH PLAIN AGFsaWNl"), "501 5.5.2 Invalid base64 or SASL message",
    "PLAIN message with one NUL: 501 5.5.2")
is_(c.cmd("AUTH PLAIN AGFsaWNlAHB3d"),
    "501 5.5.2 Invalid base64 or SASL message", "bad base64: 501 5.5.2")
is_(c.cmd("AUTH PLAIN " + b64(b"bob\0alice\0secret pw")),
    "535 5.7.8 Authorization identity must be the user name",
    "another authorization identity: 535")
is_(c.cmd("AUTH PLAIN"), "334 ", "PLAIN without initial response: 334")
is_(c.cmd("*"), "501 5.0.0 Authentication cancelled", "* cancels")
is_(c.cmd("AUTH LOGIN"), "334 VXNlcm5hbWU6", "LOGIN asks for the name")
is_(c.cmd(b64(b"alice")), "334 UGFzc3dvcmQ6", "then for the password")
is_(c.cmd("*"), "501 5.0.0 Authentication cancelled",
    "* at the password cancels")
is_(c.cmd("AUTH LOGIN " + b64(b"alice")), "334 UGFzc3dvcmQ6",
    "LOGIN with the name as initial response asks for the password")
is_(c.cmd("not base64!"), "501 5.5.2 Invalid base64 or SASL message",
    "bad base64 as the password: 501 5.5.2")
is_(c.cmd("AUTH PLAIN " + b64(b"\0alice\0wrong")),
    "535 5.7.8 Authentication credentials invalid", "wrong password: 535")
is_(c.cmd("AUTH PLAIN " + b64(b"\0tempfail\0x")),
    "454 4.7.0 Temporary authentication failure",
    "checkpassword exiting 111: 454")
is_(c.cmd("NO\0OP"), "500 5.5.2 NUL character in command", "a NUL: 500")
is_(c.cmd("NOOP " + "x" * 5000), "500 5.5.2 line too long",
    "a line over the limit: 500")
is_(c.cmd("AUTH PLAIN " + "QUFB" * 2500000),
    "500 5.5.2 line too long", "AUTH with 10 MiB of base64: 500")
is_(c.cmd("NOOP"), "250 2.0.0 ok", "and the session goes on")
is_(c.cmd("QUIT"), "221 2.0.0 mx.example.org", "QUIT")
ok(c.closed(), "connection closed")
is_(srv.ends(1), [0], "authup exits 0 after QUIT")
log = checkpw_log()
is_(len(log.splitlines()), 2, "checkpassword ran for the two full attempts")
ok("passlen=5 " in log and "wrong" not in log,
   "it got the password on fd 3 (and this log holds only its length)")

# Success: AUTH PLAIN with initial response, then straight to MAIL: the
# server behind never saw the client's EHLO, fixsmtpio greets it with the
# line authup passed on.
c = SMTP(srv.port)
c.text()
c.cmd("EHLO client.example")
is_(c.cmd("AUTH PLAIN " + b64(b"\0alice\0secret pw")),
    "235 ok, go ahead (#2.0.0)",
    "accepted: the server's greeting becomes 235 through fixsmtpio's rules")
is_(c.cmd("MAIL FROM:<alice@example.org>"), "250 Ok",
    "MAIL right after 235 works (msmtpd was greeted with the EHLO)")
is_(c.cmd("RCPT TO:<bob@example.net>"), "250 Ok", "RCPT")
is_(c.cmd("DATA"), "354 Send data", "DATA")
c.send(b"Subject: authenticated\r\n\r\nhello\r\n.\r\n")
like(c.text(), r"^250 ", "message accepted")
is_(c.cmd("QUIT"), "221 mx.example.org", "QUIT answered by the server")
ok(c.closed(), "closed")
is_(srv.ends(2)[1:], [0], "authup exits with the session's 0")
got = messages(md, 1)
ok(len(got) == 1 and b"Subject: authenticated" in got[0],
   "the message was delivered")
log = checkpw_log()
like(log, r"user=alice passlen=9 stamp=<\d+\.\d+@mx\.example\.org> "
     r"AUTHUP_USER=alice AUTHUP_HELO=EHLO client\.example",
     "checkpassword saw name, timestamp, AUTHUP_USER and AUTHUP_HELO")

# AUTH LOGIN without initial response; the client closes: exit 0.
c = SMTP(srv.port)
c.text()
c.cmd("EHLO c")
c.cmd("AUTH LOGIN")
c.cmd(b64(b"bob"))
is_(c.cmd(b64(b"hunter2")), "235 ok, go ahead (#2.0.0)", "AUTH LOGIN works")
c.close()
is_(srv.ends(3)[2:], [0], "client closing after AUTH: authup exits 0")
checkpw_log()

# A second AUTH after success: the example rules answer it and turn it into
# NOOP for the server; msmtpd takes NOOP for a protocol error and exits 1.
# That 1 is the session's, not a rejection: authup says nothing more.
c = SMTP(srv.port)
c.text()
c.cmd("EHLO c")
c.cmd("AUTH PLAIN " + b64(b"\0alice\0secret pw"))
is_(c.cmd("AUTH PLAIN " + b64(b"\0alice\0secret pw")),
    "503 already authenticated (#5.5.1)", "AUTH again: 503 from the example rules (RFC 4954 4)")
ok(c.closed(), "msmtpd hangs up on the NOOP the rule sends it")
is_(srv.ends(4)[3:], [1], "authup exits with the session's 1, no 535 after")
checkpw_log()

# Pipelined bytes after the line that completes AUTH: refused, and the
# commands that followed are answered, in order, by authup.
c = SMTP(srv.port)
c.text()
c.cmd("EHLO c")
c.send("AUTH PLAIN %s\r\nMAIL FROM:<a@b>\r\nNOOP\r\n" %
       b64(b"\0alice\0secret pw"))
is_([c.text(), c.text(), c.text()],
    ["503 5.5.0 AUTH must be the last command of a group: wait for its reply",
     "530 5.7.0 Authentication required", "250 2.0.0 ok"],
    "pipelined after AUTH: 503, then each command answered")
c.send("AUTH LOGIN\r\n%s\r\n%s\r\nRSET\r\n" % (b64(b"bob"), b64(b"hunter2")))
is_([c.text(), c.text(), c.text(), c.text()],
    ["334 VXNlcm5hbWU6", "334 UGFzc3dvcmQ6",
     "503 5.5.0 AUTH must be the last command of a group: wait for its reply",
     "250 2.0.0 ok"], "the same after the password line of LOGIN")
is_(checkpw_log(), "", "checkpassword never ran for them")
c.send("AUTH PLAIN\r\n%s\r\n" % b64(b"\0alice\0secret pw"))
is_([c.text(), c.text()], ["334 ", "235 ok, go ahead (#2.0.0)"],
    "PLAIN response sent right after AUTH, nothing after it: accepted")
c.cmd("QUIT")
c.close()
srv.ends(5)
srv.stop()

# Tries: -t 3; the third failure gets 421 and the connection closes. The
# default pause (1 s) is there before each failure's reply.
srv = server("tries", tries=3, env=dict(AUTHUP_PAUSE=None))
del_pause = True
c = SMTP(srv.port)
c.text()
c.cmd("EHLO c")
t0 = time.time()
is_(c.cmd("AUTH PLAIN " + b64(b"\0alice\0bad1")),
    "535 5.7.8 Authentication credentials invalid", "failure 1: 535")
ok(time.time() - t0 >= 0.9, "after the default pause of 1 s")
is_(c.cmd("AUTH PLAIN " + b64(b"\0alice\0bad2")),
    "535 5.7.8 Authentication credentials invalid", "failure 2: 535")
is_(c.cmd("AUTH PLAIN " + b64(b"\0alice\0bad3")),
    "421 4.7.0 Too many failed authentication attempts, closing connection",
    "failure 3 of 3: 421")
ok(c.closed(), "and the connection is closed")
is_(srv.ends(1), [1], "authup exits 1 when the client was turned away")
srv.stop()
checkpw_log()

# The default number of tries for SMTP is 5.
srv = server("tries5")
c = SMTP(srv.port)
c.text()
c.cmd("EHLO c")
got = [c.cmd("AUTH PLAIN " + b64(b"\0alice\0bad"))[:3] for _ in range(5)]
is_(got, ["535"] * 4 + ["421"], "default: 5 tries")
ok(c.closed(), "closed after the fifth")
srv.stop()
checkpw_log()

# The exit-code contract with the programs behind.
cases = [
    ("server greets 4xx: fixsmtpio exits 14",
     [helper("fakesmtpd"), "--greeting", "421 fake.example busy"],
     ["421 fake.example busy",
      "421 4.3.0 Server unavailable, closing connection"], 14),
    ("server greets 5xx: fixsmtpio exits 15",
     [helper("fakesmtpd"), "--greeting", "554 fake.example go away"],
     ["554 fake.example go away", "554 5.3.0 Server refused the session"],
     15),
]
for name, backend, want, code in cases:
    srv = server("contract%d" % code, backend=backend)
    c = SMTP(srv.port)
    c.text()
    c.cmd("EHLO c")
    c.send("AUTH PLAIN %s\r\n" % b64(b"\0alice\0secret pw"))
    is_([c.text(), c.text()], want, name + ": the client is told")
    ok(c.closed(), name + ": connection closed")
    is_(srv.ends(1), [code], name + ": authup exits %d" % code)
    srv.stop()

# 16: the server times out; the example rules hide its reply.
srv = server("contract16", backend=[helper("fakesmtpd"), "--idle-timeout",
                                    "0.5"])
c = SMTP(srv.port)
c.text()
c.cmd("EHLO c")
is_(c.cmd("AUTH PLAIN " + b64(b"\0alice\0secret pw")),
    "235 ok, go ahead (#2.0.0)", "server that will time out: accepted")
is_(c.text(), "421 4.4.2 Server timed out, closing connection",
    "its timeout: fixsmtpio exits 16, authup says 421")
ok(c.closed(), "closed")
is_(srv.ends(1), [16], "authup exits 16")
srv.stop()

# 18: fixsmtpio cannot parse its rules.
badctl = controldir("ctl-badrules", me="mx.example.org\n",
                    fixsmtpio=":greeting::2*:300:\n",
                    smtpcapabilities="")
srv = server("contract18", ctldir=badctl)
c = SMTP(srv.port)
c.text()
is_(c.cmd("EHLO c"), "250-mx.example.org\n250 AUTH PLAIN LOGIN",
    "an empty capabilities file: only AUTH")
is_(c.cmd("AUTH PLAIN " + b64(b"\0alice\0secret pw")),
    "421 4.3.5 Server configuration error, closing connection",
    "fixsmtpio exits 18: 421")
is_(srv.ends(1), [18], "authup exits 18")
like(srv.text(), r"fixsmtpio: warning: .*fixsmtpio:1:\d+: exit code 300",
     "fixsmtpio said where its rules are wrong")
srv.stop()

# A crash, and any other exit code.
srv = server("crash")
c = SMTP(srv.port)
c.text()
c.cmd("EHLO c")
is_(c.cmd("AUTH PLAIN " + b64(b"\0crash\0x")),
    "454 4.7.0 Temporary authentication failure", "checkpassword crashes: 454")
ok(c.closed(), "and the connection closes")
is_(srv.ends(1), [111], "authup exits 111")
c = SMTP(srv.port)
c.text()
c.cmd("EHLO c")
c.send("AUTH PLAIN %s\r\n" % b64(b"\0exit42\0x"))
ok(c.closed(), "checkpassword exits 42: closed without a reply")
is_(srv.ends(2)[1:], [42], "authup exits 42")
logtext = srv.text()
srv.stop()

# AUTH=PLAIN LOGIN for broken clients.
srv = server("broken", env=dict(AUTHUP_SASL_BROKEN_CLIENTS="1"))
c = SMTP(srv.port)
c.text()
is_(c.cmd("EHLO c"), "250-mx.example.org\n250-PIPELINING\n250-8BITMIME\n"
    "250-AUTH PLAIN LOGIN\n250 AUTH=PLAIN LOGIN",
    "AUTHUP_SASL_BROKEN_CLIENTS: AUTH=PLAIN LOGIN too")
c.close()
srv.stop()

# authup's own idle timeout before AUTH (AUTHUP_TIMEOUT), not the
# server's: timeoutsmtpd (1 s here) is for the server behind.
slowctl = controldir("ctl-slow", me="mx.example.org\n", fixsmtpio=SEED,
                     smtpcapabilities="", timeoutsmtpd="1\n")
srv = server("slow", ctldir=slowctl, env=dict(AUTHUP_TIMEOUT="3"))
c = SMTP(srv.port)
c.text()
time.sleep(1.5)
is_(c.cmd("NOOP"), "250 2.0.0 ok",
    "idle longer than timeoutsmtpd: still there (it is the server's)")
is_(c.text(), "421 4.4.2 Timeout, closing connection",
    "a silent client: 421 after AUTHUP_TIMEOUT seconds")
ok(c.closed(), "closed")
is_(srv.ends(1), [16], "authup exits 16")
srv.stop()

# A setting authup cannot serve with: the client hears 421, not a bare
# close, and the log says why.
for name, ctldir, env, why in (
        ("no capabilities file", controldir("ctl-nocaps",
                                            me="mx.example.org\n"), {},
         r"smtpcapabilities does not exist"),
        ("no greeting", controldir("ctl-nome", smtpcapabilities=""), {},
         r"neither \S+/smtpgreeting nor \S+/me exists"),
        ("a bad AUTHUP_TIMEOUT", slowctl, dict(AUTHUP_TIMEOUT="soon"),
         r"AUTHUP_TIMEOUT=soon is not a number of seconds"),
        ("a bad AUTHUP_PAUSE", slowctl, dict(AUTHUP_PAUSE="-1"),
         r"AUTHUP_PAUSE=-1 is not a number of seconds")):
    srv = server("bad-" + name.replace(" ", "-"), ctldir=ctldir, env=env)
    c = SMTP(srv.port)
    is_(c.text(), "421 4.3.0 unable to read controls", "%s: 421" % name)
    ok(c.closed(), "%s: then the close" % name)
    is_(srv.ends(1), [111], "%s: exit 111" % name)
    like(srv.text(), r"authup: fatal: .*" + why, "%s: the log says why" % name)
    srv.stop()

# Log lines: one per attempt, with TCPREMOTEIP, never a password; then a
# summary line for the connection, with the same session ID.
lines = [l for l in logtext.splitlines()
         if "authup: info:" in l and ": summary: " not in l]
like(lines[0] if lines else None,
     r"^authup: info: [0-9a-f]{16}: pid \d+: smtp: user crash from "
     r"127\.0\.0\.1: tempfail \(killed by signal 11\)$", "the crash's log line")
like(lines[1] if len(lines) > 1 else None,
     r"^authup: info: [0-9a-f]{16}: pid \d+: smtp: user exit42 from "
     r"127\.0\.0\.1: accepted \(session exit 42\)$", "the exit 42 log line")
summ = dict(re.findall(r"(?m)^authup: info: ([0-9a-f]{16}): summary: (.*)$",
                       logtext))
ids = [l.split(": ")[2] for l in lines[:2]]
like(summ.get(ids[0] if ids else "", ""),
     r"^ip=127\.0\.0\.1 protocol=smtp tls=- user=crash mechanism=PLAIN "
     r"attempts=1 result=tempfail exit=111 seconds=\d+\.\d{3}$",
     "the crash's summary line")
like(summ.get(ids[1] if len(ids) > 1 else "", ""),
     r"^ip=127\.0\.0\.1 protocol=smtp tls=- user=exit42 mechanism=PLAIN "
     r"attempts=1 result=accepted exit=42 seconds=\d+\.\d{3}$",
     "the exit 42 summary line")
srv = server("names")
c = SMTP(srv.port)
c.text()
c.cmd("EHLO c")
c.cmd("AUTH PLAIN " + b64(b"\0al ice\"\xc3\xa9\0secret pw"))
c.cmd("QUIT")
srv.ends(1)
like(srv.text(), r"user al\\x20ice\\x22\\xc3\\xa9 from 127\.0\.0\.1: "
     r"rejected", "a name with odd bytes is logged escaped")
ok("secret" not in srv.text() and "c2VjcmV0" not in srv.text(),
   "no password or SASL blob in any log line")
srv.stop()

# AUTHUP_SESSIONFD without fixsmtpio: prog itself marks the session (as
# fixsmtpio does before it starts the server), then exits 1. Marked, that
# 1 is the session's: no 535, authup exits 1. Unmarked, the same 1 is a
# rejection, answered 535 with the next try open.
MARK = ("import os, sys\n"
        "if sys.argv[1] == 'gone':\n"
        "    sys.exit(3 if 'AUTHUP_SESSIONFD' in os.environ else 1)\n"
        "fd = int(os.environ['AUTHUP_SESSIONFD'])\n"
        "assert fd >= 3\n"
        "if sys.argv[1] != 'nomark':\n"
        "    os.write(fd, b's')\n"
        "if sys.argv[1] == 'term':\n"
        "    os.kill(os.getpid(), 15)\n"
        "sys.exit(1)\n")
# A marked session killed by SIGTERM (15): 111, and its signal number is
# not taken for fixsmtpio's exit 15 (server refused the session).
# fixsmtpio with NOFIXSMTPIO still marks the session, and removes the
# variable, before it runs prog.
for how, want_reply, want_exit in (("mark", None, [1]),
                                   ("nomark", "535", [0]),
                                   ("term", None, [111]),
                                   ("NOFIXSMTPIO", None, [1])):
    pre = prog("fixsmtpio") if how == "NOFIXSMTPIO" else []
    srv = TCPServer(prog("authup") + ["smtp", helper("checkpw")] + pre +
                    [sys.executable, "-c", MARK,
                     "gone" if pre else how],
                    env=environ(CONTROLDIR=ctl, CHECKPW_USERS=USERS,
                                AUTHUP_PAUSE="0", NOFIXSMTPIO="1"),
                    name="mark-" + how)
    c = SMTP(srv.port)
    c.text()
    c.cmd("EHLO c")
    c.send(b"AUTH PLAIN " + b64(b"\0alice\0secret pw").encode() + b"\r\n")
    if want_reply:
        like(c.text(), r"^535 ", "AUTHUP_SESSIONFD unmarked: exit 1 is 535")
        c.cmd("QUIT")
    else:
        ok(c.closed() and c.buf == b"", "AUTHUP_SESSIONFD %s: the session's "
           "end, nothing more said" % how)
    is_(srv.ends(1), want_exit, "AUTHUP_SESSIONFD %s: authup exits %d"
        % (how, want_exit[0]))
    srv.stop()
# The server cannot be started after a good AUTH (fixsmtpio cannot run it,
# with or without NOFIXSMTPIO): fixsmtpio does not mark the session (or
# takes the mark back), so authup answers, and both log lines say why.
for nofix in (None, "1"):
    srv = TCPServer(prog("authup") + ["smtp", helper("checkpw")] +
                    prog("fixsmtpio") + [os.path.join(TMP, "no-such-server")],
                    env=environ(CONTROLDIR=ctl, CHECKPW_USERS=USERS,
                                AUTHUP_PAUSE="0", NOFIXSMTPIO=nofix),
                    name="noserver%s" % (nofix or ""))
    c = SMTP(srv.port)
    c.text()
    c.cmd("EHLO c")
    label = "NOFIXSMTPIO" if nofix else "fixsmtpio"
    is_(c.cmd("AUTH PLAIN " + b64(b"\0alice\0secret pw")),
        "454 4.7.0 Temporary authentication failure",
        "%s: the server cannot be started: 454, not silence" % label)
    is_(c.cmd("QUIT"), "221 2.0.0 mx.example.org", "the session goes on")
    log = srv.text()
    like(log, r"fixsmtpio: fatal: [0-9a-f]{16}: unable to run \S+no-such-server: No such "
         r"file", "%s: fixsmtpio says why" % label)
    like(log, r"authup: info: [0-9a-f]{16}: pid \d+: smtp: user alice from \S+: tempfail",
         "%s: authup logs a temporary failure, not an accepted session"
         % label)
    srv.stop()
done()
