#!/usr/bin/env python3
"""Regression: a refused BDAT got its 530, and then its chunk, which
follows a BDAT whatever the reply (RFC 3030), was read as commands: the
message's lines were answered one by one, out of step with the client,
and a QUIT or an AUTH among them was carried out. In fixsmtpio with TLS
required (UCSPITLS='!'), those allowed before TLS (RSET, QUIT, HELO, ...)
even went to the server and ran there; in authup it was so before
authentication too. A chunk is data whatever the reply to its BDAT: it
is dropped by its size, as fixsmtpio drops that of a BDAT without
CHUNKING, and the next reply is that of the command after it.

fixsmtpio's server is the stand-in t/helpers/fakesmtpd, which offers
CHUNKING (msmtpd does not) and logs what reaches it; authup's
checkpassword is t/helpers/checkpw, whose log shows no AUTH was tried."""

import base64
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import *  # noqa: E402,F401,F403
from tlsfixture import make_ca, make_cert  # noqa: E402

ca = make_ca(TMP)
cert = make_cert(TMP, "mx", ca, dns=["mx.example"])
ctl = controldir(me="mx.example\n", smtpcapabilities="PIPELINING\nCHUNKING\n")
seen = os.path.join(TMP, "seen.log")
cplog = os.path.join(TMP, "checkpw.log")
AUTH = b"AUTH PLAIN " + base64.b64encode(b"\0alice\0pw") + b"\r\n"
chunk = b"RSET\r\n" + AUTH + b"QUIT\r\n.\r\n"


def take(path):
    if not os.path.exists(path):
        return []
    with open(path) as fh:
        lines = fh.read().splitlines()
    open(path, "w").close()
    return lines


def cases(refused, helo):
    """(name, what to send after EHLO, the replies)."""
    return [
        ("a chunk holding commands",
         b"BDAT %d LAST\r\n" % len(chunk) + chunk + b"HELO c\r\n",
         [refused, helo]),
        ("split over writes", [b"BDAT %d\r\nRS" % len(chunk),
                               chunk[2:] + b"HELO c\r\n"], [refused, helo]),
        ("BDAT 0 LAST", b"BDAT 0 LAST\r\nHELO c\r\n", [refused, helo]),
        ("malformed, no chunk", b"BDAT x\r\nHELO c\r\n", [refused, helo]),
    ]


tls_first = "530 5.7.0 Must issue a STARTTLS command first"
targets = [
    ("fixsmtpio, TLS required", "!", prog("fixsmtpio") + [
        helper("fakesmtpd"), "--chunking", "--log", seen],
     cases(tls_first, "250 fake.example"), "221 fake.example"),
    ("authup, TLS required", "!", prog("authup") + [
        "smtp", helper("checkpw"), "true"],
     cases(tls_first, "250 mx.example"), "221 2.0.0 mx.example"),
    ("authup, before AUTH", None, prog("authup") + [
        "smtp", helper("checkpw"), "true"],
     cases("530 5.7.0 Authentication required", "250 mx.example"),
     "221 2.0.0 mx.example"),
]
for target, level, app, table, bye in targets:
    srv = TCPServer(prog("ucspitlsd") + app, name=target.split(",")[0] +
                    ("-tls" if level else ""),
                    env=environ(CONTROLDIR=ctl, CERTFILE=cert.cert,
                                KEYFILE=cert.key, UCSPITLS=level,
                                CHECKPW_USERS="alice:pw", CHECKPW_LOG=cplog,
                                AUTHUP_PAUSE="0"))
    for n, (name, send, want) in enumerate(table, 1):
        name = "%s: %s" % (target, name)
        c = SMTP(srv.port)
        c.text()
        c.cmd("EHLO c")
        for piece in send if isinstance(send, list) else [send]:
            c.send(piece)
        is_([c.text() for _ in want], want, "%s: the replies" % name)
        is_(c.cmd("QUIT"), bye, "%s: QUIT" % name)
        c.close()
        is_(srv.ends(n)[n - 1:], [0], "%s: exit 0" % name)
        if "fixsmtpio" in target:
            is_(take(seen), ["EHLO c", "HELO c", "QUIT"],
                "%s: the server saw no line of the chunk" % name)
        else:
            is_(take(cplog), [], "%s: the AUTH in the chunk was not tried"
                % name)
    srv.stop()
done()
