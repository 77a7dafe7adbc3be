#!/usr/bin/env python3
"""authup's limits on failed logins across connections, under tcpserver in
front of fixsmtpio and msmtpd: twelve wrong passwords from one address over
several connections (the 11th and later 454 4.7.0 without checkpassword),
other addresses unaffected, POP3 refused too, the window that ends, the
account's limit with the addresses that logged in to it kept welcome, 64
attackers at once from 64 addresses, a bad control file, and the log lines
read by contrib/fail2ban's filter. checkpassword is t/helpers/checkpw, a
scripted stand-in, because its runs (each a password hash for a real one)
are counted from its log."""

import base64
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403

USERS = "alice:secret pw\nbob:hunter2"
with open(os.path.join(TOP, "examples", "fixsmtpio")) as fh:
    SEED = fh.read()
md = maildir()
FILTER = os.path.join(TOP, "contrib", "fail2ban", "filter.d", "authup.conf")


def plain(user, password):
    return base64.b64encode(b"\0" + user.encode() + b"\0" +
                            password.encode()).decode()


class Client(SMTP):
    """An SMTP client connecting from a given address of 127/8."""

    def __init__(self, port, source, timeout=30):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout,
                                             source_address=(source, 0))
        self.buf = b""


def server(name, limits=None, proto="smtp", limit=None):
    files = dict(me="mx.example.org\n", smtpcapabilities="PIPELINING\n",
                 pop3capabilities="", fixsmtpio=SEED)
    if limits is not None:
        files["authuplimits"] = limits
    ctl = controldir("ctl-" + name, **files)
    log = os.path.join(TMP, name + ".checkpw")
    backend = prog("fixsmtpio") + msmtpd(md) if proto == "smtp" else \
        [helper("pop3d")]
    argv = prog("authup") + [proto, helper("checkpw")] + backend
    env = environ(CONTROLDIR=ctl, CHECKPW_USERS=USERS, CHECKPW_LOG=log,
                  AUTHUP_PAUSE="0",
                  AUTHUP_STATE=os.path.join(TMP, "state-" + name))
    srv = TCPServer(argv, env=env, name=name, limit=limit)
    srv.checkpw = log
    return srv


def runs(srv):
    """How many times checkpassword ran for srv."""
    if not os.path.exists(srv.checkpw):
        return 0
    with open(srv.checkpw) as fh:
        return len(fh.read().splitlines())


def attempts(srv, source, user, password, count):
    """count AUTH PLAIN attempts on one connection; their codes."""
    c = Client(srv.port, source)
    c.text()
    c.cmd("EHLO client.example")
    codes = []
    for _ in range(count):
        c.send("AUTH PLAIN %s\r\n" % plain(user, password))
        code, _ = c.reply()
        codes.append(code)
        if code in (None, 421, 235):
            break
    c.close()
    return codes


# Twelve wrong passwords from 127.0.0.1, three a connection.
srv = server("address")
codes = []
for _ in range(4):
    codes += attempts(srv, "127.0.0.1", "alice", "wrong", 3)
is_(codes, [535] * 10 + [454] * 2,
    "12 wrong passwords over 4 connections: 10 times 535, then 454")
is_(runs(srv), 10, "checkpassword ran 10 times, not 12")
c = Client(srv.port, "127.0.0.1")
c.text()
c.cmd("EHLO client.example")
is_(c.cmd("AUTH PLAIN %s" % plain("alice", "secret pw")),
    "454 4.7.0 Too many failed logins: try again later",
    "the right password from that address: 454 as well, for now")
c.close()
is_(runs(srv), 10, "  and checkpassword did not run")
is_(attempts(srv, "127.0.0.2", "bob", "wrong", 1), [535],
    "another address: its wrong password is checked (535)")
is_(attempts(srv, "127.0.0.2", "alice", "secret pw", 1), [235],
    "and alice logs in from there")
is_(runs(srv), 12, "checkpassword ran for both")
srv.ends(7)
log = srv.text()
like(log, r"(?m)authup: info: [0-9a-f]{16}: pid \d+: smtp: user alice from "
     r"127\.0\.0\.1: rejected, limit reached \(address: 10 failures in "
     r"600 s\)$", "the 10th failure's line says the limit now applies")
is_(len(re.findall(r"(?m)from 127\.0\.0\.1: throttled \(address\)$", log)),
    3, "each refused attempt has its line")
like(log, r"summary: ip=127\.0\.0\.1 protocol=smtp tls=- user=alice "
     r"mechanism=PLAIN attempts=1 result=throttled ",
     "the summary says throttled")
st = os.stat(os.path.join(TMP, "state-address"))
is_(stat.S_IMODE(st.st_mode), 0o700, "the state directory is 0700")
st = os.stat(os.path.join(TMP, "state-address", "counts"))
is_(stat.S_IMODE(st.st_mode), 0o600, "the counts file 0600")

# fail2ban's filter finds every failure and throttled attempt, with its
# address, and not the accepted login.
if shutil.which("fail2ban-regex"):
    r = subprocess.run(["fail2ban-regex", "-o", "ip", srv.log, FILTER],
                       capture_output=True, text=True, timeout=90)
    is_(sorted(r.stdout.split()), ["127.0.0.1"] * 13 + ["127.0.0.2"],
        "fail2ban's filter: 13 lines from 127.0.0.1 (10 rejected, 3 "
        "throttled), bob's from 127.0.0.2, not alice's login")
else:
    ok(False, "fail2ban-regex is installed (tools/install-deps does it)")
srv.stop()

# POP3 shares the counts (one state directory for all of authup's ports).
pop = TCPServer(prog("authup") + ["pop3", helper("checkpw"), helper("pop3d")],
                env=environ(CONTROLDIR=controldir(
                    "ctl-pop3", me="mx.example.org\n", pop3capabilities=""),
                    CHECKPW_USERS=USERS, CHECKPW_LOG=srv.checkpw,
                    AUTHUP_PAUSE="0",
                    AUTHUP_STATE=os.path.join(TMP, "state-address")),
                name="pop3")
c = Client(pop.port, "127.0.0.1")
like(c.line(), r"^\+OK", "POP3 greeting")
c.send("USER alice\r\nPASS secret pw\r\n")
like(c.line(), r"^\+OK", "USER")
is_(c.line(), "-ERR [SYS/TEMP] too many failed logins: try again later",
    "POP3 from the same address: -ERR [SYS/TEMP]")
c.close()
is_(runs(srv), 12, "  and checkpassword did not run")
pop.stop()

# A short window ends.
srv = server("window", limits="address 3 2\naccount 0 1\n")
is_(attempts(srv, "127.0.0.3", "alice", "wrong", 4), [535, 535, 535, 454],
    "a window of 2 s: 3 failures, then 454")
deadline = time.time() + 60
got = [454]
while got == [454] and time.time() < deadline:
    time.sleep(0.2)
    got = attempts(srv, "127.0.0.3", "alice", "secret pw", 1)
is_(got, [235], "once the window is over, the right password logs in")
srv.stop()

# The account's limit: alice logs in from 127.0.0.4; three addresses get
# her password wrong; a fourth is refused for her, 127.0.0.4 is not.
srv = server("account", limits="address 0 1\naccount 3 600\n")
is_(attempts(srv, "127.0.0.4", "alice", "secret pw", 1), [235],
    "alice logs in from 127.0.0.4")
srv.ends(1)
for n in (5, 6, 7):
    attempts(srv, "127.0.0.%d" % n, "alice", "wrong", 1)
is_(runs(srv), 4, "3 failures for alice from 3 addresses")
is_(attempts(srv, "127.0.0.8", "alice", "secret pw", 1), [454],
    "a 4th address: 454 for alice, even with her password")
is_(attempts(srv, "127.0.0.8", "bob", "hunter2", 1), [235],
    "and bob logs in from it")
is_(attempts(srv, "127.0.0.4", "alice", "secret pw", 1), [235],
    "alice from the address she logged in from: 235")
like(srv.text(), r"user alice from 127\.0\.0\.7: rejected, limit reached "
     r"\(account: 3 failures in 600 s\)", "the account's limit is logged")
srv.stop()

# 64 attackers at once, each from its own address, each with 3
# connections of 5 wrong passwords for alice: 960 attempts. The account's
# limit (30) bounds the hashes; sessions checked at the same moment may
# pass it together, by at most the sessions running at once.
srv = server("flood", limit=100)
results = []


def attacker(n):
    for _ in range(3):
        try:
            results.append(attempts(srv, "127.0.1.%d" % n, "alice",
                                    "wrong%d" % n, 5))
        except (OSError, EOFError) as e:
            results.append(str(e))


threads = [threading.Thread(target=attacker, args=(n,))
           for n in range(1, 65)]
for t in threads:
    t.start()
for t in threads:
    t.join(120)
ok(not any(t.is_alive() for t in threads) and len(results) == 192 and
   all(isinstance(r, list) and len(r) == 5 for r in results),
   "64 attackers made their 960 attempts")
hashes = runs(srv)
ok(30 <= hashes <= 30 + 64, "checkpassword ran %d times for 960 attempts "
   "(the limit 30, and at most 64 sessions at once past it)" % hashes)
replies = sum((r for r in results if isinstance(r, list)), [])
ok(replies.count(535) <= hashes and replies.count(235) == 0 and
   replies.count(454) >= 4 * 192 - hashes,
   "the others were answered 454 (%d times; 421 ends each connection)"
   % replies.count(454))
srv.stop()

# A control file authup cannot read: 421, and the log says where.
srv = server("badlimits", limits="address ten 600\n")
c = Client(srv.port, "127.0.0.1")
is_(c.text(), "421 4.3.0 unable to read controls", "a bad authuplimits: 421")
c.close()
srv.ends(1)
like(srv.text(), r"authup: fatal: [0-9a-f]{16}: \S+/authuplimits:1:9: "
     r"expected a number of failures", "naming file, line and column")
r = subprocess.run(prog("authup") + ["-C", "smtp", helper("checkpw")],
                   env=environ(CONTROLDIR=os.path.join(TMP, "ctl-badlimits"),
                               AUTHUP_STATE=os.path.join(TMP, "state-c")),
                   capture_output=True, text=True, timeout=60)
is_(r.returncode, 100, "authup -C: exit 100")
like(r.stderr, r"authup: error: \S+/authuplimits:1:9: expected a number",
     "  naming the problem")
r = subprocess.run(prog("authup") + ["-C", "smtp", helper("checkpw")],
                   env=environ(CONTROLDIR=os.path.join(TMP, "ctl-window"),
                               AUTHUP_STATE="/proc/self/no/such"),
                   capture_output=True, text=True, timeout=60)
is_(r.returncode, 0, "authup -C with a state directory it cannot make: "
    "exit 0 (it would serve)")
like(r.stderr, r"authup: warning: unable to create /proc/self/no/such: .*"
     r"not be counted", "  with a warning")
srv.stop()
done()
