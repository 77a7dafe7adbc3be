#!/usr/bin/env python3
"""STARTTLS end to end: tcpserver, ucspitlsd, fixsmtpio with the example
rules and a real server, msmtpd --inetd, whose delivery command runs
qmail-qfilter-addtlsheader (t/helpers/deliver --filter) into a Maildir.
Clients: swaks --tls, python's smtplib starttls(), openssl s_client
-starttls smtp and gnutls-cli --starttls-proto=smtp. Checked: STARTTLS
offered once and never inside TLS; the server restarted (nothing from
before TLS is remembered); plaintext injected after STARTTLS neither
answered nor seen by a server; TLS required ('!'); implicit TLS (-i); a
handshake that fails half way; one TLS Received header naming what the
client negotiated; the SSL_* variables in the delivery command's
environment.

msmtpd logs nothing and ends the session at the first command it does not
expect, so two things need the scripted stand-in t/helpers/fakesmtpd: the
record of every line a server received (--log), to show that an injected
command reached neither the server from before TLS nor the fresh one, and
a server that takes NOOP and offers STARTTLS itself, to show replies in
order under pipelining and a server's own STARTTLS line removed."""

import os
import re
import smtplib
import ssl
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403
from tlsclient import (Session, client_hello, context, converse,  # noqa: E402
                       tls_records)
from tlsfixture import make_ca, make_cert  # noqa: E402

NAME = "mail.example.org"
ca = make_ca(TMP)
cert = make_cert(TMP, "mail", ca, dns=[NAME])
with open(os.path.join(TOP, "examples", "fixsmtpio")) as fh:
    SEED = fh.read()
ctl = controldir(me=NAME + "\n", fixsmtpio=SEED)

# The rule set of acceptutils' documentation, which examples/fixsmtpio must
# hold unchanged: these tests run on it as it is.
ACCEPTUTILS_RULES = [
    ":help::*::&fixsmtpio_fixup",
    ":greeting::2*::&fixsmtpio_fixup",
    ":helo::2*::&fixsmtpio_fixup",
    ":ehlo::2*::&fixsmtpio_fixup",
    ":quit::2*::&fixsmtpio_fixup",
    ":rcpt::451 GL - temporary*::451 greylisted, retry later (#4.7.1)",
    ":data::451 GL - temporary*::451 greylisted, retry later (#4.7.1)",
    "FIXSMTPIOTLS:greeting::2*::",
    "AUTHUP_USER:greeting::2*::235 ok, go ahead (#2.0.0)",
    "AUTHUP_USER:clienteof::*:0:",
    "AUTHUP_USER:greeting::4*:14:&fixsmtpio_noop",
    "AUTHUP_USER:greeting::5*:15:&fixsmtpio_noop",
    "AUTHUP_USER:timeout::*:16:",
    "AUTHUP_USER:ehlo::250?AUTH*::",
    "AUTHUP_USER:auth:NOOP :*::503 already authenticated (#5.5.1)",
]
is_([line for line in SEED.splitlines() if line and not line.startswith("#")],
    ACCEPTUTILS_RULES, "examples/fixsmtpio is the example rule set unchanged")

# The delivery command: deliver --filter FILTER MAILDIR, where FILTER notes
# the TLS variables it was given and execs qmail-qfilter-addtlsheader.
md = maildir()
envdir = os.path.join(TMP, "env")
os.makedirs(envdir)
envfilter = os.path.join(TMP, "envfilter")
with open(envfilter, "w") as fh:
    fh.write("#!/bin/sh\n"
             "env | grep -E '^(SSL_|FIXSMTPIOTLS=|UCSPITLS=|SSL[A-Z]*FD=|"
             "CERTFILE=|KEYFILE=)' >%s/$$\n"
             "exec qmail-qfilter-addtlsheader\n" % envdir)
os.chmod(envfilter, 0o755)
server = ["msmtpd", "--inetd", "--command=%s --filter %s %s" %
          (helper("deliver"), envfilter, md)]
tlsenv = dict(CONTROLDIR=ctl, CERTFILE=cert.cert, KEYFILE=cert.key)

srv = TCPServer(prog("ucspitlsd") + prog("fixsmtpio") + server,
                env=environ(UCSPITLS="", **tlsenv), name="offered")
port = str(srv.port)
sessions = mails = 0


def ended(code, name):
    """The next session of srv ends with exit code code."""
    global sessions
    sessions += 1
    is_(srv.ends(sessions)[sessions - 1:], [code], name)


def delivered(name):
    """The one new message in md (waits for it)."""
    global mails
    mails += 1
    got = messages(md, mails, timeout=30)
    is_(len(got), mails, "%s: delivered" % name)
    return got[-1] if got else b""


def noted():
    """The variables the delivery commands saw, one dict per delivery,
    oldest first; each note is read once."""
    out = []
    for f in sorted(os.listdir(envdir),
                    key=lambda f: os.path.getmtime(os.path.join(envdir, f))):
        with open(os.path.join(envdir, f)) as fh:
            out.append(dict(line.rstrip("\n").split("=", 1) for line in fh
                            if "=" in line))
        os.unlink(os.path.join(envdir, f))
    return out


def first_note():
    env = noted()
    return env[0] if env else {}


def tls_headers(msg):
    """The Received fields of msg that name a TLS cipher, unfolded."""
    head = msg.split(b"\n\n", 1)[0].decode("ascii", "replace")
    fields = re.split(r"\n(?![ \t])", head)
    fields = [re.sub(r"\n([ \t])", r"\1", f) for f in fields]
    return [f for f in fields if f.startswith("Received:") and " cipher " in f]


def check_message(msg, protocol, cipher, name, by="fixsmtpio "):
    """One TLS Received header, naming protocol and cipher."""
    h = tls_headers(msg)
    is_(len(h), 1, "%s: exactly one TLS Received header" % name)
    like(h[0] if h else "", r"^Received: \(%s%s cipher %s\); " %
         (by, re.escape(protocol), re.escape(cipher)) +
         r"\w{3}, \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}$",
         "%s: it names %s and %s" % (name, protocol, cipher))


def check_env(env, protocol, cipher, name, sni=None):
    is_((env.get("SSL_PROTOCOL"), env.get("SSL_CIPHER"),
         env.get("FIXSMTPIOTLS")), (protocol, cipher, "1"),
        "%s: SSL_PROTOCOL, SSL_CIPHER, FIXSMTPIOTLS reach the delivery "
        "command" % name)
    like(env.get("SSL_VERSION_INTERFACE"), r"^ucspitlsd/",
         "%s: and the other SSL_* variables" % name)
    is_(env.get("SSL_TLS_SNI"), sni, "%s: SSL_TLS_SNI" % name)
    is_(sorted(k for k in env if not k.startswith("SSL_") and
               k != "FIXSMTPIOTLS"), [],
        "%s: no UCSPITLS, UCSPI-TLS descriptors or key paths" % name)


# OpenSSL names TLS 1.2 suites its own way; ucspitlsd reports IANA names.
IANA = {"ECDHE-RSA-AES128-GCM-SHA256": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "ECDHE-RSA-AES256-GCM-SHA384": "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "ECDHE-RSA-CHACHA20-POLY1305":
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"}


def iana(name):
    return IANA.get(name, name)


# python's smtplib, TLS 1.3 and TLS 1.2.
for maximum, ciphers in ((None, None),
                         (ssl.TLSVersion.TLSv1_2,
                          "ECDHE-RSA-AES128-GCM-SHA256"),
                         (ssl.TLSVersion.TLSv1_2,
                          "ECDHE-RSA-CHACHA20-POLY1305")):
    ctx = context(ca.cert, maximum=maximum, ciphers=ciphers)
    ctx.check_hostname = False  # smtplib would check 127.0.0.1
    s = smtplib.SMTP("127.0.0.1", srv.port, timeout=60)
    code, text = s.ehlo("client.example")
    is_((code, text), (250, NAME.encode() + b"\nSTARTTLS"),
        "smtplib: EHLO offers STARTTLS once")
    is_(s.starttls(context=ctx)[0], 220, "smtplib starttls(): 220")
    version, cipher = s.sock.version(), s.sock.cipher()[0]
    name = "smtplib, %s %s" % (version, cipher)
    code, text = s.ehlo("client.example")
    is_((code, text), (250, NAME.encode()),
        "%s: EHLO inside TLS offers no STARTTLS" % name)
    s.sendmail("a@example.org", ["b@example.net"],
               b"Subject: %s\r\n\r\nover TLS\r\n" % name.encode())
    s.quit()
    ended(0, "%s: exit 0" % name)
    msg = delivered(name)
    ok(b"Subject: " + name.encode() in msg, "%s: the message" % name)
    check_message(msg, version, iana(cipher), name)
    env = noted()
    is_(len(env), 1, "%s: the delivery command ran once" % name)
    check_env(env[0] if env else {}, version, iana(cipher), name)

# swaks --tls.
r = subprocess.run(["swaks", "--server", "127.0.0.1", "--port", port,
                    "--tls", "--tls-verify", "--tls-ca-path", ca.cert,
                    "--tls-sni", NAME, "--helo", "client.example",
                    "--from", "a@example.org", "--to", "c@example.net",
                    "--header", "Subject: swaks", "--body", "swaks over TLS",
                    "--timeout", "60"], capture_output=True, timeout=120)
out = r.stdout.decode("utf-8", "replace")
is_(r.returncode, 0, "swaks --tls: exit 0")
m = re.search(r"TLS started with cipher (TLSv[\d.]+):([\w-]+):", out)
ok(m, "swaks: TLS started")
clear = [l for l in out.splitlines() if l.startswith(("<-", "->"))]
inside = [l for l in out.splitlines() if l.startswith(("<~", "~>"))]
is_(len([l for l in clear if "STARTTLS" in l and l.startswith("<-")]), 1,
    "swaks: STARTTLS offered once before TLS")
ok(inside and not [l for l in inside if "STARTTLS" in l],
   "swaks: and not inside TLS")
ended(0, "swaks: exit 0")
msg = delivered("swaks")
ok(b"swaks over TLS" in msg, "swaks: the message")
if m:
    check_message(msg, m.group(1), iana(m.group(2)), "swaks")
    check_env(first_note(), m.group(1), iana(m.group(2)), "swaks", sni=NAME)

# openssl s_client -starttls smtp: it sends EHLO and STARTTLS itself.
MAIL = (b"EHLO client.example\r\nMAIL FROM:<a@example.org>\r\n"
        b"RCPT TO:<d@example.net>\r\nDATA\r\nSubject: %s\r\n\r\nhello\r\n"
        b".\r\nQUIT\r\n")
code, out, err = converse(
    ["openssl", "s_client", "-starttls", "smtp", "-connect",
     "127.0.0.1:" + port, "-CAfile", ca.cert, "-servername", NAME,
     "-verify_hostname", NAME, "-verify_return_error", "-quiet", "-brief"],
    MAIL % b"openssl", b"\n221 ")
out, err = out.decode(), err.decode()
is_(code, 0, "openssl s_client -starttls smtp: exit 0")
is_(out, "250 %s\r\n250 Ok\r\n250 Ok\r\n354 Send data\r\n"
    "250 Ok, mail was piped\r\n221 %s\r\n" % (NAME, NAME),
    "openssl: every reply inside TLS, no STARTTLS offered there")
proto = re.search(r"Protocol version: (\S+)", err)
suite = re.search(r"Ciphersuite: (\S+)", err)
ended(0, "openssl: exit 0")
msg = delivered("openssl")
ok(proto and suite, "openssl says what it negotiated")
if proto and suite:
    check_message(msg, proto.group(1), iana(suite.group(1)), "openssl")
    check_env(first_note(), proto.group(1), iana(suite.group(1)), "openssl",
              sni=NAME)

# gnutls-cli --starttls-proto=smtp, TLS 1.2, which it names as IANA does.
code, out, err = converse(
    ["gnutls-cli", "--starttls-proto=smtp", "--x509cafile", ca.cert,
     "--port", port, "--sni-hostname", NAME, "--verify-hostname", NAME,
     "--priority=NORMAL:-VERS-ALL:+VERS-TLS1.2", "127.0.0.1"],
    MAIL % b"gnutls-cli", b"\n221 ")
out = out.decode("utf-8", "replace")
is_(code, 0, "gnutls-cli --starttls-proto=smtp: exit 0")
replies = [l for l in out.splitlines() if re.match(r"^\d{3}[ -]", l)]
is_(replies, ["250 " + NAME, "250 Ok", "250 Ok", "354 Send data",
              "250 Ok, mail was piped", "221 " + NAME],
    "gnutls-cli: every reply inside TLS")
m = re.search(r"Description: \((TLS1\.\d)-X\.509\)-\(ECDHE-[^)]*\)-"
              r"\(RSA-[^)]*\)-\(([^)]*)\)", out)
ended(0, "gnutls-cli: exit 0")
msg = delivered("gnutls-cli")
if not ok(m, "gnutls-cli says what it negotiated"):
    diag(out)
if m:
    cipher = {"AES-256-GCM": "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
              "AES-128-GCM": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
              "CHACHA20-POLY1305":
              "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"}.get(m.group(2))
    check_message(msg, "TLSv1.2", str(cipher), "gnutls-cli")
    check_env(first_note(), "TLSv1.2", str(cipher), "gnutls-cli", sni=NAME)

# The server restarted: a MAIL FROM given before STARTTLS is forgotten, and
# msmtpd's answer to RCPT without MAIL is what the fresh server says.
tls = context(ca.cert)
s = Session(srv.port, tls, NAME, starttls=False)
is_(s.cmd("EHLO client.example"), "250-%s\n250 STARTTLS" % NAME, "EHLO")
is_(s.cmd("MAIL FROM:<a@example.org>"), "250 Ok", "MAIL FROM before TLS")
is_(s.cmd("STARTTLS"), "220 2.0.0 Ready to start TLS", "STARTTLS")
s.sock = tls.wrap_socket(s.sock, server_hostname=NAME)
is_(s.cmd("EHLO client.example"), "250 " + NAME, "inside TLS: EHLO")
is_(s.cmd("RCPT TO:<b@example.net>"), "500 Expected MAIL FROM:<addr> or QUIT",
    "RCPT right after STARTTLS and EHLO: the fresh server has no MAIL")
data, how = s.eof()
is_((data, how), (b"", "close_notify"), "msmtpd ends the session")
ended(1, "and fixsmtpio exits with its code, 1")

# Plaintext injected after STARTTLS in the same write: not answered inside
# TLS, and a session that goes on as if it had never been sent.
for inject in (b"RSET\r\n", b"MAIL FROM:<x@example.org>\r\n"):
    what = inject.split()[0].decode()
    s = Session(srv.port, tls, NAME, starttls=False)
    s.cmd("EHLO client.example")
    s.send(b"STARTTLS\r\n" + inject)
    is_(s.reply(), "220 2.0.0 Ready to start TLS",
        "STARTTLS and %s in one write: 220" % what)
    is_(s.buf, b"", "  and no other reply in plaintext")
    s.sock = tls.wrap_socket(s.sock, server_hostname=NAME)
    is_(s.cmd("EHLO client.example"), "250 " + NAME,
        "  the first reply inside TLS is the one to EHLO")
    if what == "MAIL":
        is_(s.cmd("RCPT TO:<b@example.net>"),
            "500 Expected MAIL FROM:<addr> or QUIT",
            "  the injected MAIL FROM never reached the fresh server")
        s.eof()
        ended(1, "  exit 1, msmtpd's")
        continue
    is_(s.cmd("MAIL FROM:<a@example.org>"), "250 Ok", "  MAIL")
    is_(s.cmd("RCPT TO:<b@example.net>"), "250 Ok", "  RCPT")
    is_(s.cmd("DATA"), "354 Send data", "  DATA")
    is_(s.cmd("Subject: injected\r\n\r\nafter RSET\r\n."),
        "250 Ok, mail was piped", "  the message")
    is_(s.cmd("QUIT"), "221 " + NAME, "  QUIT")
    ended(0, "  exit 0")
    delivered("  the message after RSET")
    noted()

# A handshake that fails half way: the client's first flight, the
# server's answer, then garbage where the client's Finished should be. The
# session ends with 111, and the client gets nothing after the 220 but TLS
# records: no plaintext reply inside what it takes for TLS.
s = Session(srv.port, tls, NAME, starttls=False)
s.cmd("EHLO client.example")
is_(s.cmd("MAIL FROM:<a@example.org>"), "250 Ok", "half way: MAIL FROM")
is_(s.cmd("STARTTLS"), "220 2.0.0 Ready to start TLS", "half way: 220")
hello, obj, inc, outgoing = client_hello(tls, NAME)
s.send(hello)
first = b""
while tls_records(first) is None or not any(
        t == 22 for t, _ in tls_records(first)):
    chunk = s.sock.recv(65536)
    if not chunk:
        break
    first += chunk
ok(tls_records(first), "half way: the server's first flight")
s.send(b"\x17\x03\x03\x00\x20" + b"\xa5" * 32)
rest, how = s.eof()
ok(tls_records(rest) is not None,
   "half way: then nothing but whole TLS records (an alert), no plaintext")
ended(111, "half way: exit 111")
like(srv.text(), r"ucspitlsd: fatal: [0-9a-f]{16}: unable to complete the TLS handshake "
     r"with 127\.0\.0\.1: ", "half way: ucspitlsd says why")
is_(len(messages(md)), mails, "half way: nothing delivered")

# Garbage right after the 220.
s = Session(srv.port, tls, NAME, starttls=False)
s.cmd("EHLO client.example")
s.cmd("STARTTLS")
s.send(b"MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\n")
rest, how = s.eof()
ok(tls_records(rest) is not None,
   "garbage after 220: nothing but TLS records come back")
ended(111, "garbage after 220: exit 111")
is_(len(messages(md)), mails, "garbage after 220: nothing delivered")
is_(noted(), [], "garbage after 220: no delivery command ran")
srv.stop()

# The same injections against the stand-in, which logs what it receives:
# the injected command reached no server, before TLS or after.
seen = os.path.join(TMP, "seen.log")
fake = TCPServer(prog("ucspitlsd") + prog("fixsmtpio") +
                 [helper("fakesmtpd"), "--starttls", "--log", seen],
                 env=environ(UCSPITLS="", **tlsenv), name="fake")


def log():
    if not os.path.exists(seen):
        return []
    with open(seen, "rb") as fh:
        lines = fh.read().decode("latin-1").splitlines()
    open(seen, "w").close()
    return lines


fake_sessions = 0
for inject in ("RSET\r\n", "MAIL FROM:<x@example.org>\r\n",
               "RSET\r\nMAIL FROM:<x@example.org>\r\nRCPT TO:<y@example>\r\n"):
    fake_sessions += 1
    name = "stand-in, STARTTLS\\r\\n%s" % inject.replace("\r\n", "\\r\\n")
    s = Session(fake.port, tls, NAME, starttls=False)
    is_(s.cmd("EHLO before.example"),
        "250-%s\n250-PIPELINING\n250-8BITMIME\n250-SIZE 10240000\n"
        "250 STARTTLS" % NAME,
        "%s: the server's STARTTLS line gone, fixsmtpio's once" % name)
    s.send("STARTTLS\r\n" + inject)
    is_(s.reply(), "220 2.0.0 Ready to start TLS", "%s: 220" % name)
    s.sock = tls.wrap_socket(s.sock, server_hostname=NAME)
    is_(s.cmd("NOOP"), "250 ok", "%s: the first reply inside TLS is NOOP's"
        % name)
    is_(s.cmd("QUIT"), "221 " + NAME, "%s: QUIT" % name)
    s.close()
    is_(fake.ends(fake_sessions)[fake_sessions - 1:], [0],
        "%s: exit 0" % name)
    is_(log(), ["EHLO before.example", "NOOP", "QUIT"],
        "%s: no server saw the injected bytes" % name)
fake.stop()

# A fresh server that refuses the session after STARTTLS: its greeting is
# shown inside TLS at once, stands for the reply to the client's next
# command, and the session ends as the server decided (the stand-in, since
# msmtpd always greets 220).
refusing = os.path.join(TMP, "refusing")
with open(refusing, "w") as fh:
    fh.write("#!/bin/sh\n[ -n \"$FIXSMTPIOTLS\" ] && exec %s --greeting "
             "'421 fake.example closing down'\nexec %s\n" %
             (helper("fakesmtpd"), helper("fakesmtpd")))
os.chmod(refusing, 0o755)
ref = TCPServer(prog("ucspitlsd") + prog("fixsmtpio") + [refusing],
                env=environ(UCSPITLS="", **tlsenv), name="refusing")
s = Session(ref.port, tls, NAME)
s.send("EHLO client.example\r\n")
is_(s.reply(), "421 fake.example closing down",
    "refused after STARTTLS: the fresh server's 421 inside TLS")
is_(s.eof()[0], b"", "refused after STARTTLS: no reply of its own for EHLO, "
    "the end")
is_(ref.ends(1), [1], "refused after STARTTLS: exit 1, the server's")
ref.stop()

# TLS required: 530 before STARTTLS, replies in order under pipelining
# (fixsmtpio's own 530s between the server's replies), nothing refused
# reaching the server, and mail going through after STARTTLS.
req = TCPServer(prog("ucspitlsd") + prog("fixsmtpio") +
                [helper("fakesmtpd"), "--log", seen],
                env=environ(UCSPITLS="!", **tlsenv), name="required-fake")
s = Session(req.port, tls, NAME, starttls=False)
s.send("EHLO a.example\r\nMAIL FROM:<a@example.org>\r\nNOOP\r\n"
       "RCPT TO:<b@example.net>\r\nRSET\r\nDATA\r\nVRFY alice\r\nHELO b\r\n"
       "AUTH PLAIN AGFsaWNlAHB3\r\nQUIT\r\n")
first = "530 5.7.0 Must issue a STARTTLS command first"
is_([s.reply() for _ in range(10)],
    ["250-%s\n250-PIPELINING\n250-8BITMIME\n250-SIZE 10240000\n250 STARTTLS"
     % NAME, first, "250 ok", first, "250 ok", first, first, "250 " + NAME,
     first, "221 " + NAME],
    "required, pipelined: every reply in request order")
s.close()
req.ends(1)
is_(log(), ["EHLO a.example", "NOOP", "RSET", "HELO b", "QUIT"],
    "required: the refused commands never reached the server")
req.stop()

req = TCPServer(prog("ucspitlsd") + prog("fixsmtpio") + server,
                env=environ(UCSPITLS="!", **tlsenv), name="required")
s = Session(req.port, tls, NAME, starttls=False)
is_(s.cmd("EHLO client.example"), "250-%s\n250 STARTTLS" % NAME,
    "required: EHLO offers STARTTLS")
is_(s.cmd("MAIL FROM:<a@example.org>"), first, "required: MAIL: 530")
is_(s.cmd("STARTTLS"), "220 2.0.0 Ready to start TLS", "required: STARTTLS")
s.sock = tls.wrap_socket(s.sock, server_hostname=NAME)
is_(s.cmd("EHLO client.example"), "250 " + NAME, "required: EHLO inside TLS")
is_(s.cmd("MAIL FROM:<a@example.org>"), "250 Ok", "required: MAIL after TLS")
is_(s.cmd("RCPT TO:<b@example.net>"), "250 Ok", "required: RCPT")
is_(s.cmd("DATA"), "354 Send data", "required: DATA")
is_(s.cmd("Subject: required\r\n\r\nhello\r\n."),
    "250 Ok, mail was piped", "required: the message")
is_(s.cmd("STARTTLS"), "503 5.5.1 TLS already active",
    "required: STARTTLS again: 503")
is_(s.cmd("QUIT"), "221 " + NAME, "required: QUIT")
version, cipher = s.sock.version(), s.sock.cipher()[0]
s.close()
is_(req.ends(1), [0], "required: exit 0")
msg = delivered("required")
ok(b"Subject: required" in msg, "required: the message")
check_message(msg, version, cipher, "required")
noted()
req.stop()

# Implicit TLS: ucspitlsd -i; fixsmtpio offers no STARTTLS, refuses one,
# and the header names the TLS without fixsmtpio, which did not start it.
imp = TCPServer(prog("ucspitlsd") + ["-i"] + prog("fixsmtpio") + server,
                env=environ(UCSPITLS="", **tlsenv), name="implicit")
ictx = context(ca.cert)
ictx.check_hostname = False
s = smtplib.SMTP_SSL("127.0.0.1", imp.port, timeout=60, context=ictx)
is_(s.ehlo("client.example"), (250, NAME.encode()),
    "implicit: EHLO offers no STARTTLS")
is_(s.docmd("STARTTLS"), (503, b"5.5.1 TLS already active"),
    "implicit: STARTTLS: 503")
s.sendmail("a@example.org", ["e@example.net"],
           b"Subject: implicit\r\n\r\nport 465\r\n")
version, cipher = s.sock.version(), s.sock.cipher()[0]
s.quit()
is_(imp.ends(1), [0], "implicit: exit 0")
msg = delivered("implicit")
ok(b"port 465" in msg, "implicit: the message")
check_message(msg, version, cipher, "implicit", by="")
env = noted()
is_((env[0].get("SSL_PROTOCOL"), env[0].get("SSL_CIPHER"),
     env[0].get("FIXSMTPIOTLS")) if env else None, (version, cipher, None),
    "implicit: SSL_* reach the delivery command, FIXSMTPIOTLS does not")
imp.stop()
done()
