#!/usr/bin/env python3
"""ucspitlsd in front of fixsmtpio and a real server (msmtpd --inetd):
STARTTLS offered by fixsmtpio through UCSPI-TLS once, a message delivered
over TLS with python's smtplib and with swaks, and implicit TLS (-i) with
smtplib.SMTP_SSL."""

import os
import smtplib
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403
from tlsclient import context  # noqa: E402
from tlsfixture import make_ca, make_cert  # noqa: E402

ca = make_ca(TMP)
cert = make_cert(TMP, "mail", ca, dns=["mail.example.org"])
with open(os.path.join(TOP, "examples", "fixsmtpio")) as fh:
    ctl = controldir(me="mail.example.org\n", fixsmtpio=fh.read())
md = maildir()
tls = context(ca.cert)
tls.check_hostname = False  # smtplib would check 127.0.0.1
env = environ(CONTROLDIR=ctl, CERTFILE=cert.cert, KEYFILE=cert.key,
              UCSPITLS="")

srv = TCPServer(prog("ucspitlsd") + prog("fixsmtpio") + msmtpd(md), env=env,
                name="starttls")
s = smtplib.SMTP("127.0.0.1", srv.port, timeout=60)
code, msg = s.ehlo("client.example")
ok(code == 250 and s.has_extn("starttls"), "fixsmtpio offers STARTTLS")
code, msg = s.starttls(context=tls)
is_(code, 220, "STARTTLS: 220")
is_(s.sock.version(), "TLSv1.3", "TLS 1.3 through ucspitlsd")
code, msg = s.ehlo("client.example")
ok(code == 250 and not s.has_extn("starttls"),
   "after TLS, STARTTLS is not offered again")
s.sendmail("a@example.org", ["b@example.net"],
           b"Subject: over TLS\r\n\r\nhello through ucspitlsd\r\n")
s.quit()
got = messages(md, 1)
ok(len(got) == 1 and b"hello through ucspitlsd" in got[0],
   "the message is delivered")
is_(srv.ends(1), [0], "fixsmtpio exits 0")

r = subprocess.run(["swaks", "--server", "127.0.0.1", "--port",
                    str(srv.port), "--tls", "--tls-verify", "--tls-ca-path",
                    ca.cert, "--tls-sni", "mail.example.org",
                    "--helo", "client.example", "--from", "a@example.org",
                    "--to", "c@example.net", "--header", "Subject: swaks",
                    "--body", "swaks over TLS"], capture_output=True,
                   timeout=120)
out = r.stdout.decode("utf-8", "replace")
is_(r.returncode, 0, "swaks --tls: exit 0")
like(out, r"TLS started with cipher TLSv1\.3", "swaks sees TLS 1.3")
ok(len(messages(md, 2)) == 2, "swaks's message is delivered")
srv.stop()

srv = TCPServer(prog("ucspitlsd") + ["-i"] + prog("fixsmtpio") + msmtpd(md),
                env=env, name="implicit")
s = smtplib.SMTP_SSL("127.0.0.1", srv.port, timeout=60, context=tls)
code, msg = s.ehlo("client.example")
ok(code == 250 and not s.has_extn("starttls"),
   "implicit TLS: fixsmtpio offers no STARTTLS")
s.sendmail("a@example.org", ["d@example.net"],
           b"Subject: implicit\r\n\r\nport 465\r\n")
s.quit()
got = messages(md, 3)
ok(len(got) == 3 and any(b"port 465" in m for m in got),
   "implicit TLS: delivered")
srv.stop()
done()
