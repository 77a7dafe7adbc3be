#!/usr/bin/env python3
"""The submission service exactly as acceptutils' page writes it, with
tcpserver and ucspitlsd where it says sslserver -n, as INSTALL ("Switching
from acceptutils") tells: RELAYCLIENT='', UCSPITLS='!', SSL_UID and SSL_GID,
CERTFILE naming one file with the key and the certificate, reup -t 5 in
front of authup (pkgsrc's run script), checkpassword, checknotroot,
fixsmtpio and a server; control/fixsmtpio the page's rule file, byte for
byte, and control/smtpcapabilities made by the page's own command. A real
client does STARTTLS, fails and then succeeds at AUTH, sends mail, and is
refused a second AUTH as the page's rules say."""

import base64
import os
import smtplib
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403

if os.geteuid() != 0:
    skip_all("needs root (the TLS engine and checkpassword-cdb switch users)")
from chain import PASSWORD, TLS_ID, USER, Chain  # noqa: E402

# The rules from acceptutils' page, as an acceptutils user has them.
PAGE_RULES = """\
### For all users, authenticated or not:
# Prepend acceptutils link to HELP message, so problems go to fixsmtpio author
:help::*::&fixsmtpio_fixup
# Replace hostname in initial greeting
:greeting::2*::&fixsmtpio_fixup
# Replace hostname in HELO/EHLO response
:helo::2*::&fixsmtpio_fixup
:ehlo::2*::&fixsmtpio_fixup
# Replace hostname in QUIT response
:quit::2*::&fixsmtpio_fixup
# Adjust greylisting-spp messages to look more qmail-ish
:rcpt::451 GL - temporary*::451 greylisted, retry later (#4.7.1)
:data::451 GL - temporary*::451 greylisted, retry later (#4.7.1)
# Remove greeting for child process restarted after upgrading to STARTTLS
FIXSMTPIOTLS:greeting::2*::
########################################################################
### For users authenticated via authup(8):
# Replace greeting for child process started after authenticating
AUTHUP_USER:greeting::2*::235 ok, go ahead (#2.0.0)
# If client closes connection, tell authup the session succeeded
AUTHUP_USER:clienteof::*:0:
# If server greets us unhappily, preserve message, and tell authup to stop trying
AUTHUP_USER:greeting::4*:14:&fixsmtpio_noop
AUTHUP_USER:greeting::5*:15:&fixsmtpio_noop
# If server times out, hide message, and tell authup to stop trying
AUTHUP_USER:timeout::*:16:
# Don't permit server to advertise or respond to further AUTH
AUTHUP_USER:ehlo::250?AUTH*::
AUTHUP_USER:auth:NOOP :*::502 unimplemented (#5.5.1)
"""

chain = Chain(services=(), name="au")
ctl = chain.ctl
with open(os.path.join(ctl, "fixsmtpio"), "w") as fh:
    fh.write(PAGE_RULES)
r = subprocess.run([prog("fixsmtpio-rules")[-1], "check", "-s",
                    os.path.join(ctl, "fixsmtpio")],
                   capture_output=True, timeout=60)
is_((r.returncode, r.stderr), (0, b""),
    "the page's rule file checks clean, strictly")

server = ["msmtpd", "--inetd", "--command=%s %s" % (helper("deliver"),
                                                     chain.md)]
# The page: echo EHLO | ofmipd | sed -e '1,2d' -e 's|^....||' \
#     | egrep -v '^(STARTTLS|AUTH)' > control/smtpcapabilities
caps = subprocess.run("echo EHLO | %s | sed -e '1,2d' -e 's|^....||' "
                      "| egrep -v '^(STARTTLS|AUTH)'" % " ".join(server),
                      shell=True, capture_output=True, timeout=60).stdout
with open(os.path.join(ctl, "smtpcapabilities"), "wb") as fh:
    fh.write(caps)

# servercert.pem: the key and the certificate in one file, root's alone.
pem = os.path.join(TMP, "servercert.pem")
with open(pem, "wb") as out:
    for part in (chain.cert.key, chain.cert.cert):
        with open(part, "rb") as fh:
            out.write(fh.read())
os.chmod(pem, 0o600)

env = environ(CONTROLDIR=ctl, RELAYCLIENT="", UCSPITLS="!",
              SSL_UID=str(TLS_ID), SSL_GID=str(TLS_ID), CERTFILE=pem,
              AUTHUP_PAUSE="0")
srv = TCPServer(prog("ucspitlsd") + prog("reup") + ["-t", "5"] +
                prog("authup") + ["smtp"] + prog("checkpassword-cdb") +
                prog("checknotroot") + prog("fixsmtpio") + server,
                env=env, name="acceptutils")

s = smtplib.SMTP("127.0.0.1", srv.port, timeout=60)
code, _ = s.ehlo("client.example")
is_(code, 250, "EHLO")
ok(s.has_extn("starttls") and not s.has_extn("auth"),
   "UCSPITLS=!: STARTTLS offered, AUTH not before it")
s.starttls(context=chain.context())
s.ehlo("client.example")
ok(s.has_extn("auth"), "inside TLS: AUTH offered")
try:
    s.login(USER, "wrong")
    ok(False, "a wrong password is refused")
except smtplib.SMTPAuthenticationError as e:
    is_(e.smtp_code, 535, "a wrong password: 535, and the client may retry")
s.login(USER, PASSWORD)
ok(True, "the right password on the next try logs in")
s.sendmail("alice@example.org", ["bob@example.net"],
           b"Subject: switched\r\n\r\nfrom acceptutils\r\n")
got = [f for f in chain.delivered()]
is_(len(got), 1, "the message is delivered")
with open(got[0], "rb") as fh:
    ok(b"from acceptutils" in fh.read(), "whole")
code, resp = s.docmd("AUTH", "PLAIN")
is_((code, resp), (502, b"unimplemented (#5.5.1)"),
    "a second AUTH: the page's rule answers it")
# The rule hands the server "NOOP AUTH PLAIN", which ofmipd takes and
# msmtpd, which knows only MAIL and QUIT after EHLO, ends the session for;
# the client's close may come first.
s.close()
ok(srv.ends(1)[0] in (0, 12), "reup exits 0 (the client's close) or 12 "
   "(authup's word not to run it again, after msmtpd's exit 1)")

# Five wrong passwords: reup -t 5 means five, then the connection ends.
s = smtplib.SMTP("127.0.0.1", srv.port, timeout=60)
s.ehlo("client.example")
s.starttls(context=chain.context())
s.ehlo("client.example")
wrong = "PLAIN " + base64.b64encode(b"\0alice\0wrong").decode()
codes = [s.docmd("AUTH", wrong)[0] for _ in range(5)]
is_(codes, [535, 535, 535, 535, 421], "reup -t 5: five attempts, the last "
    "answered 421")
try:
    s.noop()
    ok(False, "then the connection is closed")
except smtplib.SMTPServerDisconnected:
    ok(True, "then the connection is closed")
is_(srv.ends(2)[1:], [12], "reup exits 12 again")
log = srv.text()
ok("fatal" not in log and "warning" not in log, "nothing went wrong in the "
   "log")
srv.stop()
done()
