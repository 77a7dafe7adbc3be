#!/usr/bin/env python3
"""Client certificates: with CAFILE set a certificate is asked for (never
required). One the CAs signed for TLS client use gives SUCCESS and the
mod_ssl names, serial and dates; one from another CA, or one made for a
server, gives FAILED:reason and no names; none gives NONE; and the
session goes on in every case. Without CAFILE nothing is asked for."""

import os
import re
import socket
import ssl
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403
from tlsclient import Session, context  # noqa: E402
from tlsfixture import make_ca, make_cert  # noqa: E402

ca = make_ca(TMP)
other = make_ca(TMP, "other", cn="Other CA")
srvcert = make_cert(TMP, "mail", ca, dns=["mail.example.org"])
alice = make_cert(TMP, "alice", ca, client=True, cn="Alice Example",
                  email="alice@example.org", serial=0x1234ab)
bob = make_cert(TMP, "bob", ca, kind="ecdsa", client=True, cn="bob")
mallory = make_cert(TMP, "mallory", other, client=True, cn="Alice Example",
                    email="alice@example.org")
CLIENT_NAMES = ("SSL_CLIENT_S_DN", "SSL_CLIENT_S_DN_CN",
                "SSL_CLIENT_S_DN_Email", "SSL_CLIENT_I_DN",
                "SSL_CLIENT_M_SERIAL", "SSL_CLIENT_V_START",
                "SSL_CLIENT_V_END")


def dates(cert):
    r = subprocess.run(["openssl", "x509", "-in", cert, "-noout",
                        "-startdate", "-enddate"], capture_output=True,
                       check=True, text=True)
    return dict(line.split("=", 1) for line in r.stdout.splitlines())


def session(port, client=None, maximum=None):
    ctx = context(ca.cert, cert=client.cert if client else None,
                  key=client.key if client else None, maximum=maximum)
    s = Session(port, ctx, "mail.example.org")
    env = s.env()
    is_(s.cmd("NOOP"), "250 ok", "the session goes on")
    s.cmd("QUIT")
    s.close()
    return env


env = environ(CERTFILE=srvcert.cert, KEYFILE=srvcert.key, CAFILE=ca.cert)
srv = TCPServer(prog("ucspitlsd") + [helper("tlsecho")], env=env,
                name="clientcert")
for maximum, label in ((None, "TLS 1.3"), (ssl.TLSVersion.TLSv1_2,
                                            "TLS 1.2")):
    e = session(srv.port, alice, maximum)
    is_(e.get("SSL_PROTOCOL"), "TLSv1.3" if maximum is None else "TLSv1.2",
        "%s: the protocol" % label)
    is_(e.get("SSL_CLIENT_VERIFY"), "SUCCESS", "%s: verified" % label)
    is_(e.get("SSL_CLIENT_S_DN"),
        "EMAIL=alice@example.org,CN=Alice Example,O=Test",
        "%s: SSL_CLIENT_S_DN" % label)
    is_(e.get("SSL_CLIENT_S_DN_CN"), "Alice Example",
        "%s: SSL_CLIENT_S_DN_CN" % label)
    is_(e.get("SSL_CLIENT_S_DN_Email"), "alice@example.org",
        "%s: SSL_CLIENT_S_DN_Email" % label)
    is_(e.get("SSL_CLIENT_I_DN"), "CN=Test CA,O=Test",
        "%s: SSL_CLIENT_I_DN" % label)
    is_(e.get("SSL_CLIENT_M_SERIAL"), "1234AB",
        "%s: SSL_CLIENT_M_SERIAL as OpenSSL writes it" % label)
    d = dates(alice.cert)
    is_(e.get("SSL_CLIENT_V_START"), d["notBefore"],
        "%s: SSL_CLIENT_V_START as OpenSSL writes it" % label)
    is_(e.get("SSL_CLIENT_V_END"), d["notAfter"],
        "%s: SSL_CLIENT_V_END" % label)

e = session(srv.port, bob)
is_(e.get("SSL_CLIENT_VERIFY"), "SUCCESS", "an ECDSA client certificate")
is_(e.get("SSL_CLIENT_S_DN_CN"), "bob", "  its name")
ok("SSL_CLIENT_S_DN_Email" not in e, "  and no e-mail address: none set")

for maximum, label in ((None, "TLS 1.3"), (ssl.TLSVersion.TLSv1_2,
                                            "TLS 1.2")):
    e = session(srv.port, mallory, maximum)
    like(e.get("SSL_CLIENT_VERIFY"), r"^FAILED:.*issuer is unknown",
         "%s: another CA's certificate FAILED, with the reason" % label)
    ok(not any(n in e for n in CLIENT_NAMES),
       "%s: and none of its names are handed out" % label)

e = session(srv.port, srvcert)
like(e.get("SSL_CLIENT_VERIFY"), r"^FAILED:.*purpose",
     "a server's certificate is no client certificate")
ok(not any(n in e for n in CLIENT_NAMES), "  and its names are not used")
e = session(srv.port)
is_(e.get("SSL_CLIENT_VERIFY"), "NONE", "no certificate: NONE")
ok(re.fullmatch(r"[ -~]*", e.get("SSL_CLIENT_VERIFY", "")) is not None,
   "the variable is printable")
# The summary line of each connection names the verified certificate.
clients = [re.search(r' client=("[^"]*"|\S+) ', s).group(1)
           for s in srv.summaries("ucspitlsd", 7)]
is_(clients, ['"EMAIL=alice@example.org,CN=Alice Example,O=Test"'] * 2 +
    ['"CN=bob,O=Test"'] +
    ["failed"] * 3 + ["none"],
    "the summary lines: the verified subjects, failed, none")
srv.stop()

env = environ(CERTFILE=srvcert.cert, KEYFILE=srvcert.key)
srv = TCPServer(prog("ucspitlsd") + [helper("tlsecho")], env=env,
                name="nocafile")
e = session(srv.port, alice)
is_(e.get("SSL_CLIENT_VERIFY"), "NONE",
    "without CAFILE no certificate is asked for: NONE")
ok(not any(n in e for n in CLIENT_NAMES), "  and no names")
srv.stop()

# A CAFILE that is not one, under implicit TLS: exit 111 before anything
# is sent (with STARTTLS the session goes on without TLS: t/0305).
bad = os.path.join(TMP, "notca.pem")
with open(bad, "w") as fh:
    fh.write("not a certificate\n")
env = environ(CERTFILE=srvcert.cert, KEYFILE=srvcert.key, CAFILE=bad)
srv = TCPServer(prog("ucspitlsd") + ["-i", helper("tlsecho")], env=env,
                name="badca")
c = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
is_(c.recv(100), b"", "a CAFILE without a certificate: nothing is sent")
c.close()
is_(srv.ends(1), [111], "  exit 111")
like(srv.text(), r"ucspitlsd: fatal: [0-9a-f]{16}: unable to parse CAFILE \S+notca\.pem",
     "  naming the file")
srv.stop()
done()
