#!/usr/bin/env python3
"""proxyup behind a real HAProxy, in front of the whole chain. The client
connects from 127.0.0.2; HAProxy connects to tcpserver from 127.0.0.1,
the balancer control/proxyfrom lists. With send-proxy and send-proxy-v2 in
TCP mode, port 25 (proxyup ucspitlsd fixsmtpio msmtpd, STARTTLS) and port
465 (proxyup ucspitlsd -i authup ...) see the client: every program's log
line and the server's environment say 127.0.0.2 while tcpserver logged
127.0.0.1. With HAProxy ending TLS itself (send-proxy-v2-ssl), the chain
without ucspitlsd gets SSL_PROTOCOL and SSL_CIPHER from the header: the
Received field names them, STARTTLS is not offered again, and AUTH works
where TLS is required. Last, the header and the client's first bytes (an
early EHLO; a TLS ClientHello on port 465) in one write: proxyup leaves
every byte of the client's to the chain."""

import os
import re
import shlex
import smtplib
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403

if os.geteuid() != 0:
    skip_all("needs root (the TLS engine and checkpassword-cdb switch users)")
from proxyfixture import (HAProxy, TLSAfterHeader, connect_from,  # noqa: E402
                          haproxy_version, read_all, shut_wr, v1, v2)

if not haproxy_version():
    skip_all("haproxy is not installed")
from chain import (PASSWORD, TLS_ID, USER, USER_ID, Chain,  # noqa: E402
                   b64, dump_env, env_dir, env_files, read_env)

CLIENT = "127.0.0.2"
chain = Chain(services=(), name="px")
with open(os.path.join(chain.ctl, "proxyfrom"), "w") as fh:
    fh.write("# HAProxy\n127.0.0.1\n")

# The server's environment, as the queue's filter sees it: one file per
# message, next to the message itself.
ENVS = env_dir()
addtls = " ".join(shlex.quote(a) for a in prog("qmail-qfilter-addtlsheader"))
filt = dump_env(ENVS, addtls)
msmtpd = ["msmtpd", "--inetd", "--command=%s --filter %s %s" % (
    helper("deliver"), shlex.quote(filt), chain.md)]
as_user = ["setpriv", "--reuid=%d" % USER_ID, "--regid=%d" % USER_ID,
           "--clear-groups"]
smtpd = prog("fixsmtpio") + msmtpd
auth_smtp = prog("authup") + ["smtp"] + prog("checkpassword-cdb") + \
    prog("checknotroot") + smtpd
px, tls = prog("proxyup"), prog("ucspitlsd")
base = dict(CONTROLDIR=chain.ctl, CERTFILE=chain.cert.cert,
            KEYFILE=chain.cert.key, TLS_UID=str(TLS_ID), TLS_GID=str(TLS_ID),
            AUTHUP_PAUSE="0")
table = {
    "smtp": (px + tls + as_user + smtpd, dict(UCSPITLS="")),
    "smtps": (px + tls + ["-i"] + auth_smtp, {}),
    # HAProxy ends TLS: no ucspitlsd, the key is the balancer's.
    "sub-ssl": (px + auth_smtp, dict(UCSPITLS="!")),
    "mx-ssl": (px + as_user + smtpd, dict(UCSPITLS="")),
}
srv = {}
for name, (argv, extra) in table.items():
    e = dict(base)
    e.update(extra)
    srv[name] = TCPServer(argv, env=environ(**e), limit=20, name="px-" + name)

pem = os.path.join(TMP, "haproxy.pem")
with open(pem, "w") as out:
    for part in (chain.cert.cert, chain.cert.key):
        with open(part) as fh:
            out.write(fh.read())
offload = "send-proxy-v2-ssl proxy-v2-options ssl-cipher"
lb = HAProxy([("smtp-v1", srv["smtp"].port, "send-proxy", ""),
              ("smtp-v2", srv["smtp"].port, "send-proxy-v2", ""),
              ("smtps-v2", srv["smtps"].port, "send-proxy-v2", ""),
              ("sub-ssl", srv["sub-ssl"].port, offload, "ssl crt " + pem),
              ("mx-ssl", srv["mx-ssl"].port, offload, "ssl crt " + pem)])
ok(True, "%s runs on 127.0.0.1" % haproxy_version().split(" - ")[0])


def fields(line):
    return dict(re.findall(r'(\w+)=("[^"]*"|\S+)', line))


delivered = []


def last_message():
    """The message delivered last and the environment its filter ran
    with."""
    msgs = messages(chain.md + "/", count=len(delivered) + 1, timeout=60)
    if len(msgs) <= len(delivered):
        return "", {}
    delivered.append(msgs[-1])
    return msgs[-1].decode("utf-8", "replace"), read_env(env_files(ENVS)[-1])


def received_tls(msg):
    """The Received field that names a cipher, unfolded."""
    for m in re.finditer(r"(?m)^Received: [^\n]*(?:\n[ \t][^\n]*)*", msg):
        if " cipher " in m.group(0):
            return re.sub(r"\n[ \t]", " ", m.group(0))
    return ""


def session_logs(server, programs, before, name):
    """After one session: each program's summary from ip= on, checked to
    carry one session ID with proxyup's, and tcpserver's view."""
    server.ends(1 + before["ends"], timeout=120)
    # ucspitlsd's TLS engine may log its line after tcpserver saw the end.
    deadline = time.time() + 60
    while True:
        text = server.text()[before["log"]:]
        out = {}
        for p in programs:
            m = re.search(r"(?m)^%s: info: ([0-9a-f]{16}): summary: (.*)$"
                          % re.escape(p), text)
            out[p] = (m.group(1), fields(m.group(2))) if m else (None, {})
        if all(sid for sid, _ in out.values()) or time.time() > deadline:
            break
        time.sleep(0.05)
    ids = {sid for sid, _ in out.values()}
    ok(len(ids) == 1 and None not in ids, "%s: %s log one summary each, "
       "with one session ID" % (name, ", ".join(programs)))
    if len(ids) != 1 or None in ids:
        diag(text)
    like(text, r"(?m)^tcpserver: pid \d+ from 127\.0\.0\.1$",
         "%s: tcpserver saw HAProxy's 127.0.0.1" % name)
    return {p: f for p, (_, f) in out.items()}


def mark(server):
    return {"log": len(server.text()), "ends": len(server.ends(0, timeout=0))}


def client_is_seen(logs, name):
    for p, f in logs.items():
        is_(f.get("ip"), CLIENT, "%s: %s logs ip=%s" % (name, p, CLIENT))


TLS = r"^TLSv1\.[23]$"

# Port 25 behind send-proxy (v1) and send-proxy-v2, STARTTLS done here.
for route, version in (("smtp-v1", "v1"), ("smtp-v2", "v2")):
    name = "port 25 via %s" % route
    before = mark(srv["smtp"])
    c = smtplib.SMTP("127.0.0.1", lb.port[route], timeout=120,
                     source_address=(CLIENT, 0))
    c.ehlo("client.example")
    ok(c.has_extn("starttls"), "%s: STARTTLS offered" % name)
    c.starttls(context=chain.context())
    c.ehlo("client.example")
    c.sendmail("a@example.org", ["alice@example.org"],
               b"Subject: %s\r\n\r\nhello\r\n" % name.encode())
    c.quit()
    logs = session_logs(srv["smtp"], ("proxyup", "ucspitlsd", "fixsmtpio"),
                        before, name)
    client_is_seen(logs, name)
    is_([logs["proxyup"].get(k) for k in ("via", "header", "addresses")],
        ["127.0.0.1", version, "header"],
        "%s: proxyup took the addresses from a %s header" % (name, version))
    is_(logs["proxyup"].get("localport"), str(lb.port[route]),
        "%s: and the port the client connected to, HAProxy's" % name)
    like(logs["fixsmtpio"].get("tls", ""), TLS, "%s: STARTTLS ran" % name)
    msg, env = last_message()
    is_((env.get("TCPREMOTEIP"), env.get("TCPLOCALPORT")),
        (CLIENT, str(lb.port[route])),
        "%s: the server's TCPREMOTEIP and TCPLOCALPORT" % name)
    ok("TCPREMOTEHOST" not in env, "%s: no TCPREMOTEHOST" % name)
    like(received_tls(msg), r"^Received: \(fixsmtpio TLSv1\.[23] cipher ",
         "%s: the Received field of STARTTLS" % name)

# Port 465 behind send-proxy-v2, TLS done here (HAProxy passes it through).
name = "port 465 via send-proxy-v2"
before = mark(srv["smtps"])
c = smtplib.SMTP_SSL("127.0.0.1", lb.port["smtps-v2"], timeout=120,
                     context=chain.context(), source_address=(CLIENT, 0))
c.ehlo("client.example")
c.login(USER, PASSWORD)
c.sendmail("alice@example.org", ["bob@example.net"],
           b"Subject: 465\r\n\r\nhello\r\n")
c.quit()
logs = session_logs(srv["smtps"], ("proxyup", "ucspitlsd", "authup",
                                   "fixsmtpio"), before, name)
client_is_seen(logs, name)
is_([logs["ucspitlsd"].get("mode"), logs["authup"].get("result")],
    ["implicit", "accepted"], "%s: implicit TLS, AUTH accepted" % name)
msg, env = last_message()
is_(env.get("TCPREMOTEIP"), CLIENT, "%s: the server's TCPREMOTEIP" % name)
like(received_tls(msg), r"^Received: \(authup user alice, TLSv1\.[23] "
     r"cipher ", "%s: the Received field" % name)

# HAProxy ends TLS and says so in the header: submission with TLS
# required, and port 25.
name = "submission, TLS ended by HAProxy"
before = mark(srv["sub-ssl"])
c = smtplib.SMTP_SSL("127.0.0.1", lb.port["sub-ssl"], timeout=120,
                     context=chain.context(), source_address=(CLIENT, 0))
c.ehlo("client.example")
ok(not c.has_extn("starttls"), "%s: STARTTLS not offered again" % name)
ok(c.has_extn("auth"), "%s: AUTH offered, as under TLS" % name)
c.login(USER, PASSWORD)
c.sendmail("alice@example.org", ["bob@example.net"],
           b"Subject: offload\r\n\r\nhello\r\n")
c.quit()
logs = session_logs(srv["sub-ssl"], ("proxyup", "authup", "fixsmtpio"),
                    before, name)
client_is_seen(logs, name)
like(logs["proxyup"].get("tls", ""), TLS, "%s: proxyup took the TLS "
     "protocol from the SSL TLV" % name)
like(logs["proxyup"].get("cipher", ""), r"^TLS_\w+$", "%s: and the cipher"
     % name)
is_(logs["authup"].get("result"), "accepted", "%s: AUTH accepted" % name)
like(logs["authup"].get("tls", ""), TLS, "%s: authup logs the TLS" % name)
msg, env = last_message()
like(env.get("SSL_PROTOCOL", ""), TLS, "%s: the server's SSL_PROTOCOL"
     % name)
is_((env.get("TCPREMOTEIP"), env.get("SSL_CIPHER")),
    (CLIENT, logs["proxyup"].get("cipher")),
    "%s: its TCPREMOTEIP and SSL_CIPHER" % name)
like(received_tls(msg), r"^Received: \(authup user alice, TLSv1\.[23] "
     r"cipher TLS_\w+\); ", "%s: the Received field names the TLS" % name)

name = "port 25, TLS ended by HAProxy"
before = mark(srv["mx-ssl"])
c = smtplib.SMTP_SSL("127.0.0.1", lb.port["mx-ssl"], timeout=120,
                     context=chain.context(), source_address=(CLIENT, 0))
c.ehlo("client.example")
ok(not c.has_extn("starttls"), "%s: STARTTLS not offered again" % name)
code, _ = c.docmd("STARTTLS")
ok(code >= 500, "%s: and refused when asked for (%d)" % (name, code))
c.sendmail("a@example.org", ["alice@example.org"],
           b"Subject: offload 25\r\n\r\nhello\r\n")
c.quit()
logs = session_logs(srv["mx-ssl"], ("proxyup", "fixsmtpio"), before, name)
client_is_seen(logs, name)
like(logs["fixsmtpio"].get("tls", ""), TLS, "%s: fixsmtpio logs the TLS"
     % name)
msg, env = last_message()
is_(env.get("TCPREMOTEIP"), CLIENT, "%s: the server's TCPREMOTEIP" % name)
like(received_tls(msg), r"^Received: \(TLSv1\.[23] cipher TLS_\w+\); ",
     "%s: the Received field names the TLS" % name)
lb.stop()

# The header and the client's first bytes in one write, straight to
# tcpserver from the balancer's address.
name = "port 25, header and EHLO in one write"
before = mark(srv["smtp"])
s = connect_from("127.0.0.1", srv["smtp"].port, timeout=120)
s.sendall(v1("TCP4", "192.0.2.7", "198.51.100.25", 4711, 25) +
          b"EHLO client.example\r\n")
f = s.makefile("rb")
is_(f.readline(), b"220 mx.example.org ESMTP\r\n", "%s: the greeting"
    % name)
lines = [f.readline()]
while lines[-1][3:4] == b"-":
    lines.append(f.readline())
like(lines[0].decode(), r"^250[- ]mx\.example\.org", "%s: the EHLO reply: "
     "the EHLO sent with the header reached the server" % name)
s.sendall(b"QUIT\r\n")
like(f.readline().decode(), r"^221 ", "%s: QUIT" % name)
f.close()
read_all(s)
s.close()
logs = session_logs(srv["smtp"], ("proxyup", "fixsmtpio"), before, name)
is_(logs["fixsmtpio"].get("ip"), "192.0.2.7", "%s: fixsmtpio logs the "
    "header's client" % name)

name = "port 465, header and ClientHello in one write"
before = mark(srv["smtps"])
s = connect_from("127.0.0.1", srv["smtps"].port, timeout=120)
t = TLSAfterHeader(s, v2("192.0.2.8", "198.51.100.25", 4712, 465),
                   chain.context())
ok(True, "%s: the handshake finished" % name)
like(t.line(), r"^220 mx\.example\.org", "%s: the greeting" % name)
t.send(b"EHLO client.example\r\n")
like(t.reply()[-1], r"^250 ", "%s: EHLO" % name)
t.send(b"AUTH PLAIN " + b64(b"\0" + USER.encode() + b"\0" +
                              PASSWORD.encode()).encode() + b"\r\n")
like(t.line(), r"^235 ", "%s: AUTH" % name)
for line in (b"MAIL FROM:<alice@example.org>", b"RCPT TO:<bob@example.net>",
             b"DATA"):
    t.send(line + b"\r\n")
    t.line()
t.send(b"Subject: pipelined\r\n\r\nhello\r\n.\r\n")
like(t.line(), r"^250 ", "%s: the message accepted" % name)
t.send(b"QUIT\r\n")
like(t.line(), r"^221 ", "%s: QUIT" % name)
shut_wr(s)
read_all(s)
s.close()
logs = session_logs(srv["smtps"], ("proxyup", "ucspitlsd", "authup"), before,
                    name)
is_([logs[p].get("ip") for p in ("proxyup", "ucspitlsd", "authup")],
    ["192.0.2.8"] * 3, "%s: the header's client in every log line" % name)
msg, env = last_message()
is_(env.get("TCPREMOTEIP"), "192.0.2.8", "%s: and in the server's "
    "environment" % name)
for server in srv.values():
    server.stop()
done()
