#!/usr/bin/env python3
"""authup smtp checkpassword-cdb checknotroot fixsmtpio msmtpd --inetd under
tcpserver, with the example rules: real clients (python3 smtplib login()
with PLAIN and LOGIN, swaks --auth PLAIN and LOGIN, curl smtp:// --user),
the server running as the user, checknotroot refusing a uid-0 record, and
POP3 through checkpassword-cdb to dovecot's pop3."""

import base64
import re
import os
import smtplib
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403

if os.geteuid() != 0:
    skip_all("needs root (checkpassword-cdb switches to the users' uids)")

UID = 65534
os.chmod(TMP, 0o711)
with open(os.path.join(TOP, "examples", "fixsmtpio")) as fh:
    SEED = fh.read()
ctl = controldir(me="mx.example.org\n", fixsmtpio=SEED,
                 smtpcapabilities="PIPELINING\n8BITMIME\n",
                 pop3capabilities="TOP\nUIDL\n")
os.chmod(ctl, 0o755)
home = os.path.join(TMP, "alice")
md = os.path.join(home, "Maildir")
for sub in ("tmp", "new", "cur"):
    os.makedirs(os.path.join(md, sub))
for d in (home, md) + tuple(os.path.join(md, s) for s in ("tmp", "new",
                                                             "cur")):
    os.chown(d, UID, UID)


def cdbpasswd(*args, password=b""):
    r = subprocess.run([os.path.join(BUILD, "bin", "cdbpasswd")] +
                       list(args), input=password, capture_output=True,
                       env=environ(CONTROLDIR=ctl), timeout=60)
    if r.returncode:
        diag(r.stderr.decode())
    return r.returncode


is_(cdbpasswd("add", "alice", str(UID), str(UID), home,
              password=b"secret pw\n"), 0, "cdbpasswd add alice")
is_(cdbpasswd("--allow-root", "add", "root", "0", "0", "/",
              password=b"rootpw\n"), 0, "cdbpasswd add a uid-0 record")
os.chmod(os.path.join(ctl, "passwd.cdb"), 0o644)


def cpw():
    a = prog("checkpassword-cdb")
    if VALGRIND:
        a.insert(1, "--vgdb=no")
        os.chmod(VGDIR, 0o1777)
    return a


srv = TCPServer(prog("authup") + ["smtp"] + cpw() + ["checknotroot"] +
                prog("fixsmtpio") + msmtpd(md),
                env=environ(CONTROLDIR=ctl, AUTHUP_PAUSE="0"), name="smtp")


def b64(data):
    return base64.b64encode(data).decode()


def delivered(count):
    return messages(md, count, timeout=30)


# smtplib, PLAIN (its first choice among PLAIN and LOGIN).
s = smtplib.SMTP("127.0.0.1", srv.port, timeout=30)
s.ehlo("client.example")
ok(s.has_extn("auth") and "PLAIN" in s.esmtp_features["auth"],
   "smtplib sees AUTH PLAIN")
code, text = s.login("alice", "secret pw")
is_((code, text), (235, b"ok, go ahead (#2.0.0)"), "smtplib login(): 235")
s.sendmail("alice@example.org", ["bob@example.net"],
           b"Subject: via smtplib\r\n\r\nhello\r\n")
s.quit()
got = delivered(1)
ok(len(got) == 1 and b"Subject: via smtplib" in got[0],
   "smtplib: the message was delivered")
files = sorted(os.listdir(os.path.join(md, "new")))
st = os.stat(os.path.join(md, "new", files[0]))
is_(st.st_uid, UID, "the server (and its delivery) ran as the user's uid")

# smtplib, LOGIN.
s = smtplib.SMTP("127.0.0.1", srv.port, timeout=30)
s.ehlo("client.example")
s.esmtp_features["auth"] = "LOGIN"
is_(s.login("alice", "secret pw")[0], 235, "smtplib login() with LOGIN")
s.sendmail("alice@example.org", ["bob@example.net"],
           b"Subject: via LOGIN\r\n\r\nhello\r\n")
s.quit()
ok(len(delivered(2)) == 2, "LOGIN: delivered")
s = smtplib.SMTP("127.0.0.1", srv.port, timeout=30)
s.ehlo("client.example")
try:
    s.login("alice", "wrong")
    ok(False, "smtplib with a wrong password fails")
except smtplib.SMTPAuthenticationError as e:
    is_(e.smtp_code, 535, "smtplib with a wrong password: 535")
try:
    s.login("nobody", "secret pw")
    ok(False, "smtplib with an unknown name fails")
except smtplib.SMTPAuthenticationError as e:
    is_(e.smtp_code, 535, "an unknown name: the same 535")
s.close()

# swaks, PLAIN and LOGIN.
for mech in ("PLAIN", "LOGIN"):
    r = subprocess.run(["swaks", "--server", "127.0.0.1:%d" % srv.port,
                        "--from", "alice@example.org",
                        "--to", "bob@example.net", "--auth", mech,
                        "--auth-user", "alice", "--auth-password",
                        "secret pw", "--header", "Subject: swaks " + mech,
                        "--timeout", "30"], capture_output=True, text=True)
    is_(r.returncode, 0, "swaks --auth %s: exit 0" % mech)
    like(r.stdout, r"<[-~]  235 ok, go ahead", "swaks %s: 235" % mech)
ok(len(delivered(4)) == 4, "swaks: both delivered")

# curl smtp:// --user.
body = os.path.join(TMP, "curl.eml")
with open(body, "wb") as fh:
    fh.write(b"Subject: via curl\r\n\r\nhello from curl\r\n")
r = subprocess.run(["curl", "-sS", "--max-time", "30",
                    "smtp://127.0.0.1:%d/client.example" % srv.port,
                    "--user", "alice:secret pw",
                    "--mail-from", "alice@example.org",
                    "--mail-rcpt", "bob@example.net", "-T", body],
                   capture_output=True, text=True)
is_(r.returncode, 0, "curl smtp:// --user: exit 0")
got = delivered(5)
ok(len(got) == 5 and any(b"hello from curl" in m for m in got),
   "curl: delivered")

# checknotroot: a record with uid 0 never gets a session.
c = SMTP(srv.port)
c.text()
c.cmd("EHLO c")
is_(c.cmd("AUTH PLAIN " + b64(b"\0root\0rootpw")),
    "535 5.7.8 Authentication credentials invalid",
    "a uid-0 record: checknotroot refuses, the client sees a rejection")
c.cmd("QUIT")
srv.ends(8)
log = srv.text()
like(log, r"checknotroot: fatal: [0-9a-f]{16}: refusing to run \S+ as root",
     "checknotroot says why")
like(log, r"authup: info: [0-9a-f]{16}: pid \d+: smtp: user root from 127\.0\.0\.1: "
     r"rejected", "and authup logs the attempt as rejected")
is_(len(re.findall(r"authup: info: .* user alice .* accepted", log)), 5,
    "five accepted attempts logged for alice")
ok("secret pw" not in log and b64(b"\0alice\0secret pw") not in log,
   "no password in the log")
srv.stop()

# POP3 through checkpassword-cdb to dovecot's pop3, as the user.
srv = TCPServer(prog("authup") + ["pop3"] + cpw() + ["checknotroot",
                                                      helper("pop3d")],
                env=environ(CONTROLDIR=ctl, AUTHUP_PAUSE="0"), name="pop3")
import poplib  # noqa: E402
cl = poplib.POP3("127.0.0.1", srv.port, timeout=30)
cl.user("alice")
cl.pass_("secret pw")
is_(cl.stat()[0], 5, "poplib: the five messages, served as the user")
resp, lines, octets = cl.retr(1)
ok(b"Subject: via smtplib" in b"\n".join(lines), "RETR 1")
cl.quit()
cl = poplib.POP3("127.0.0.1", srv.port, timeout=30)
cl.user("alice")
try:
    cl.pass_("wrong")
    ok(False, "poplib: wrong password fails")
except poplib.error_proto as e:
    is_(str(e), "b'-ERR authorization failed'", "poplib: wrong password")
srv.stop()
done()
