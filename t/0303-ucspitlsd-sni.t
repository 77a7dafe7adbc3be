#!/usr/bin/env python3
"""SNI: CERTFILE:name and KEYFILE:name choose the certificate by the name
the client asks for (without regard to case or a final dot), falling back
to CERTFILE for other names, for no name and for names that are not host
names; the files are read at every connection, so a renewed certificate
is served without a restart."""

import os
import shutil
import socket
import ssl
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403
from tlsclient import Session, context  # noqa: E402
from tlsfixture import combined, make_ca, make_cert  # noqa: E402

ca = make_ca(TMP)
default = make_cert(TMP, "default", ca, dns=["default.example.org"])
mail = make_cert(TMP, "mail", ca, dns=["mail.example.org"])
ec = make_cert(TMP, "ec", ca, kind="ecdsa", dns=["ec.example.net"])
ecboth = combined(TMP, ec)
live = os.path.join(TMP, "live")
os.makedirs(live)
for f in (mail.cert, mail.key):
    shutil.copy(f, live)


def der(path):
    with open(path) as fh:
        return ssl.PEM_cert_to_DER_cert(fh.read())


def which(got):
    """The name of the certificate served, among those of this test."""
    for c in (default, mail, ec, renewed):
        if c and der(c.cert) == got:
            return c.name
    return "unknown"


renewed = None


env = environ(CERTFILE=default.cert, KEYFILE=default.key)
env["CERTFILE:mail.example.org"] = os.path.join(live, "mail.pem")
env["KEYFILE:mail.example.org"] = os.path.join(live, "mail.key")
env["CERTFILE:ec.example.net"] = ecboth
srv = TCPServer(prog("ucspitlsd") + [helper("tlsecho")], env=env, name="sni")
ctx = context(ca.cert)
ctx.check_hostname = False


def served(name, want, what):
    s = Session(srv.port, ctx, name)
    is_(which(s.sock.getpeercert(binary_form=True)), want.name, what)
    e = s.env()
    s.cmd("QUIT")
    s.close()
    return e


e = served("mail.example.org", mail, "mail.example.org: its own cert")
is_(e.get("SSL_TLS_SNI"), "mail.example.org", "  SSL_TLS_SNI")
ok(not any(k.startswith(("CERTFILE", "KEYFILE")) for k in e),
   "  prog's environment has no CERTFILE:name or KEYFILE:name")
e = served("ec.example.net", ec,
           "ec.example.net: the ECDSA cert, key in the same file")
is_(e.get("SSL_TLS_SNI"), "ec.example.net", "  SSL_TLS_SNI")
e = served("MAIL.Example.ORG", mail, "the name in upper case")
is_(e.get("SSL_TLS_SNI"), "mail.example.org", "  SSL_TLS_SNI normalised")
served("other.example.org", default, "another name: CERTFILE")
e = served(None, default, "no name: CERTFILE")
ok("SSL_TLS_SNI" not in e, "  and no SSL_TLS_SNI")

# A name that is not a host name: GnuTLS answers illegal_parameter.
r = subprocess.run(
    ["openssl", "s_client", "-starttls", "smtp", "-connect",
     "127.0.0.1:%d" % srv.port, "-servername", "bad*name.example",
     "-quiet"], input=b"ENV\nQUIT\n", capture_output=True, timeout=60)
out = r.stdout.decode("utf-8", "replace")
ok("250-SSL_PROTOCOL=" not in out and b"illegal parameter" in r.stderr,
   "a name with '*': the handshake is refused")
srv.ends(6)
like(srv.text(), r"with 127\.0\.0\.1: A disallowed SNI server name",
     "  and the log says why")

# Renewal: new files under the same names, no restart.
renewed = make_cert(TMP, "mail2", ca, dns=["mail.example.org"])
shutil.copy(renewed.cert, os.path.join(live, "mail.pem"))
shutil.copy(renewed.key, os.path.join(live, "mail.key"))
served("mail.example.org", renewed,
       "the renewed certificate is served at the next connection")
srv.stop()

# A broken SNI pair, under implicit TLS, stops the connection before prog
# says anything (with STARTTLS the session goes on without TLS: t/0305).
env["KEYFILE:mail.example.org"] = default.key
srv = TCPServer(prog("ucspitlsd") + ["-i", helper("tlsecho")], env=env,
                name="sni-bad")
c = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
data = b""
while True:
    chunk = c.recv(4096)
    if not chunk:
        break
    data += chunk
c.close()
is_(data, b"", "a mismatched KEYFILE:name: nothing is sent")
is_(srv.ends(1), [111], "  and ucspitlsd exits 111")
like(srv.text(), r"unable to use KEYFILE:mail\.example\.org \S+default\.key "
     r"with CERTFILE:mail\.example\.org", "  naming both variables")
srv.stop()
done()
