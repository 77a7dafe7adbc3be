#!/usr/bin/env python3
"""Several machines behind one balancer: two identical chains ("mx1" and
"mx2", each proxyup ucspitlsd -i authup smtp checkpassword-cdb checknotroot
fixsmtpio msmtpd under a tcpserver of its own) behind one HAProxy in round
robin with send-proxy-v2. They share what INSTALL says to share: the
certificate, a passwd.cdb made by cdbpasswd on mx1 and copied to mx2 (a
new name, then a rename), and a ticket key file made on mx1 and copied the
same way. A client (python's ssl, from 127.0.0.2) that reconnects four
times lands on both machines in turn, logs in on both, and resumes its
TLS session on the other machine than the one that issued the ticket; both
log the client's address. After ucspitlsd -K rotates the key on mx1 and the
file is copied again, a ticket from before the rotation still resumes on
either. After a password change on mx1 and a copy, the new password works
on both and the old one on neither."""

import base64
import os
import re
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403

if os.geteuid() != 0:
    skip_all("needs root (the TLS engine and checkpassword-cdb switch users)")
from proxyfixture import HAProxy, connect_from, haproxy_version  # noqa: E402

if not haproxy_version():
    skip_all("haproxy is not installed")
from chain import PASSWORD, USER, Chain  # noqa: E402

CLIENT = "127.0.0.2"


def copy(src, dst):
    """src to dst as INSTALL says: a new name beside dst, then a rename."""
    tmp = dst + ".new"
    shutil.copyfile(src, tmp)
    os.chmod(tmp, 0o600)
    os.replace(tmp, dst)


KEYS1 = os.path.join(TMP, "mx1-ticketkeys")
KEYS2 = os.path.join(TMP, "mx2-ticketkeys")
r = subprocess.run(prog("ucspitlsd") + ["-K", KEYS1], capture_output=True,
                   text=True, timeout=60)
is_(r.returncode, 0, "ucspitlsd -K makes mx1's ticket key file")
copy(KEYS1, KEYS2)

front = prog("proxyup")
mx1 = Chain(services=("smtps",), name="mx1", front=front,
            env=dict(TICKETKEYFILE=KEYS1))
mx2 = Chain(services=("smtps",), name="mx2", front=front, like=mx1,
            env=dict(TICKETKEYFILE=KEYS2))
machines = {"mx1": mx1, "mx2": mx2}
for m in machines.values():
    with open(os.path.join(m.ctl, "proxyfrom"), "w") as fh:
        fh.write("127.0.0.1\n")
lb = HAProxy([("smtps", [mx1.port("smtps"), mx2.port("smtps")],
               "send-proxy-v2", "")])
ctx = mx1.context()


def summaries(m, program):
    return m.servers["smtps"].summaries(program, count=0, timeout=0)


def session(tls_session=None, password=PASSWORD, message=True):
    """One connection through the balancer: AUTH PLAIN, a message. Returns
    the AUTH reply's code, whether the TLS session was resumed, the session
    to offer next time, and the machine that served it with its
    ucspitlsd and authup summaries."""
    before = {n: (len(summaries(m, "ucspitlsd")), len(summaries(m, "authup")))
              for n, m in machines.items()}
    sock = connect_from(CLIENT, lb.port["smtps"], timeout=120)
    c = SMTP.__new__(SMTP)
    c.sock = ctx.wrap_socket(sock, server_hostname="mx.example.org",
                             session=tls_session)
    c.buf = b""
    c.text()  # the greeting: the TLS 1.3 tickets have come with it
    c.cmd("EHLO client.example")
    auth = base64.b64encode(b"\0" + USER.encode() + b"\0" +
                            password.encode()).decode()
    code = c.cmd("AUTH PLAIN " + auth)[:3]
    if code == "235" and message:
        c.cmd("MAIL FROM:<alice@example.org>")
        c.cmd("RCPT TO:<bob@example.net>")
        c.cmd("DATA")
        c.cmd("Subject: round robin\r\n\r\nhello\r\n.")
    reused, tls_session = c.sock.session_reused, c.sock.session
    c.cmd("QUIT")
    c.close()
    # The engine logs its summary when the connection has ended.
    deadline = time.time() + 60
    while True:
        served = [n for n, m in machines.items()
                  if len(summaries(m, "ucspitlsd")) > before[n][0]]
        if served or time.time() > deadline:
            break
        time.sleep(0.05)
    lines = {}
    if len(served) == 1:
        n = served[0]
        srv = machines[n].servers["smtps"]
        lines["ucspitlsd"] = summaries(machines[n], "ucspitlsd")[before[n][0]]
        got = srv.summaries("authup", count=before[n][1] + 1, timeout=60)
        lines["authup"] = got[before[n][1]] if len(got) > before[n][1] else ""
    served = served[0] if len(served) == 1 else served
    return code, reused, tls_session, served, lines


def field(line, key):
    m = re.search(r"\b%s=(\S+)" % key, line)
    return m.group(1) if m else None


results = []
tls_session = None
for i in range(4):
    code, reused, tls_session, served, lines = session(tls_session)
    results.append((code, reused, served, lines))
served = [r[2] for r in results]
is_(sorted(set(served)), ["mx1", "mx2"],
    "four connections through the balancer land on both machines (%s)"
    % " ".join(str(s) for s in served))
ok(all(served[i] != served[i + 1] for i in range(3)),
   "  in turn (round robin)")
is_([r[0] for r in results], ["235"] * 4,
    "  alice logs in on both, with the one passwd.cdb copied")
is_([r[1] for r in results], [False, True, True, True],
    "  the first handshake is a full one, every later one resumes")
is_([field(r[3].get("ucspitlsd", ""), "resumed") for r in results],
    ["no", "yes", "yes", "yes"],
    "  and each machine's summary says so (a ticket from the other one)")
is_(sorted({field(r[3].get(p, ""), "ip") for r in results
            for p in ("ucspitlsd", "authup")}), [CLIENT],
    "  both machines log the client's address, %s" % CLIENT)
is_(len(messages(mx1.md + "/", count=4, timeout=60)), 4,
    "  four messages delivered")

# The key rotated on mx1 and copied: an older ticket still resumes.
old = tls_session
r = subprocess.run(prog("ucspitlsd") + ["-K", KEYS1], capture_output=True,
                   text=True, timeout=60)
is_(r.returncode, 0, "ucspitlsd -K rotates mx1's key file")
copy(KEYS1, KEYS2)
after = []
for _ in range(2):
    code, reused, _, served, _ = session(old, message=False)
    after.append((served, reused))
is_(sorted(a[0] for a in after), ["mx1", "mx2"],
    "after the rotation, two connections reach both machines")
is_([a[1] for a in after], [True, True],
    "  and a ticket from before the rotation resumes on both")

# A new password, set on mx1 and copied.
r = subprocess.run([os.path.join(BUILD, "bin", "cdbpasswd"), "passwd", USER],
                   input=b"a new password\n", capture_output=True,
                   env=environ(CONTROLDIR=mx1.ctl), timeout=120)
is_(r.returncode, 0, "cdbpasswd passwd on mx1")
mx2.copy_passwd(mx1)
got = []
for pw in ("a new password", "a new password", PASSWORD, PASSWORD):
    code, _, _, served, _ = session(password=pw, message=False)
    got.append((served, code))
is_(sorted(got), [("mx1", "235"), ("mx1", "535"), ("mx2", "235"),
                  ("mx2", "535")],
    "after the copy, the new password works on both machines, the old on "
    "neither")

lb.stop()
mx1.stop()
mx2.stop()
done()
