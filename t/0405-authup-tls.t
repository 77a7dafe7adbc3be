#!/usr/bin/env python3
"""authup under ucspitlsd, SMTP and POP3, with TLS required ('!'),
offered ('') and implicit (-i): what is advertised and refused before TLS,
AUTH and USER/PASS after STARTTLS or STLS with real clients (swaks --tls
--auth, smtplib starttls() and login(), poplib stls(), curl pop3://
--ssl-reqd and pop3s://), STARTTLS never offered again (by authup or by
fixsmtpio behind it), plaintext pipelined after STARTTLS dropped, and the
SSL_* variables reaching checkpassword and the server's delivery.

The servers are real: fixsmtpio with the example rules in front of msmtpd
--inetd, delivering through qmail-qfilter-addtlsheader behind a filter that
notes its environment, and dovecot's pop3 run preauthenticated
(t/helpers/pop3d). The checkpassword is the scripted t/helpers/checkpw,
because the cases need to see what checkpassword was given (the SSL_*
variables, and that an AUTH sent in plaintext after STARTTLS never reached
it); checkpassword-cdb's own TLS chain runs in the demo (t/0900)."""

import base64
import os
import poplib
import re
import smtplib
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403
from tlsclient import Session, context  # noqa: E402
from tlsfixture import make_ca, make_cert  # noqa: E402

if os.geteuid() != 0:
    skip_all("needs root (dovecot's pop3 runs as the user)")

NAME = "mx.example.org"
UID = 65534
ca = make_ca(TMP)
cert = make_cert(TMP, "mx", ca, dns=[NAME])
with open(os.path.join(TOP, "examples", "fixsmtpio")) as fh:
    ctl = controldir(me=NAME + "\n", fixsmtpio=fh.read(),
                     smtpcapabilities="PIPELINING\n8BITMIME\n",
                     pop3capabilities="TOP\nUIDL\n")
os.chmod(TMP, 0o755)
cplog = os.path.join(TMP, "checkpw.log")
USERS = "alice:secret pw"
PLAIN = base64.b64encode(b"\0alice\0secret pw").decode()

# SMTP: msmtpd delivers into md through a filter that notes the TLS
# variables, then qmail-qfilter-addtlsheader.
md = maildir()
envdir = os.path.join(TMP, "env")
os.makedirs(envdir)
envfilter = os.path.join(TMP, "envfilter")
with open(envfilter, "w") as fh:
    fh.write("#!/bin/sh\nenv | grep -E '^(SSL_|FIXSMTPIOTLS=|AUTHUP_USER=|"
             "UCSPITLS=|SSL[A-Z]*FD=)' >%s/$$\n"
             "exec qmail-qfilter-addtlsheader\n" % envdir)
os.chmod(envfilter, 0o755)
SMTPD = prog("fixsmtpio") + [
    "msmtpd", "--inetd",
    "--command=%s --filter %s %s" % (helper("deliver"), envfilter, md)]
TLSENV = dict(CONTROLDIR=ctl, CERTFILE=cert.cert, KEYFILE=cert.key,
              CHECKPW_USERS=USERS, CHECKPW_LOG=cplog, AUTHUP_PAUSE="0")


def server(name, proto, level, implicit=False, backend=None, **extra):
    argv = prog("ucspitlsd") + (["-i"] if implicit else []) + \
        prog("authup") + [proto, helper("checkpw")] + (backend or SMTPD)
    env = dict(TLSENV, UCSPITLS=level, **extra)
    return TCPServer(argv, env=environ(**env), name=name)


def checkpw_log():
    if not os.path.exists(cplog):
        return []
    with open(cplog) as fh:
        lines = fh.read().splitlines()
    open(cplog, "w").close()
    return lines


mails = 0


def delivered(name):
    """The one new message in md, and what its delivery command saw."""
    global mails
    mails += 1
    got = messages(md, mails, timeout=30)
    is_(len(got), mails, "%s: delivered" % name)
    notes = sorted(os.listdir(envdir))
    env = {}
    for f in notes:
        with open(os.path.join(envdir, f)) as fh:
            env = dict(line.rstrip("\n").split("=", 1) for line in fh
                       if "=" in line)
        os.unlink(os.path.join(envdir, f))
    is_(len(notes), 1, "%s: the delivery command ran once" % name)
    return (got[-1] if got else b""), env


def tls_header(msg):
    """The Received field naming a TLS cipher, unfolded, or None."""
    head = msg.split(b"\n\n", 1)[0].decode("ascii", "replace")
    fields = [re.sub(r"\n([ \t])", r"\1", f)
              for f in re.split(r"\n(?![ \t])", head)]
    found = [f for f in fields if f.startswith("Received:") and
             " cipher " in f]
    return found[0] if len(found) == 1 else None


def check_tls(name, msg, env, version, cipher):
    """The message and the delivery carry this session's TLS."""
    like(tls_header(msg), r"^Received: \(authup user alice, %s cipher %s\); "
         % (re.escape(version), re.escape(cipher)),
         "%s: one TLS Received header naming authup's user, %s, %s" %
         (name, version, cipher))
    is_((env.get("SSL_PROTOCOL"), env.get("SSL_CIPHER"),
         env.get("AUTHUP_USER"), env.get("FIXSMTPIOTLS")),
        (version, cipher, "alice", None),
        "%s: SSL_* and AUTHUP_USER reach the delivery command" % name)
    is_(sorted(k for k in env if k.startswith(("UCSPITLS", "SSLCTL", "SSLR",
                                               "SSLW"))), [],
        "%s: no UCSPITLS, no UCSPI-TLS descriptors" % name)


def check_checkpw(name, version, cipher):
    log = checkpw_log()
    is_(len(log), 1, "%s: checkpassword ran once" % name)
    like(log[-1] if log else "", r"^user=alice .* AUTHUP_USER=alice .* "
         r"SSL_PROTOCOL=%s SSL_CIPHER=%s$" % (re.escape(version),
                                              re.escape(cipher)),
         "%s: and was given the TLS variables" % name)


tls = context(ca.cert)
first = "530 5.7.0 Must issue a STARTTLS command first"

# SMTP, TLS required.
srv = server("smtp-required", "smtp", "!")
s = Session(srv.port, tls, NAME, starttls=False)
is_(s.greeting, "220 %s ESMTP" % NAME, "required: greeting")
is_(s.cmd("EHLO client.example"),
    "250-%s\n250-PIPELINING\n250-8BITMIME\n250 STARTTLS" % NAME,
    "required: EHLO offers STARTTLS and no AUTH")
is_(s.cmd("AUTH PLAIN " + PLAIN), first, "required: AUTH before TLS: 530")
is_(s.cmd("AUTH LOGIN"), first, "required: AUTH LOGIN before TLS: 530")
is_(s.cmd("MAIL FROM:<alice@example.org>"), first,
    "required: MAIL before TLS: 530")
is_(s.cmd("NOOP"), "250 2.0.0 ok", "required: NOOP is answered")
is_(checkpw_log(), [], "required: checkpassword never ran")
is_(s.cmd("STARTTLS"), "220 2.0.0 Ready to start TLS", "required: STARTTLS")
s.sock = tls.wrap_socket(s.sock, server_hostname=NAME)
version, cipher = s.sock.version(), s.sock.cipher()[0]
is_(s.cmd("AUTH PLAIN " + PLAIN), "503 5.5.1 Send EHLO first",
    "required: inside TLS the EHLO from before is forgotten")
is_(s.cmd("EHLO client.example"),
    "250-%s\n250-PIPELINING\n250-8BITMIME\n250 AUTH PLAIN LOGIN" % NAME,
    "required: EHLO inside TLS: AUTH, and STARTTLS no more")
is_(s.cmd("STARTTLS"), "503 5.5.1 TLS already active",
    "required: STARTTLS again: 503")
is_(s.cmd("AUTH PLAIN " + PLAIN), "235 ok, go ahead (#2.0.0)",
    "required: AUTH inside TLS: 235")
check_checkpw("required", version, cipher)
is_(s.cmd("STARTTLS"), "503 5.5.1 TLS already active",
    "required: fixsmtpio refuses STARTTLS: TLS is active")
is_(s.cmd("MAIL FROM:<alice@example.org>"), "250 Ok", "required: MAIL")
is_(s.cmd("RCPT TO:<bob@example.net>"), "250 Ok", "required: RCPT")
is_(s.cmd("DATA"), "354 Send data", "required: DATA")
is_(s.cmd("Subject: required\r\n\r\nover TLS\r\n."),
    "250 Ok, mail was piped", "required: the message")
is_(s.cmd("QUIT"), "221 " + NAME, "required: QUIT")
s.close()
is_(srv.ends(1), [0], "required: exit 0")
msg, env = delivered("required")
check_tls("required", msg, env, version, cipher)
like(srv.text(), r"authup: info: [0-9a-f]{16}: pid \d+: smtp: user alice from "
     r"127\.0\.0\.1: accepted \(session exit 0\)", "required: logged")

# Plaintext pipelined after STARTTLS is dropped: the AUTH never reaches
# checkpassword, and nothing is answered for it inside TLS.
s = Session(srv.port, tls, NAME, starttls=False)
s.cmd("EHLO client.example")
s.send("STARTTLS\r\nAUTH PLAIN %s\r\nMAIL FROM:<x@example.org>\r\n" % PLAIN)
is_(s.reply(), "220 2.0.0 Ready to start TLS",
    "injection: STARTTLS, AUTH and MAIL in one write: 220")
is_(s.buf, b"", "injection: nothing more in plaintext")
s.sock = tls.wrap_socket(s.sock, server_hostname=NAME)
is_(s.cmd("NOOP"), "250 2.0.0 ok",
    "injection: the first reply inside TLS is NOOP's")
is_(s.cmd("QUIT"), "221 2.0.0 " + NAME, "injection: QUIT")
s.close()
is_(srv.ends(2)[1:], [0], "injection: exit 0")
is_(checkpw_log(), [], "injection: checkpassword never ran")

# smtplib: starttls(), login(), sendmail().
ctx = context(ca.cert)
ctx.check_hostname = False  # smtplib would check 127.0.0.1
c = smtplib.SMTP("127.0.0.1", srv.port, timeout=60)
c.ehlo("client.example")
ok(c.has_extn("starttls") and not c.has_extn("auth"),
   "smtplib: STARTTLS and no AUTH before TLS")
try:
    c.login("alice", "secret pw")
    ok(False, "smtplib: login() before TLS fails")
except smtplib.SMTPException as e:
    ok(True, "smtplib: login() before TLS fails (%s)" % type(e).__name__)
is_(c.starttls(context=ctx)[0], 220, "smtplib: starttls()")
version, cipher = c.sock.version(), c.sock.cipher()[0]
c.ehlo("client.example")
ok(c.has_extn("auth") and not c.has_extn("starttls"),
   "smtplib: AUTH and no STARTTLS inside TLS")
is_(c.login("alice", "secret pw"), (235, b"ok, go ahead (#2.0.0)"),
    "smtplib: login()")
c.sendmail("alice@example.org", ["bob@example.net"],
           b"Subject: smtplib\r\n\r\nhello\r\n")
c.quit()
is_(srv.ends(3)[2:], [0], "smtplib: exit 0")
check_checkpw("smtplib", version, cipher)
msg, env = delivered("smtplib")
ok(b"Subject: smtplib" in msg, "smtplib: the message")
check_tls("smtplib", msg, env, version, cipher)

# swaks --tls --auth, PLAIN and LOGIN.
for mech in ("PLAIN", "LOGIN"):
    r = subprocess.run(["swaks", "--server", "127.0.0.1:%d" % srv.port,
                        "--tls", "--tls-verify", "--tls-ca-path", ca.cert,
                        "--tls-sni", NAME, "--auth", mech, "--auth-user",
                        "alice", "--auth-password", "secret pw",
                        "--from", "alice@example.org", "--to",
                        "bob@example.net", "--header", "Subject: swaks " +
                        mech, "--timeout", "60"],
                       capture_output=True, text=True, timeout=120)
    name = "swaks --tls --auth " + mech
    is_(r.returncode, 0, "%s: exit 0" % name)
    like(r.stdout, r"<~  235 ok, go ahead", "%s: 235 inside TLS" % name)
    m = re.search(r"TLS started with cipher (TLSv[\d.]+):([\w-]+):", r.stdout)
    ok(m, "%s: TLS started" % name)
    is_([l for l in r.stdout.splitlines() if "STARTTLS" in l and
         l.startswith("<~")], [], "%s: no STARTTLS offered inside TLS" % name)
    if m:
        check_checkpw(name, m.group(1), m.group(2))
        msg, env = delivered(name)
        check_tls(name, msg, env, m.group(1), m.group(2))
srv.stop()

# fixsmtpio behind authup offers no STARTTLS after TLS, even when the
# server offers it: here the stand-in t/helpers/fakesmtpd --starttls, since
# msmtpd ends the session at a second EHLO (fixsmtpio sent it the first,
# the client's from AUTHUP_HELO).
srv = server("smtp-fake", "smtp", "!", backend=prog("fixsmtpio") + [
    helper("fakesmtpd"), "--starttls", "--auth"])
s = Session(srv.port, tls, NAME)
s.cmd("EHLO client.example")
is_(s.cmd("AUTH PLAIN " + PLAIN), "235 ok, go ahead (#2.0.0)",
    "behind authup: AUTH inside TLS")
checkpw_log()
is_(s.cmd("EHLO client.example"),
    "250-%s\n250-PIPELINING\n250-8BITMIME\n250 SIZE 10240000" % NAME,
    "behind authup: fixsmtpio's EHLO reply has neither the server's "
    "STARTTLS nor its own, nor AUTH")
is_(s.cmd("STARTTLS"), "503 5.5.1 TLS already active",
    "behind authup: STARTTLS: 503")
is_(s.cmd("QUIT"), "221 " + NAME, "behind authup: QUIT")
s.close()
is_(srv.ends(1), [0], "behind authup: exit 0")
srv.stop()

# SMTP, TLS offered: AUTH works before TLS too.
srv = server("smtp-offered", "smtp", "")
s = Session(srv.port, tls, NAME, starttls=False)
is_(s.cmd("EHLO client.example"),
    "250-%s\n250-PIPELINING\n250-8BITMIME\n250-AUTH PLAIN LOGIN\n"
    "250 STARTTLS" % NAME, "offered: EHLO offers AUTH and STARTTLS")
is_(s.cmd("AUTH PLAIN " + PLAIN), "235 ok, go ahead (#2.0.0)",
    "offered: AUTH in plaintext: 235")
log = checkpw_log()
like(log[0] if log else "", r"SSL_PROTOCOL=- SSL_CIPHER=-$",
     "offered: checkpassword ran without TLS variables")
is_(s.cmd("STARTTLS"), "502 5.5.1 STARTTLS not offered",
    "offered: fixsmtpio under authup does not offer STARTTLS: authup "
    "keeps TLS to itself")
is_(s.cmd("QUIT"), "221 " + NAME, "offered: QUIT")
s.close()
is_(srv.ends(1), [0], "offered: exit 0")
srv.stop()

# SMTP, implicit TLS: AUTH at once, no STARTTLS.
srv = server("smtp-implicit", "smtp", "", implicit=True)
c = smtplib.SMTP_SSL("127.0.0.1", srv.port, timeout=60, context=ctx)
code, text = c.ehlo("client.example")
is_(text, ("%s\nPIPELINING\n8BITMIME\nAUTH PLAIN LOGIN" % NAME).encode(),
    "implicit: EHLO offers AUTH, no STARTTLS")
is_(c.docmd("STARTTLS"), (503, b"5.5.1 TLS already active"),
    "implicit: STARTTLS: 503")
version, cipher = c.sock.version(), c.sock.cipher()[0]
is_(c.login("alice", "secret pw")[0], 235, "implicit: login()")
c.sendmail("alice@example.org", ["bob@example.net"],
           b"Subject: implicit\r\n\r\nport 465\r\n")
c.quit()
is_(srv.ends(1), [0], "implicit: exit 0")
check_checkpw("implicit", version, cipher)
msg, env = delivered("implicit")
check_tls("implicit", msg, env, version, cipher)
srv.stop()

# POP3 against dovecot's pop3, as the user checkpw switches to.
home = os.path.join(TMP, "home")
pmd = os.path.join(home, "Maildir")
for sub in ("tmp", "new", "cur"):
    os.makedirs(os.path.join(pmd, sub))
MSG = b"From: a@example.org\nSubject: pop3 over TLS\n\nbody\n"
with open(os.path.join(pmd, "new", "1.test"), "wb") as fh:
    fh.write(MSG)
for dirpath, dirs, files in os.walk(home):
    for n in dirs + files:
        os.chown(os.path.join(dirpath, n), UID, UID)
os.chown(home, UID, UID)
POP3D = [helper("pop3d")]
pop_env = dict(CHECKPW_UID=str(UID), CHECKPW_HOME=home)

srv = server("pop3-required", "pop3", "!", backend=POP3D, **pop_env)
c = SMTP(srv.port, timeout=60)
like(c.line(), r"^\+OK <", "pop3 required: greeting")


def capa(c):
    c.send("CAPA\r\n")
    lines = [c.line()]
    while lines[-1] != ".":
        lines.append(c.line())
    return lines


is_(capa(c), ["+OK Capability list follows", "STLS", "TOP", "UIDL", "."],
    "pop3 required: CAPA: STLS, no USER, no SASL")
c.send("USER alice\r\n")
is_(c.line(), "-ERR Must issue a STLS command first",
    "pop3 required: USER before STLS: -ERR")
c.send("AUTH PLAIN %s\r\n" % PLAIN)
is_(c.line(), "-ERR Must issue a STLS command first",
    "pop3 required: AUTH before STLS: -ERR")
c.send("PASS secret pw\r\n")
is_(c.line(), "-ERR Must issue a STLS command first",
    "pop3 required: PASS before STLS: -ERR")
c.send("STLS\r\nUSER alice\r\n")
is_(c.line(), "+OK Begin TLS negotiation",
    "pop3 required: STLS and USER in one write: +OK")
is_(c.buf, b"", "pop3 required: nothing more in plaintext")
c.sock = tls.wrap_socket(c.sock, server_hostname=NAME)
version, cipher = c.sock.version(), c.sock.cipher()[0]
c.send("PASS secret pw\r\n")
is_(c.line(), "-ERR USER first",
    "pop3 required: the USER pipelined after STLS was dropped")
is_(capa(c), ["+OK Capability list follows", "USER", "SASL PLAIN", "TOP",
              "UIDL", "."], "pop3 required: CAPA inside TLS: no STLS")
c.send("STLS\r\n")
is_(c.line(), "-ERR TLS already active", "pop3 required: STLS again")
c.send("USER alice\r\n")
is_(c.line(), "+OK", "pop3 required: USER inside TLS")
c.send("PASS secret pw\r\n")
is_(c.line(), "+OK logged in", "pop3 required: PASS: the server's +OK")
c.send("STAT\r\n")
is_(c.line(), "+OK 1 %d" % len(MSG.replace(b"\n", b"\r\n")),
    "pop3 required: dovecot serves the Maildir")
c.send("QUIT\r\n")
like(c.line(), r"^\+OK", "pop3 required: QUIT")
c.close()
is_(srv.ends(1), [0], "pop3 required: exit 0")
check_checkpw("pop3 required", version, cipher)

# poplib's stls(), then user() and pass_().
p = poplib.POP3("127.0.0.1", srv.port, timeout=60)
try:
    p.user("alice")
    ok(False, "poplib: user() before TLS fails")
except poplib.error_proto as e:
    is_(str(e), "b'-ERR Must issue a STLS command first'",
        "poplib: user() before TLS: -ERR")
like(p.stls(context=ctx).decode(), r"^\+OK", "poplib: stls()")
version, cipher = p.sock.version(), p.sock.cipher()[0]
p.user("alice")
p.pass_("secret pw")
is_(p.stat()[0], 1, "poplib: STAT after stls(), user(), pass_()")
resp, lines, octets = p.retr(1)
is_(b"\n".join(lines) + b"\n", MSG, "poplib: the message byte for byte")
p.quit()
is_(srv.ends(2)[1:], [0], "poplib: exit 0")
check_checkpw("poplib", version, cipher)

# curl pop3:// --ssl-reqd (STLS) and, under -i, pop3s://.
for url, implicit in (("pop3://127.0.0.1:%d/1", False),
                      ("pop3s://127.0.0.1:%d/1", True)):
    name = "curl " + url.split(":")[0] + "://"
    if implicit:
        srv.stop()
        srv = server("pop3-implicit", "pop3", "", implicit=True,
                     backend=POP3D, **pop_env)
    r = subprocess.run(["curl", "-sS", "--max-time", "60", "--cacert",
                        ca.cert, "--resolve", "%s:%d:127.0.0.1" %
                        (NAME, srv.port), url.replace("127.0.0.1", NAME) %
                        srv.port, "--user", "alice:secret pw"] +
                       ([] if implicit else ["--ssl-reqd"]),
                       capture_output=True, timeout=120)
    is_(r.returncode, 0, "%s: exit 0" % name)
    if r.returncode:
        diag(r.stderr.decode())
    is_(r.stdout.replace(b"\r\n", b"\n"), MSG, "%s: the message" % name)
    log = checkpw_log()
    like(log[-1] if log else "", r"SSL_PROTOCOL=TLSv1\.[23] SSL_CIPHER=\S+$",
         "%s: checkpassword was given the TLS variables" % name)
c = SMTP(srv.port, timeout=60)
c.sock = ctx.wrap_socket(c.sock)
like(c.line(), r"^\+OK <", "pop3 implicit: greeting inside TLS")
is_(capa(c), ["+OK Capability list follows", "USER", "SASL PLAIN", "TOP",
              "UIDL", "."], "pop3 implicit: CAPA: no STLS")
c.send("STLS\r\n")
is_(c.line(), "-ERR TLS already active", "pop3 implicit: STLS: -ERR")
c.close()
srv.stop()
done()
