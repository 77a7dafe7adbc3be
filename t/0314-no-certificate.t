#!/usr/bin/env python3
"""A certificate that cannot be used (missing, here) must not stop mail:
on port 25 (STARTTLS offered) the session goes on without TLS, one warning a
connection, and the message is delivered; where TLS is required (UCSPITLS=!)
the client hears a temporary refusal, from fixsmtpio (421), authup smtp
(421) or authup pop3 (-ERR [SYS/TEMP]), not a bare close; under implicit
TLS the connection closes, with the log line."""

import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403

with open(os.path.join(TOP, "examples", "fixsmtpio")) as fh:
    SEED = fh.read()
ctl = controldir(me="mx.example.org\n", fixsmtpio=SEED, smtpcapabilities="",
                 pop3capabilities="")
md = maildir()
gone = dict(CERTFILE=os.path.join(TMP, "gone.pem"))


def warnings(srv):
    return [l for l in srv.text().splitlines() if ": warning: " in l or
            ": fatal: " in l]


# Port 25: STARTTLS offered, no certificate: mail goes on, without TLS.
srv = TCPServer(prog("ucspitlsd") + prog("fixsmtpio") + msmtpd(md),
                env=environ(CONTROLDIR=ctl, UCSPITLS="", **gone), name="mx")
c = SMTP(srv.port)
is_(c.text(), "220 mx.example.org ESMTP", "port 25: the greeting comes")
ehlo = c.cmd("EHLO client.example")
ok("STARTTLS" not in ehlo, "STARTTLS is not offered")
is_(c.cmd("STARTTLS"), "502 5.5.1 STARTTLS not offered", "nor taken")
c.cmd("MAIL FROM:<a@example.org>")
c.cmd("RCPT TO:<b@example.org>")
c.cmd("DATA")
c.send(b"Subject: no cert\r\n\r\nstill delivered\r\n.\r\n")
like(c.text(), r"^250 ", "the message is accepted")
c.cmd("QUIT")
is_(len(messages(md, 1)), 1, "and delivered")
is_(srv.ends(1), [0], "exit 0")
lines = warnings(srv)
is_(len(lines), 1, "one warning for the connection")
like(lines[0] if lines else "", r"^ucspitlsd: warning: [0-9a-f]{16}: unable to read "
     r"CERTFILE \S+gone\.pem: No such file or directory: no TLS for "
     r"127\.0\.0\.1, the session goes on without it", "  saying why")
srv.stop()

# TLS required: a temporary refusal in the protocol, not a bare close.
for name, argv, want in (
        ("fixsmtpio", prog("fixsmtpio") + msmtpd(md),
         "421 4.7.0 TLS is required and not available: try again later"),
        ("authup smtp", prog("authup") + ["smtp", helper("checkpw"), "true"],
         "421 4.7.0 TLS is required and not available: try again later"),
        ("authup pop3", prog("authup") + ["pop3", helper("checkpw"), "true"],
         "-ERR [SYS/TEMP] TLS is required and not available: try again "
         "later")):
    srv = TCPServer(prog("ucspitlsd") + argv,
                    env=environ(CONTROLDIR=ctl, UCSPITLS="!", **gone),
                    name="required-" + name.replace(" ", "-"))
    c = SMTP(srv.port)
    is_(c.line(), want, "%s, TLS required, no certificate: refused for now"
        % name)
    ok(c.closed(), "%s: then the close" % name)
    is_(srv.ends(1), [111], "%s: exit 111" % name)
    like(srv.text(), r"ucspitlsd: warning: [0-9a-f]{16}: unable to read CERTFILE",
         "%s: the log says why" % name)
    srv.stop()

# Implicit TLS: nothing can be said in clear.
srv = TCPServer(prog("ucspitlsd") + ["-i"] + prog("fixsmtpio") + msmtpd(md),
                env=environ(CONTROLDIR=ctl, **gone), name="implicit")
s = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
is_(s.recv(100), b"", "implicit TLS, no certificate: the connection closes")
s.close()
is_(srv.ends(1), [111], "exit 111")
like(srv.text(), r"ucspitlsd: fatal: [0-9a-f]{16}: unable to read CERTFILE", "with the log "
     "line")
srv.stop()
done()
