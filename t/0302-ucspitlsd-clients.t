#!/usr/bin/env python3
"""ucspitlsd with other clients: gnutls-cli --starttls-proto=smtp and
openssl s_client -starttls smtp, TLS 1.2 and 1.3 each; implicit TLS (-i)
with openssl s_client and python's ssl, where prog runs on the plaintext
pipes as fds 0 and 1 with the variables in its environment and no
UCSPI-TLS descriptors."""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403
from tlsclient import Session, children, context  # noqa: E402
from tlsfixture import make_ca, make_cert  # noqa: E402

ca = make_ca(TMP)
cert = make_cert(TMP, "mail", ca, dns=["mail.example.org"])
env = environ(CERTFILE=cert.cert, KEYFILE=cert.key)


def client(argv, commands):
    r = subprocess.run(argv, input=commands.encode(), capture_output=True,
                       timeout=60)
    return r.returncode, r.stdout.decode("utf-8", "replace"), \
        r.stderr.decode("utf-8", "replace")


def variables(out):
    return dict(line[4:].split("=", 1) for line in out.splitlines()
                if line.startswith("250-SSL_") and "=" in line)


srv = TCPServer(prog("ucspitlsd") + [helper("tlsecho")], env=env,
                name="starttls")
port = str(srv.port)

for flag, version in (("--priority=NORMAL:-VERS-ALL:+VERS-TLS1.3", "1.3"),
                      ("--priority=NORMAL:-VERS-ALL:+VERS-TLS1.2", "1.2")):
    rc, out, err = client(
        ["gnutls-cli", "--starttls-proto=smtp", "--x509cafile", ca.cert,
         "--port", port, "--sni-hostname", "mail.example.org",
         "--verify-hostname", "mail.example.org", flag, "127.0.0.1"],
        "ENV\r\nQUIT\r\n")
    is_(rc, 0, "gnutls-cli TLS %s: exit 0" % version)
    v = variables(out)
    is_(v.get("SSL_PROTOCOL"), "TLSv" + version,
        "gnutls-cli TLS %s: SSL_PROTOCOL" % version)
    like(out, r"Description: \(TLS%s-X\.509\)" % re.escape(version),
         "gnutls-cli agrees on TLS %s" % version)
    ok("221 bye" in out, "gnutls-cli TLS %s: QUIT answered" % version)

for flag, version in (("-tls1_3", "1.3"), ("-tls1_2", "1.2")):
    rc, out, err = client(
        ["openssl", "s_client", "-starttls", "smtp", "-connect",
         "127.0.0.1:" + port, "-CAfile", ca.cert, "-servername",
         "mail.example.org", "-verify_hostname", "mail.example.org",
         "-verify_return_error", "-quiet", flag], "ENV\nQUIT\n")
    is_(rc, 0, "openssl s_client TLS %s: exit 0" % version)
    v = variables(out)
    is_(v.get("SSL_PROTOCOL"), "TLSv" + version,
        "openssl s_client TLS %s: SSL_PROTOCOL" % version)
    is_(v.get("SSL_TLS_SNI"), "mail.example.org",
        "openssl s_client TLS %s: SSL_TLS_SNI" % version)
    ok("221 bye" in out, "openssl s_client TLS %s: QUIT answered" % version)
is_(srv.ends(4), [0, 0, 0, 0], "prog exited 0 four times")
srv.stop()

# Implicit TLS: the handshake first.
srv = TCPServer(prog("ucspitlsd") + ["-i", helper("tlsecho")], env=env,
                name="implicit")
port = str(srv.port)
for flag, version in (("-tls1_3", "1.3"), ("-tls1_2", "1.2")):
    rc, out, err = client(
        ["openssl", "s_client", "-connect", "127.0.0.1:" + port, "-CAfile",
         ca.cert, "-servername", "mail.example.org", "-verify_hostname",
         "mail.example.org", "-verify_return_error", "-quiet", flag],
        "EHLO x\nENV\nQUIT\n")
    is_(rc, 0, "implicit, openssl s_client TLS %s: exit 0" % version)
    ok(out.startswith("220 tlsecho ready"),
       "implicit TLS %s: the greeting comes over TLS" % version)
    ok("250-STARTTLS" not in out,
       "implicit TLS %s: no STARTTLS offered: no UCSPI-TLS" % version)
    v = variables(out)
    is_(v.get("SSL_PROTOCOL"), "TLSv" + version,
        "implicit TLS %s: SSL_PROTOCOL in prog's environment" % version)

s = Session(srv.port, context(ca.cert), "mail.example.org", starttls=False,
            implicit=True)
is_(s.greeting, "220 tlsecho ready", "python ssl, implicit: greeting")
e = s.env()
for var in ("SSLCTLFD", "SSLREADFD", "SSLWRITEFD", "CERTFILE", "KEYFILE"):
    ok(var not in e, "implicit: no %s" % var)
is_(e.get("SSL_CLIENT_VERIFY"), "NONE", "implicit: SSL_CLIENT_VERIFY")
app = s.pid()
fds = {}
for fd in (0, 1):
    fds[fd] = os.readlink("/proc/%d/fd/%d" % (app, fd))
ok(fds[0].startswith("pipe:") and fds[1].startswith("pipe:"),
   "implicit: prog's fds 0 and 1 are pipes, not the network")
ok(not any(os.readlink("/proc/%d/fd/%s" % (app, fd)).startswith("socket:")
           for fd in os.listdir("/proc/%d/fd" % app)),
   "implicit: prog holds no socket at all")
is_(len(children(app)), 1, "implicit: the engine is prog's child")
is_(s.cmd("QUIT"), "221 bye", "implicit: QUIT")
s.close()
is_(srv.ends(3), [0, 0, 0], "implicit: prog exited 0 three times")
srv.stop()
done()
