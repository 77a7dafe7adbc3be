#!/usr/bin/env python3
"""Regression: when the TLS handshake after fixsmtpio's 220 failed,
fixsmtpio wrote "454 4.7.0 TLS not available" in plaintext to a client
that was speaking TLS by then, right behind the engine's alert. Nothing
but TLS records may follow the 220; the session ends with exit 111."""

import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403
from tlsclient import Session, client_hello, tls_records  # noqa: E402
from tlsfixture import make_ca, make_cert  # noqa: E402

ca = make_ca(TMP)
cert = make_cert(TMP, "mail", ca, dns=["mail.example.org"])
ctl = controldir(me="mail.example.org\n")
srv = TCPServer(prog("ucspitlsd") + prog("fixsmtpio") + msmtpd(maildir()),
                env=environ(CONTROLDIR=ctl, CERTFILE=cert.cert,
                            KEYFILE=cert.key, UCSPITLS=""), name="fail")
hello = client_hello()[0]
cases = [("garbage", b"NOOP\r\nQUIT\r\n", False),
         ("a ClientHello cut short, then FIN", hello[:len(hello) // 2], True),
         ("a bad record", b"\x16\x03\x01\x00\x05hello" + b"\0" * 64, False)]
for n, (name, send, fin) in enumerate(cases, 1):
    s = Session(srv.port, starttls=False)
    s.cmd("EHLO client.example")
    is_(s.cmd("STARTTLS"), "220 2.0.0 Ready to start TLS", "%s: 220" % name)
    s.send(send)
    if fin:
        s.sock.shutdown(socket.SHUT_WR)
    data, how = s.eof()
    s.close()
    ok(tls_records(data) is not None and b"454" not in data,
       "%s: nothing but TLS records after the 220" % name)
    if tls_records(data) is None:
        diag(repr(data))
    is_(srv.ends(n)[-1:], [111], "%s: exit 111" % name)
srv.stop()
done()
