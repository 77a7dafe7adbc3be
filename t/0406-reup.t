#!/usr/bin/env python3
"""reup: runs prog again while it exits with anything but 0 or 12, at most
-t times (0 or none: no limit), REUP the number of the try, its own exit
code prog's last; a signal or a program that cannot run stops it. Then
acceptutils' chain, reup -t 3 authup smtp ...: one greeting, one EHLO,
exactly three attempts on one connection, a right password on a later try
logs in, and the tries never multiply with authup's own."""

import base64
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403

REUP = prog("reup")
trace = os.path.join(TMP, "trace")
# The program under reup: reads one line from its stdin, notes REUP,
# REUP_TRIES and that line, and exits with the code its try is given in
# CODES ("1 1 0": 1, 1, then 0); a code "kill" kills itself.
script = os.path.join(TMP, "tryme")
with open(script, "w") as fh:
    fh.write("#!/bin/sh\n"
             "read line\n"
             "echo \"$REUP $REUP_TRIES $line\" >>%s\n"
             "set -- $CODES\n"
             "shift $((REUP - 1))\n"
             "[ \"$1\" = kill ] && kill -9 $$\n"
             "exit ${1:-1}\n" % trace)
os.chmod(script, 0o755)


def reup(args, codes, lines=10):
    if os.path.exists(trace):
        os.unlink(trace)
    r = subprocess.run(REUP + args, env=environ(CODES=codes),
                       input=b"".join(b"line %d\n" % i for i in range(lines)),
                       capture_output=True, timeout=60)
    tries = []
    if os.path.exists(trace):
        with open(trace) as fh:
            tries = fh.read().splitlines()
    return r.returncode, tries, r.stderr.decode()


code, tries, err = reup(["-t", "5", script], "1 1 0")
is_(code, 0, "1, 1, 0 under -t 5: exit 0")
is_(tries, ["1 5 line 0", "2 5 line 1", "3 5 line 2"],
    "three tries, REUP 1 to 3, REUP_TRIES 5, one stdin read on by each")
is_(err, "", "nothing said")
code, tries, err = reup(["-t", "3", script], "1 7 1 1")
is_((code, len(tries)), (1, 3), "always failing under -t 3: three tries, "
    "the last exit code")
code, tries, err = reup(["-t3", script], "12 0")
is_((code, len(tries)), (12, 1), "exit 12 stops at once (-t3 written as one)")
code, tries, err = reup([script], "1 1 1 1 0")
is_((code, len(tries)), (0, 5), "no -t: no limit")
is_(tries[0].split()[1], "0", "REUP_TRIES is 0 then")
code, tries, err = reup(["-t", "0", "--", script], "2 0")
is_((code, len(tries)), (0, 2), "-t 0 and --")
code, tries, err = reup(["-t", "5", script], "1 kill 0")
is_((code, len(tries)), (111, 2), "killed by a signal: stops, exit 111")
like(err, r"^reup: warning: [0-9a-f]{16}: \S+tryme was killed by signal 9: not running it "
     r"again\n$", "and says so")
code, tries, err = reup(["-t", "5", os.path.join(TMP, "nonexistent")], "0")
is_(code, 111, "a program that cannot be run: 111")
like(err, r"^reup: fatal: [0-9a-f]{16}: unable to run \S+nonexistent: No such file",
     "with the reason")
for args in ([], ["-t"], ["-t", "x", script], ["-t", "-1", script],
             ["-t", "5"]):
    is_(reup(args, "0")[0], 100, "usage %r: 100" % args)

# acceptutils' submission chain: reup -t 3 authup smtp checkpassword
# fixsmtpio server.
with open(os.path.join(TOP, "examples", "fixsmtpio")) as fh:
    SEED = fh.read()
ctl = controldir(me="mx.example.org\n", fixsmtpio=SEED,
                 smtpcapabilities="PIPELINING\n8BITMIME\n",
                 pop3capabilities="",
                 # The many wrong passwords here test one connection's
                 # answers; the limits across connections are t/0408's.
                 authuplimits="address 0 1\naccount 0 1\n")
md = maildir()
cplog = os.path.join(TMP, "checkpw.log")


def b64(data):
    return base64.b64encode(data).decode()


def chain(tries, authup_args=(), proto="smtp", backend=None):
    argv = REUP + ["-t", str(tries)] + prog("authup") + list(authup_args) + \
        [proto, helper("checkpw")] + \
        (backend or prog("fixsmtpio") + msmtpd(md))
    return TCPServer(argv, env=environ(CONTROLDIR=ctl, AUTHUP_PAUSE="0",
                                       CHECKPW_USERS="alice:secret pw",
                                       CHECKPW_LOG=cplog),
                     name="chain%d%s" % (tries, proto))


def checkpw_runs():
    if not os.path.exists(cplog):
        return 0
    with open(cplog) as fh:
        n = len(fh.read().splitlines())
    os.unlink(cplog)
    return n


wrong = "AUTH PLAIN " + b64(b"\0alice\0wrong")
right = "AUTH PLAIN " + b64(b"\0alice\0secret pw")
srv = chain(3)
c = SMTP(srv.port)
is_(c.text(), "220 mx.example.org ESMTP", "reup -t 3 authup: one greeting")
like(c.cmd("EHLO client.example"), r"^250-mx\.example\.org", "one EHLO")
is_(c.cmd(wrong), "535 5.7.8 Authentication credentials invalid", "try 1")
is_(c.cmd(wrong), "535 5.7.8 Authentication credentials invalid",
    "try 2, with no new greeting and no new EHLO")
is_(c.cmd(wrong), "421 4.7.0 Too many failed authentication attempts, "
    "closing connection", "try 3: reup's last, 421")
ok(c.closed(), "then the connection ends")
is_(checkpw_runs(), 3, "checkpassword ran exactly three times")
is_(srv.ends(1), [12], "reup exits with authup's 12: do not run it again")
like(srv.text(), r"(?s)(authup: info: [0-9a-f]{16}: pid \d+: smtp: user alice from "
     r"127\.0\.0\.1: rejected\n.*){3}", "three rejections logged")
ok("run again by reup" not in srv.text(), "authup was not run again")

c = SMTP(srv.port)
c.text()
c.cmd("EHLO client.example")
c.cmd(wrong)
c.cmd(wrong)
is_(c.cmd(right), "235 ok, go ahead (#2.0.0)",
    "a right password on the third try logs in")
is_(c.cmd("MAIL FROM:<alice@example.org>"), "250 Ok",
    "MAIL at once: the server was greeted with the client's EHLO")
c.cmd("RCPT TO:<bob@example.net>")
c.cmd("DATA")
c.send(b"Subject: third time\r\n\r\nlucky\r\n.\r\n")
like(c.text(), r"^250 ", "the message is accepted")
is_(c.cmd("QUIT"), "221 mx.example.org", "QUIT")
ok(c.closed(), "and the connection ends")
is_(len(messages(md, 1)), 1, "delivered")
is_(srv.ends(2)[1:], [0], "exit 0")
srv.stop()

# authup's own -t and reup's: the smaller wins, never their product.
for tries, authup_args, want in ((5, ["-t", "2"], 2), (2, ["-t", "5"], 2),
                                 (4, [], 4)):
    checkpw_runs()
    srv = chain(tries, authup_args)
    c = SMTP(srv.port)
    c.text()
    c.cmd("EHLO client.example")
    replies = [c.cmd(wrong) for _ in range(want)]
    ok(replies[-1].startswith("421 ") and
       all(r.startswith("535 ") for r in replies[:-1]),
       "reup -t %d authup %s: %d attempts" % (tries, " ".join(authup_args),
                                              want))
    ok(c.closed(), "then the end")
    is_(checkpw_runs(), want, "checkpassword ran %d times" % want)
    srv.stop()

# POP3 under reup: the same.
srv = chain(2, proto="pop3", backend=[helper("pop3d")])
c = SMTP(srv.port)
like(c.line(), r"^\+OK <", "POP3 under reup: one greeting")
c.send(b"USER alice\r\n")
like(c.line(), r"^\+OK", "USER")
c.send(b"PASS wrong\r\n")
is_(c.line(), "-ERR authorization failed", "try 1")
c.send(b"USER alice\r\nPASS wrong\r\n")
c.line()
like(c.line(), r"^-ERR", "try 2, the last")
ok(c.closed(), "then the end")
is_(checkpw_runs(), 2, "checkpassword ran twice")
srv.stop()
done()
