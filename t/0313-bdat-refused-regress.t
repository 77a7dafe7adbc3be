#!/usr/bin/env python3
"""Regression: a BDAT refused before STARTTLS (UCSPITLS='!') got its 530,
and then its chunk was read as commands: the message's lines were
answered one by one, and those allowed before TLS (RSET, QUIT, ...) went
to the server and ran there. A chunk is data whatever the reply to its
BDAT: it is skipped by its size, as the chunk of a BDAT without CHUNKING
is, and the next reply is that of the command after it. The server is
the stand-in t/helpers/fakesmtpd, which offers CHUNKING (msmtpd does not)
and logs what reaches it."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403
from tlsfixture import make_ca, make_cert  # noqa: E402

ca = make_ca(TMP)
cert = make_cert(TMP, "mx", ca, dns=["mx.example"])
ctl = controldir(me="mx.example\n")
seen = os.path.join(TMP, "seen.log")
srv = TCPServer(prog("ucspitlsd") + prog("fixsmtpio") +
                [helper("fakesmtpd"), "--chunking", "--log", seen],
                env=environ(CONTROLDIR=ctl, CERTFILE=cert.cert,
                            KEYFILE=cert.key, UCSPITLS="!"), name="bdat")
first = "530 5.7.0 Must issue a STARTTLS command first"
helo = "250 fake.example"
chunk = b"RSET\r\nQUIT\r\n.\r\n"
for n, (name, send, want) in enumerate([
        ("a chunk holding commands", b"BDAT %d LAST\r\n" % len(chunk) + chunk +
         b"HELO c\r\n", [first, helo]),
        ("split over writes", [b"BDAT %d\r\nRS" % len(chunk),
                               chunk[2:] + b"HELO c\r\n"], [first, helo]),
        ("BDAT 0 LAST", b"BDAT 0 LAST\r\nHELO c\r\n", [first, helo]),
        ("malformed, no chunk", b"BDAT x\r\nHELO c\r\n", [first, helo]),
], 1):
    c = SMTP(srv.port)
    c.text()
    c.cmd("EHLO c")
    for piece in send if isinstance(send, list) else [send]:
        c.send(piece)
    is_([c.text() for _ in want], want, "%s: the replies" % name)
    is_(c.cmd("QUIT"), "221 fake.example", "%s: QUIT" % name)
    c.close()
    is_(srv.ends(n)[n - 1:], [0], "%s: exit 0" % name)
    with open(seen) as fh:
        is_(fh.read().splitlines(), ["EHLO c", "HELO c", "QUIT"],
            "%s: the server saw no line of the chunk" % name)
    open(seen, "w").close()
srv.stop()
done()
