#!/usr/bin/env python3
"""IPv6 end to end. The whole chain under tcpserver (ucspi-tcp-ipv6) on
::1: port 25 with STARTTLS, port 465 with AUTH and POP3 over TLS, with
real clients; every summary and authup line says ip=::1 (no line of the
chain names an IPv4 address), the server runs with TCPREMOTEIP=::1,
TCP6REMOTEIP=::1 and PROTO=TCP6 (what qmail-smtpd writes its Received
field from) and the TLS Received field is there; fail2ban's filter reads
the IPv6 address of a wrong password. Behind HAProxy listening on ::1 and
connecting to the chain over IPv4 (send-proxy and send-proxy-v2), proxyup
turns the TCP6 header into the same variables. Last, authup's limit on
failures counts an IPv6 client by its /64: ten wrong passwords from ten
addresses of one /64 (sent by hand in PROXY headers, the only way to have
many IPv6 sources without configuring the machine) close that /64 to the
next, and a neighbouring /64 is still served; checkpassword is the
scripted t/helpers/checkpw there, so that its runs can be counted."""

import base64
import os
import poplib
import re
import shutil
import smtplib
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403

if os.geteuid() != 0:
    skip_all("needs root (the TLS engine and checkpassword-cdb switch users)")


def loopback6():
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


if not loopback6():
    skip_all("this machine has no IPv6 loopback address (::1)")
from chain import (PASSWORD, USER, Chain, env_dir,  # noqa: E402
                   env_files, read_env)
from proxyfixture import (HAProxy, connect_from, haproxy_version,  # noqa: E402
                          v1)

FILTER = os.path.join(TOP, "contrib", "fail2ban", "filter.d", "authup.conf")
ENVS = env_dir()
seen = []


def fields(line):
    return dict(re.findall(r'(\w+)=("[^"]*"|\S+)', line))


def server_env(count):
    """The environment of the server's filter for the count-th message
    (waits for it)."""
    deadline = time.time() + 60
    while True:
        envs = env_files(ENVS)
        fresh = [f for f in envs if f not in seen]
        if len(envs) >= count and fresh or time.time() > deadline:
            break
        time.sleep(0.05)
    if not fresh:
        return {}
    seen.append(fresh[-1])
    return read_env(fresh[-1])


def addresses(env):
    return tuple(env.get(k) for k in ("TCPREMOTEIP", "TCP6REMOTEIP", "PROTO"))


chain = Chain(services=("smtp", "smtps", "pop3s"), host="::1", envdir=ENVS,
              name="v6")

# Port 25, STARTTLS, from ::1.
c = chain.smtp("smtp")
c.sendmail("a@example.org", ["alice@example.org"],
           b"Subject: over IPv6\r\n\r\nhello\r\n")
c.quit()
srv = chain.servers["smtp"]
for p in ("ucspitlsd", "fixsmtpio"):
    got = srv.summaries(p)
    is_(fields(got[0]).get("ip") if got else None, "::1",
        "port 25 on ::1: %s's summary says ip=::1" % p)
is_(addresses(server_env(1)), ("::1", "::1", "TCP6"),
    "  the server runs with TCPREMOTEIP, TCP6REMOTEIP ::1 and PROTO=TCP6")
msgs = messages(chain.md + "/", count=1, timeout=60)
like(msgs[-1].decode() if msgs else "",
     r"(?m)^Received: \(fixsmtpio TLSv1\.[23] cipher ",
     "  the message has the TLS Received field")

# Port 465: AUTH, a message, then a wrong password.
c = chain.smtp("smtps")
c.sendmail("alice@example.org", ["bob@example.net"],
           b"Subject: 465 over IPv6\r\n\r\nhello\r\n")
c.quit()
srv = chain.servers["smtps"]
srv.ends(1)
for p in ("ucspitlsd", "authup", "fixsmtpio"):
    got = srv.summaries(p)
    is_(fields(got[0]).get("ip") if got else None, "::1",
        "port 465 on ::1: %s's summary says ip=::1" % p)
like(srv.text(), r"(?m)smtp: user alice from ::1: accepted",
     "  authup's line names the user and ::1")
is_(addresses(server_env(2)), ("::1", "::1", "TCP6"),
    "  the server runs with TCPREMOTEIP=::1")
c = chain.smtp("smtps", login=False)
try:
    c.login(USER, "wrong")
    refused = None
except smtplib.SMTPAuthenticationError as e:
    refused = e.smtp_code
c.close()
is_(refused, 535, "a wrong password from ::1: 535")
srv.ends(2)
like(srv.text(), r"(?m)smtp: user alice from ::1: rejected$",
     "  authup's line names ::1")
# smtplib tries each mechanism offered: one line each.
wrong = len(re.findall(r"(?m)smtp: user alice from ::1: rejected$",
                       srv.text()))
if shutil.which("fail2ban-regex"):
    r = subprocess.run(["fail2ban-regex", "-o", "ip", srv.log, FILTER],
                       capture_output=True, text=True, timeout=120)
    is_(r.stdout.split(), ["::1"] * max(wrong, 1),
        "fail2ban's filter finds ::1 in every line of a wrong password")
else:
    ok(False, "fail2ban-regex is installed (tools/install-deps does it)")

# POP3 over TLS.
p3 = poplib.POP3_SSL("::1", chain.port("pop3s"), context=chain.context(),
                     timeout=120)
p3.user(USER)
p3.pass_(PASSWORD)
p3.stat()
p3.quit()
srv = chain.servers["pop3s"]
got = srv.summaries("authup")
is_([fields(got[0]).get(k) for k in ("ip", "protocol", "result")]
    if got else None, ["::1", "pop3", "accepted"],
    "POP3 on ::1: authup's summary says ip=::1")

for name, s in chain.servers.items():
    own = [line for line in s.text().splitlines()
           if not line.startswith("tcpserver:")]
    is_([line for line in own if "127.0.0.1" in line], [],
        "%s on ::1: no line of the chain names an IPv4 address" % name)
chain.stop()

# Behind HAProxy on ::1, which connects to the chain over IPv4.
if not haproxy_version():
    ok(False, "haproxy is installed (tools/install-deps does it)")
    done()
px = Chain(services=("smtp",), envdir=ENVS, name="px6",
           front=prog("proxyup"))
with open(os.path.join(px.ctl, "proxyfrom"), "w") as fh:
    fh.write("127.0.0.1\n")
lb = HAProxy([("v1", px.port("smtp"), "send-proxy", ""),
              ("v2", px.port("smtp"), "send-proxy-v2", "")], bind="::1")
srv = px.servers["smtp"]
for n, route in enumerate(("v1", "v2")):
    c = smtplib.SMTP("::1", lb.port[route], timeout=120)
    c.ehlo("client.example")
    c.starttls(context=px.context())
    c.ehlo("client.example")
    c.sendmail("a@example.org", ["alice@example.org"],
               b"Subject: via %s\r\n\r\nhello\r\n" % route.encode())
    c.quit()
    srv.ends(n + 1, timeout=120)
    pu = srv.summaries("proxyup", count=n + 1)
    is_([fields(pu[n]).get(k) for k in ("ip", "via", "header")]
        if len(pu) > n else None, ["::1", "127.0.0.1", route],
        "HAProxy on ::1, %s header: proxyup says ip=::1 via=127.0.0.1" % route)
    for p in ("ucspitlsd", "fixsmtpio"):
        got = srv.summaries(p, count=n + 1)
        is_(fields(got[n]).get("ip") if len(got) > n else None, "::1",
            "  %s's summary says ip=::1" % p)
    is_(addresses(server_env(3 + n)), ("::1", "::1", "TCP6"),
        "  the server runs with TCPREMOTEIP, TCP6REMOTEIP ::1, PROTO=TCP6")
like(srv.text(), r"(?m)^tcpserver: pid \d+ from 127\.0\.0\.1$",
     "  while tcpserver saw HAProxy's 127.0.0.1")
lb.stop()
px.stop()

# The limit on failures, by /64.
with open(os.path.join(TOP, "examples", "fixsmtpio")) as fh:
    rules = fh.read()
ctl = controldir("ctl-limits", me="mx.example.org\n", smtpcapabilities="",
                 pop3capabilities="", proxyfrom="127.0.0.1\n",
                 fixsmtpio=rules)
CHECKPW = os.path.join(TMP, "checkpw.log")
md = maildir("Maildir-limits")
argv = prog("proxyup") + prog("authup") + ["smtp", helper("checkpw")] + \
    prog("fixsmtpio") + msmtpd(md)
lim = TCPServer(argv, name="limits", env=environ(
    CONTROLDIR=ctl, CHECKPW_USERS="alice:secret pw", CHECKPW_LOG=CHECKPW,
    AUTHUP_PAUSE="0", AUTHUP_STATE=os.path.join(TMP, "state")))


def runs():
    if not os.path.exists(CHECKPW):
        return 0
    with open(CHECKPW) as fh:
        return len(fh.read().splitlines())


def attempt(src, password="wrong"):
    """One connection from src (in a TCP6 PROXY header), one AUTH PLAIN."""
    c = SMTP.__new__(SMTP)
    c.sock = connect_from("127.0.0.1", lim.port)
    c.buf = b""
    c.send(v1("TCP6", src, "2001:db8::25", 40000, 25))
    c.text()
    c.cmd("EHLO client.example")
    auth = base64.b64encode(b"\0alice\0" + password.encode()).decode()
    code = c.cmd("AUTH PLAIN " + auth)[:3]
    c.close()
    return code


codes = [attempt("2001:db8:1:2::%x" % i) for i in range(1, 11)]
is_(codes, ["535"] * 10,
    "ten wrong passwords from ten addresses of 2001:db8:1:2::/64: 535")
is_(attempt("2001:db8:1:2:ffff:ffff:ffff:ffff", "secret pw"), "454",
    "  then another address of that /64 gets 454, right password or not")
is_(runs(), 10, "  and checkpassword did not run for it")
is_(attempt("2001:db8:1:3::1", "secret pw"), "235",
    "the neighbouring /64 is served (235)")
is_(runs(), 11, "  with checkpassword run")
lim.ends(12, timeout=120)
log = lim.text()
like(log, r"(?m)user alice from 2001:db8:1:2::a: rejected, limit reached "
     r"\(address 2001:db8:1:2::/64: 10 failures in 600 s\)$",
     "one line when the limit starts, naming the tenth address and the /64")
like(log, r"(?m)user alice from 2001:db8:1:2:ffff:ffff:ffff:ffff: "
     r"throttled \(address\)$", "one line for the throttled attempt")
if shutil.which("fail2ban-regex"):
    r = subprocess.run(["fail2ban-regex", "-o", "ip", lim.log, FILTER],
                       capture_output=True, text=True, timeout=120)
    is_(sorted(r.stdout.split()),
        sorted(["2001:db8:1:2::%x" % i for i in range(1, 11)] +
               ["2001:db8:1:2:ffff:ffff:ffff:ffff"]),
        "fail2ban's filter reads all 11 lines, the limit's too, with "
        "their IPv6 addresses")
lim.stop()
done()
